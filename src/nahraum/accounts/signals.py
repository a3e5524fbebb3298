"""Login bookkeeping for every login path: failures counted, successes remembered by device.

Connected in :class:`nahraum.accounts.apps.AccountsConfig.ready`. Django sends
``user_login_failed`` from ``authenticate()`` whichever form or client called it, and
``user_logged_in`` from ``login()``, so the throttle counts the admin's login and the site's alike.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from . import throttle

#: The request attribute that asks :class:`nahraum.accounts.middleware.DeviceCookieMiddleware`
#: to remember this browser for the account that just logged in.
TRUST_DEVICE_ATTR = "_nahraum_trust_device"


@receiver(user_login_failed, dispatch_uid="nahraum.accounts.login_failed")
def count_failed_login(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    """A wrong password (or an unknown name) spends the attempt's budgets."""
    if request is None or getattr(request, "_nahraum_login_refused", None) is not None:
        return
    username = credentials.get("username")
    if username:
        throttle.login_failed(request, str(username))


@receiver(user_logged_in, dispatch_uid="nahraum.accounts.logged_in")
def remember_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Forget this browser's failures for the account and mark the browser as trusted for it."""
    if request is None or not hasattr(request, "COOKIES"):
        return
    username = user.get_username()
    throttle.login_succeeded(request, username)
    setattr(request, TRUST_DEVICE_ATTR, username)
