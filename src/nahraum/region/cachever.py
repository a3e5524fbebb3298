"""One data version for the whole platform, and caching keyed by it (issue 11, item 5).

The public pages (region, analysis, transit, strategy) are the same for every anonymous visitor
until the data change: a facility is edited, an analysis run finishes, a feed is imported, a
measure changes. Instead of working out which page depends on which table, every change to any
model of the data apps bumps one integer in the shared cache (``nahraum.web.pagecache`` connects
the model signals once, in the web app's ``ready``); cached pages and results carry the version
in their key, so a bump makes them all unreachable at once and they expire on their own.

Why in ``region``: it is the lowest Django app, and every app whose data feed the pages
(data, analysis, transit, scenarios, strategy, participation) and every app whose views are cached
may import it (tests/test_architecture.py); ``web`` sits on top and may import nothing from below
into the apps, and ``bootstrap`` must stay free of Django.

Bulk writes (``bulk_create``, ``QuerySet.update``/``delete``) send no model signals. A transaction
that saves at least one model instance the normal way is covered (the bump runs after the commit);
code that only writes in bulk calls :func:`bump_data_version` itself at its end.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

VERSION_KEY = "nahraum:data-version"
#: The data scopes: "data" for everything the region, supply and transit pages show;
#: "participation" for the ideas, workshops and proposals the strategy pages link to (they change
#: while people take part); "scenarios" for the results of scenario runs (staff run them all day,
#: and no public page shows them). A page keys on the scopes it shows.
SCOPES = ("data", "participation", "scenarios")
#: How long a cached page or result lives at most (a bump makes it unreachable sooner).
PAGE_TIMEOUT = 24 * 3600
#: A signed-in visitor's own copy of a page lives shorter: there is one per browser session.
VISITOR_PAGE_TIMEOUT = 10 * 60
#: The response header telling whether a page came from the cache (for tests and the benchmark).
CACHE_HEADER = "X-Nahraum-Cache"
#: Headers of a cached response kept with its body (security headers are added again per request).
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition")


def data_version(scope: str = "data") -> int:
    """The current version of ``scope`` (one cache read). Starts at the clock in milliseconds,
    so a cache that lost the key never comes back to a version old pages were stored under."""
    key = f"{VERSION_KEY}:{scope}"
    version = cache.get(key)
    if version is None:
        cache.add(key, int(time.time() * 1000), timeout=None)
        version = cache.get(key)
    return int(version)


def bump_data_version(scope: str = "data") -> int:
    """Make every cached page and result that depends on ``scope`` stale now; returns the new
    version.

    Call it at the end of code that changes data without model signals (bulk writes). Atomic on
    Redis (INCR); on the file cache two bumps at the same moment may count as one, which still
    leaves a new version.
    """
    key = f"{VERSION_KEY}:{scope}"
    try:
        return int(cache.incr(key))
    except ValueError:  # never set, or evicted
        version = int(time.time() * 1000)
        cache.set(key, version, timeout=None)
        return version


#: One after-commit callable per scope (the same object each time, so it is registered once).
_LATER = {scope: functools.partial(bump_data_version, scope) for scope in SCOPES}


def bump_after_commit(scope: str = "data", using: str | None = None) -> None:
    """Bump now, and once more when the surrounding transaction commits.

    The second bump matters: a page rendered while the transaction is still open sees the old
    data but would be stored under the new version. One after-commit bump per transaction and
    scope, however many rows it saves.
    """
    bump_data_version(scope)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    later = _LATER[scope]
    if not any(func is later for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(later, using=using)


def cache_key(kind: str, *parts: Any, scopes: tuple[str, ...] = ("data",)) -> str:
    """A cache key for ``kind`` over ``parts`` and the versions of ``scopes`` (hashed)."""
    raw = "\x1f".join(str(p) for p in parts)
    digest = hashlib.sha256(raw.encode()).hexdigest()
    versions = ".".join(str(data_version(s)) for s in scopes)
    return f"nahraum:{kind}:{versions}:{digest}"


def cached_result(
    kind: str, parts: tuple[Any, ...], compute: Callable[[], Any]
) -> tuple[Any, bool]:
    """``compute()`` once per ``parts`` and data version; returns (value, came from the cache)."""
    key = cache_key(kind, *parts)
    value = cache.get(key)
    if value is not None:
        return value, True
    value = compute()
    cache.set(key, value, timeout=PAGE_TIMEOUT)
    return value, False


def _visitor(request: HttpRequest) -> tuple[Any, ...] | None:
    """Who the page is for: ``()`` for an anonymous visitor, the signed-in person's browser
    session for a signed-in one, ``None`` when the page may not come from the cache.

    A signed-in page shows the person's name, role-dependent links and a logout form whose
    CSRF token belongs to this browser's CSRF cookie; so it is kept per (user, role,
    municipality, session cookie, CSRF cookie) — what Django's cache does for pages that vary
    on Cookie — and reused only by the same browser until the data change.
    """
    from django.conf import settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ()
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    csrf = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if not session or not csrf:
        return None
    return (
        user.pk,
        getattr(user, "role", ""),
        getattr(user, "municipality_id", None),
        user.is_staff,
        user.is_superuser,
        hashlib.sha256(f"{session}\x1f{csrf}".encode()).hexdigest(),
    )


def _may_use_cache(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    # len() loads pending messages without marking them shown, so they stay for the page.
    return len(get_messages(request)) == 0


def _may_store(request: HttpRequest, response: HttpResponse, *, shared: bool) -> bool:
    if response.status_code != 200 or getattr(response, "streaming", False):
        return False
    if shared:
        # A page that used the CSRF token carries this visitor's token in a form: never share it.
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
            return False
    else:
        from django.conf import settings

        # The page's token must belong to the CSRF cookie the browser already has (not to a
        # new one this response is about to set), or the kept copy's forms would fail.
        in_use = request.META.get("CSRF_COOKIE")
        if in_use is not None and in_use != request.COOKIES.get(settings.CSRF_COOKIE_NAME):
            return False
    return not response.cookies


def public_page(
    view: Callable[..., HttpResponse] | None = None, *, scopes: tuple[str, ...] = ("data",)
) -> Any:
    """Serve a public page from the cache to anonymous visitors until the data change.

    ``@public_page`` for pages of planning data; ``@public_page(scopes=("data",
    "participation"))`` for pages that also show ideas, workshops or proposals.
    Key: path, query string, language and the versions of ``scopes``. Only GET/HEAD from an
    anonymous visitor with no message pending is served from or stored in the shared cache, and
    only a 200 response that did not use the CSRF token nor set a cookie is stored. A signed-in
    person's page (their name, their role's links, a logout form with their token) is kept for
    their own browser session only, for ten minutes at most (:func:`_visitor`).
    ``X-Nahraum-Cache`` says ``hit`` or ``miss``.
    """

    if view is None:
        return functools.partial(public_page, scopes=scopes)

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        visitor = _visitor(request)
        if visitor is None or not _may_use_cache(request):
            return view(request, *args, **kwargs)
        query = request.META.get("QUERY_STRING", "")
        key = cache_key("page", request.path, query, get_language(), *visitor, scopes=scopes)
        stored = cache.get(key)
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response[CACHE_HEADER] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        shared = visitor == ()
        if _may_store(request, response, shared=shared):
            headers = [(h, response[h]) for h in _KEPT_HEADERS if h in response]
            timeout = PAGE_TIMEOUT if shared else VISITOR_PAGE_TIMEOUT
            cache.set(key, (response.status_code, headers, response.content), timeout)
            response[CACHE_HEADER] = "miss"
        return response

    return wrapped
