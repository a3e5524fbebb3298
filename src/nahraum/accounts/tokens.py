"""One token generator per purpose: confirming an email address, resetting a password.

Why two: a token is an HMAC over a few fields of the account. With one generator (Django's
``default_token_generator``) for both purposes, a password-reset link was also a valid
confirmation link, and the confirmation view activates and logs in: a disabled account came back
with a reset mail. Each generator now has its own salt, so a token of one purpose is worthless for
the other, and each binds the token to the state it may act on:

* **confirmation** is valid only while the address is unconfirmed (``email_confirmed_at`` is in the
  hash and is set on confirming): it works once, and never for an account that was confirmed and
  later disabled by staff;
* **password reset** has ``is_active`` in the hash: disabling an account voids every reset link
  already sent (Django sends none to inactive accounts, but a link mailed before stays valid for
  ``PASSWORD_RESET_TIMEOUT`` without this).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "nahraum.accounts.tokens.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        confirmed = user.email_confirmed_at.isoformat() if user.email_confirmed_at else ""
        return f"{user.pk}{user.email}{user.is_active}{confirmed}{timestamp}"


class PasswordResetTokens(PasswordResetTokenGenerator):
    key_salt = "nahraum.accounts.tokens.PasswordResetTokens"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


email_confirmation_tokens = EmailConfirmationTokenGenerator()
password_reset_tokens = PasswordResetTokens()
