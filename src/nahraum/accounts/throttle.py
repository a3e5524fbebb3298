"""Rate limits over the shared cache: login throttling, limits on submissions, heavy-work budgets.

A fixed window per key is enough here: the aim is to slow down password guessing and floods of
ideas or comments, not to meter an API. The counting itself lives in
:mod:`nahraum.region.ratelimit` (atomic on Redis; per machine and not atomic on the file cache —
see there), so that apps which may not import ``accounts`` can budget their heavy work too; this
module re-exports it and keeps the login rules.

Heavy-work budget (issue 11, item 6)::

    from nahraum.accounts import throttle

    wait = throttle.budget("locate", request, per_user=10, per_address=3, window=3600)
    if wait is not None:  # seconds until the next window
        return throttle.too_many_requests(request, gettext("location planning"), wait)

or as a decorator on a whole view (every GET/POST spends one unit)::

    @throttle.heavy_work("pdf", gettext_lazy("PDF reports"), per_user=30, per_address=10)
    def report_pdf(request): ...

The 429 page (web/templates/429.html) says what was limited and when to try again and sends
``Retry-After``; JSON clients get ``{"error", "what", "retry_after"}``.

Login throttling (issue 12) is enforced in the authentication backend
(:class:`nahraum.accounts.backends.ThrottledModelBackend`), so it holds for *every* path that asks
Django's ``authenticate()`` — the site's login, the admin's login, and any token or API login
added later — and failures are counted from Django's ``user_login_failed`` signal
(:mod:`nahraum.accounts.signals`). The forms ask :func:`login_refusal` first only to *say* why.

Why our own rules and not django-axes (which we read closely): axes locks by a combination of
username and address with a hard lock-out for a cool-off time. Keyed by username alone (the
per-account limit the issue asks for), that hands any stranger a switch to lock a real person out
for as long as they keep guessing; keyed with the address, a guesser with many addresses is not
slowed at all. Our rules keep both limits and add what axes lacks: browsers in which the account
logged in before (a signed device cookie) are exempt from the per-account lock, and a password
reset by mail lifts it. The counters are the same atomic Redis counters as every other budget,
and the keys use the name Django authenticates (NFKC), so look-alike spellings cannot add tries.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext as _

from nahraum.region.ratelimit import (
    allow,
    budget,
    client_address,
    count,
    heavy_work,
    hit,
    reset,
    too_many_requests,
)

from . import usernames

__all__ = [
    "DEVICE_COOKIE",
    "LOGIN_FAILURES_ALLOWED",
    "LOGIN_FAILURES_PER_ACCOUNT",
    "LOGIN_FAILURES_PER_ADDRESS",
    "LOGIN_WINDOW_SECONDS",
    "LoginRefused",
    "account_unlocked",
    "device_cookie_value",
    "login_refusal",
    "trusted_device",
    "allow",
    "budget",
    "client_address",
    "count",
    "heavy_work",
    "hit",
    "login_blocked",
    "login_failed",
    "login_ident",
    "login_succeeded",
    "reset",
    "too_many_requests",
]

#: Failed logins per account from one address (or one trusted device) in a window.
LOGIN_FAILURES_ALLOWED = 5
#: Failed logins per address, whatever the username (guessing across many accounts).
LOGIN_FAILURES_PER_ADDRESS = 50
#: Failed logins per account from all addresses together (a guesser with many addresses). Above
#: it, only browsers that logged into this account before (a device cookie) may keep trying.
LOGIN_FAILURES_PER_ACCOUNT = 20
LOGIN_WINDOW_SECONDS = 15 * 60

#: The signed cookie that marks a browser in which an account logged in before (OWASP "device
#: cookies"): it exempts that browser from the per-account lock, so that a guesser who spends
#: the account's budget from many addresses cannot lock its owner out.
DEVICE_COOKIE = "nahraum_device"
DEVICE_COOKIE_SALT = "nahraum.accounts.throttle.device"
DEVICE_COOKIE_MAX_AGE = 180 * 24 * 3600
#: Accounts remembered per browser (a family computer, a library PC).
DEVICE_COOKIE_ACCOUNTS = 5


class LoginRefused(Exception):
    """A login attempt refused before the password was checked; ``message`` says why (German
    through gettext), ``reason`` is ``"address"`` or ``"account"``."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def _account(username: str) -> str:
    return usernames.normalise(username)


