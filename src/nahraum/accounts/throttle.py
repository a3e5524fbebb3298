"""Rate limits over Django's cache: login throttling and limits on submissions.

A fixed window per key is enough here: the aim is to slow down password guessing and floods of
ideas or comments, not to meter an API. The counts live in the configured cache; with several
web workers, configure a shared cache (e.g. Redis or the database cache) so that every worker
sees the same counts.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

#: Failed logins per username and address before the login is refused for the window.
LOGIN_FAILURES_ALLOWED = 5
#: Failed logins per address, whatever the username (guessing across many accounts).
LOGIN_FAILURES_PER_ADDRESS = 50
LOGIN_WINDOW_SECONDS = 15 * 60


def client_address(request: HttpRequest) -> str:
    """The client's address as the web server saw it (no trust in X-Forwarded-For)."""
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(scope: str, ident: str) -> str:
    return f"nahraum:throttle:{scope}:{ident}"


def count(scope: str, ident: str) -> int:
    return int(cache.get(_key(scope, ident), 0))


def hit(scope: str, ident: str, window: int) -> int:
    """Count one event for (scope, ident) in the current window and return the new count."""
    key = _key(scope, ident)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def reset(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))


def allow(scope: str, ident: str, limit: int, window: int) -> bool:
    """Count an event and tell whether it is still within ``limit`` per ``window`` seconds."""
    return hit(scope, ident, window) <= limit


def login_ident(request: HttpRequest, username: str) -> str:
    return f"{(username or '').strip().lower()}|{client_address(request)}"


def login_blocked(request: HttpRequest, username: str) -> bool:
    return (
        count("login", login_ident(request, username)) >= LOGIN_FAILURES_ALLOWED
        or count("login-address", client_address(request)) >= LOGIN_FAILURES_PER_ADDRESS
    )


def login_failed(request: HttpRequest, username: str) -> None:
    hit("login", login_ident(request, username), LOGIN_WINDOW_SECONDS)
    hit("login-address", client_address(request), LOGIN_WINDOW_SECONDS)


def login_succeeded(request: HttpRequest, username: str) -> None:
    reset("login", login_ident(request, username))
