"""Counting events per key in the shared cache: rate limits, login throttling, heavy-work budgets.

Why here and not in ``accounts``: every app that serves expensive work needs a budget, and
``analysis`` (the car isochrones) may not import ``accounts`` (tests/test_architecture.py);
``region`` is the lowest Django app every other app may import. :mod:`nahraum.accounts.throttle`
re-exports these functions and keeps the login rules.

Where the counts live decides what they guarantee:

* **Redis** (``NAHRAUM_REDIS_URL`` set): one atomic Lua script increments the counter and gives it
  its expiry in the same step, so two web workers (on any machine) never lose a count and a key can
  never be left without an expiry (Django's ``cache.incr`` on Redis checks ``EXISTS`` first and
  then ``INCR`` — a key expiring in between would come back without a timeout and block for ever).
* **FileBasedCache** (the default without Redis): shared by the workers *of this one machine*
  only, and not atomic — ``incr`` is read, add, write, so two requests at the same moment may count
  once. That is good enough to slow down password guessing or floods, not to meter exactly.
* **LocMemCache** (tests without Redis): per process.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

_INCR_WITH_EXPIRY = """
local n = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


def client_address(request: HttpRequest) -> str:
    """The client's address as the web server saw it (no trust in X-Forwarded-For)."""
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(scope: str, ident: str) -> str:
    return f"nahraum:throttle:{scope}:{ident}"


def _uses_redis() -> bool:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend.endswith("redis.RedisCache")


@functools.cache
def _redis_script() -> Any:
    """The increment script registered on a client of the cache's Redis (one pool per process)."""
    import redis

    location = settings.CACHES["default"]["LOCATION"]
    url = location[0] if isinstance(location, list | tuple) else location.split(",")[0]
    return redis.Redis.from_url(url).register_script(_INCR_WITH_EXPIRY)


def count(scope: str, ident: str) -> int:
    """How many events (scope, ident) has in its current window (0 when none)."""
    return int(cache.get(_key(scope, ident), 0))


def hit(scope: str, ident: str, window: int) -> int:
    """Count one event for (scope, ident) in the current window and return the new count.

    The window starts with the first event and lasts ``window`` seconds. Atomic on Redis; see the
    module docstring for the other caches.
    """
    key = _key(scope, ident)
    if _uses_redis():
        # cache.make_key applies the cache's KEY_PREFIX and version, so cache.get reads it back
        # (Django's Redis serializer stores integers as plain numbers, which INCR understands).
        return int(_redis_script()(keys=[cache.make_key(key)], args=[int(window)]))
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def reset(scope: str, ident: str) -> None:
    """Forget the count of (scope, ident), e.g. after a successful login."""
    cache.delete(_key(scope, ident))


def allow(scope: str, ident: str, limit: int, window: int) -> bool:
    """Count an event and tell whether it is still within ``limit`` per ``window`` seconds."""
    return hit(scope, ident, window) <= limit


# --- budgets for heavy work -----------------------------------------------------------------------


def budget(
    scope: str,
    request: HttpRequest,
    *,
    per_user: int | None = None,
    per_address: int | None = None,
    window: int = 3600,
) -> int | None:
    """Spend one unit of the heavy-work budget ``scope``; ``None`` if allowed, else the seconds
    until the next window (for ``Retry-After``).

    A signed-in person counts against ``per_user`` (their own budget, wherever they are); an
    anonymous visitor against ``per_address`` (their address). ``None`` for a limit means
    unlimited for that kind of visitor, ``0`` means not at all. The windows are fixed and aligned
    to the clock (key = scope + window number), so the time until the next one is known without
    asking the cache for a key's remaining lifetime.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        limit, ident = per_user, f"user-{user.pk}"
    else:
        limit, ident = per_address, f"addr-{client_address(request)}"
    if limit is None:
        return None
    now = time.time()
    slot = int(now // window)
    retry_after = max(1, math.ceil((slot + 1) * window - now))
    if limit <= 0:
        return retry_after
    # The key outlives its window by a little so a late increment still expires on its own.
    if hit(f"budget-{scope}-{slot}", ident, window + 60) <= limit:
        return None
    return retry_after


def too_many_requests(request: HttpRequest, what: str, retry_after: int) -> HttpResponse:
    """The 429 page: what was limited and when to try again, with a ``Retry-After`` header.

    JSON clients (``Accept: application/json`` or a path under ``/api/``) get a small JSON body.
    """
    minutes = max(1, math.ceil(retry_after / 60))
    wants_json = "/api/" in request.path or "application/json" in request.headers.get("Accept", "")
    if wants_json:
        import json

        body = json.dumps({"error": "too many requests", "what": what, "retry_after": retry_after})
        response = HttpResponse(body, status=429, content_type="application/json")
    else:
        html = render_to_string(
            "429.html", {"what": what, "minutes": minutes, "retry_after": retry_after}, request
        )
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def heavy_work(
    scope: str,
    what: str,
    *,
    per_user: int | None = None,
    per_address: int | None = None,
    window: int = 3600,
    methods: tuple[str, ...] = ("GET", "POST"),
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view so each request (of ``methods``) spends one unit of the budget ``scope``.

    ``what`` is the (lazy-translated) name of the limited work shown on the 429 page, e.g.
    ``gettext_lazy("car and bike isochrones")``. For views that only spend the budget on some
    requests (a form's valid POST), call :func:`budget` and :func:`too_many_requests` directly.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                wait = budget(
                    scope, request, per_user=per_user, per_address=per_address, window=window
                )
                if wait is not None:
                    return too_many_requests(request, str(what), wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
