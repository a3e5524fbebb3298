"""The one way a view asks "may this person do this?": django-rules permissions, nothing else.

Every app declares its permissions in its own ``rules.py`` (``rules.add_perm``) on top of the
ownership predicates in :mod:`nahraum.accounts.rules`. Views ask through :func:`require` (inside
a view, when the object is only known after a lookup) or the :func:`permission_required`
decorator (when the permission does not depend on an object, or the object follows from the URL);
templates ask through ``perms`` (object-less) or ``{% load rules %}{% has_perm %}`` (with object).
No view or template tests roles or ``is_staff`` directly, so that one table of rules decides, and
the role × action test reads the same table the pages do.

A refusal is a 403 for everyone, signed in or not: a page that redirected anonymous visitors to
the login page but refused signed-in ones would tell an attacker which objects exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

ObjectGetter = Callable[..., Any]


def require(request: HttpRequest, perm: str, obj: Any = None) -> None:
    """Raise PermissionDenied (403) unless ``request.user`` has ``perm`` (on ``obj``)."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(perm)


def permission_required(
    perm: str, obj: ObjectGetter | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view so that it runs only for users with ``perm``.

    ``obj``, if given, is called with the request and the URL keyword arguments and returns the
    object the permission is asked about (e.g. ``lambda request, pk: get_object_or_404(...)``).
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            target = obj(request, *args, **kwargs) if obj is not None else None
            require(request, perm, target)
            return view(request, *args, **kwargs)

        wrapped.permission = perm  # type: ignore[attr-defined]  # read by the role × action test
        return wrapped

    return decorate
