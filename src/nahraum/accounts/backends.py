"""The authentication backend that applies the login throttle to every way of logging in.

Why a backend: the site's login form, the Django admin's login and any later API or token
login all end in ``django.contrib.auth.authenticate()``, which asks each backend in turn. A
backend that refuses a throttled attempt (``PermissionDenied`` stops ``authenticate`` and counts
as a failed login) protects all of them, including paths nobody remembered to wrap.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import throttle


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing attempts over a login budget before the password check.

    Calls without a request (server-side code, ``Client.login`` in tests) are not throttled:
    the budgets are per address and browser, and such calls have neither.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is not None and username is not None:
            refusal = throttle.login_refusal(request, username)
            if refusal is not None:
                # Counted once by the refusal itself, not again as a failed password.
                request._nahraum_login_refused = refusal  # type: ignore[attr-defined]
                raise PermissionDenied(refusal.message)
        return super().authenticate(request, username=username, password=password, **kwargs)