def login_ident(request: HttpRequest, username: str) -> str:
    """The throttle key of one account tried from one address (the normalised name, so every
    spelling Django authenticates as this account counts here)."""
    return f"{_account(username)}|{client_address(request)}"


def _device_entries(request: HttpRequest) -> list[list[str]]:
    """The ``[account, device id]`` pairs of this browser's device cookie (empty if none/forged)."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        entries = signing.loads(raw, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [[str(e[0]), str(e[1])] for e in entries if isinstance(e, list) and len(e) == 2]


def trusted_device(request: HttpRequest, username: str) -> str | None:
    """The device id this browser holds for ``username`` (from an earlier login), or ``None``."""
    account = _account(username)
    return next((device for name, device in _device_entries(request) if name == account), None)


def device_cookie_value(request: HttpRequest, username: str) -> str:
    """The signed cookie value after ``username`` logged in from this browser."""
    account = _account(username)
    entries = _device_entries(request)
    device = next((d for name, d in entries if name == account), None) or secrets.token_urlsafe(12)
    entries = [e for e in entries if e[0] != account] + [[account, device]]
    return signing.dumps(entries[-DEVICE_COOKIE_ACCOUNTS:], salt=DEVICE_COOKIE_SALT)


def login_refusal(request: HttpRequest, username: str) -> LoginRefused | None:
    """Why a login for ``username`` from this request must not even be tried now, or ``None``.

    Three budgets, each for :data:`LOGIN_WINDOW_SECONDS` from its first failure:

    * this address, any account (:data:`LOGIN_FAILURES_PER_ADDRESS`);
    * this account from this address — or from this trusted browser, where the browser holds a
      device cookie for the account (:data:`LOGIN_FAILURES_ALLOWED`);
    * this account from everywhere (:data:`LOGIN_FAILURES_PER_ACCOUNT`) — not applied to a
      trusted browser, so the owner still gets in on their own device while somebody guesses;
      a password reset by mail lifts it at once (:func:`account_unlocked`).

    The same answer comes for names that have no account, so the lock tells nothing about which
    accounts exist.
    """
    minutes = LOGIN_WINDOW_SECONDS // 60
    retry = _(
        "Too many failed attempts. Please wait %(minutes)d minutes or reset your password."
    ) % {"minutes": minutes}
    if count("login-address", client_address(request)) >= LOGIN_FAILURES_PER_ADDRESS:
        return LoginRefused("address", retry)
    account = _account(username)
    device = trusted_device(request, username)
    if device is not None:
        if count("login-device", f"{account}|{device}") >= LOGIN_FAILURES_ALLOWED:
            return LoginRefused("address", retry)
        return None
    if count("login", login_ident(request, username)) >= LOGIN_FAILURES_ALLOWED:
        return LoginRefused("address", retry)
    if count("login-account", account) >= LOGIN_FAILURES_PER_ACCOUNT:
        return LoginRefused(
            "account",
            _(
                "This account has had too many failed login attempts from different places and "
                "is protected for %(minutes)d minutes. You can still log in on a device where "
                "you have logged in before, or reset your password by email: that lifts the "
                "protection at once."
            )
            % {"minutes": minutes},
        )
    return None


def login_blocked(request: HttpRequest, username: str) -> bool:
    """True when a login for ``username`` from this request is refused (see login_refusal)."""
    return login_refusal(request, username) is not None


def login_failed(request: HttpRequest, username: str) -> None:
    """Count a failed login against every budget it belongs to."""
    account = _account(username)
    hit("login-address", client_address(request), LOGIN_WINDOW_SECONDS)
    hit("login-account", account, LOGIN_WINDOW_SECONDS)
    device = trusted_device(request, username)
    if device is not None:
        hit("login-device", f"{account}|{device}", LOGIN_WINDOW_SECONDS)
    else:
        hit("login", login_ident(request, username), LOGIN_WINDOW_SECONDS)


def login_succeeded(request: HttpRequest, username: str) -> None:
    """A successful login forgets this address's and this browser's failures for the account.

    Not the account-wide count: a guesser elsewhere is still guessing, and the owner's browser
    is exempt from that lock anyway (it now holds a device cookie).
    """
    account = _account(username)
    reset("login", login_ident(request, username))
    device = trusted_device(request, username)
    if device is not None:
        reset("login-device", f"{account}|{device}")


def account_unlocked(username: str) -> None:
    """The owner proved control of the account's email (a password reset): lift the account lock."""
    reset("login-account", _account(username))
