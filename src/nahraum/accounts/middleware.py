"""Sets the device cookie after a login (see :mod:`nahraum.accounts.throttle`).

A middleware, because logins happen in views we do not own (the Django admin's) and a signal
receiver cannot set a cookie on a response that does not exist yet.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import throttle
from .signals import TRUST_DEVICE_ATTR


class DeviceCookieMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        username = getattr(request, TRUST_DEVICE_ATTR, None)
        if username:
            response.set_cookie(
                throttle.DEVICE_COOKIE,
                throttle.device_cookie_value(request, username),
                max_age=throttle.DEVICE_COOKIE_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
