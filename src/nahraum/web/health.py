"""``/healthz``: the probe for a load balancer, systemd or a monitor (docs/operating.md).

No language prefix, no login, no throttle, exempt from the HTTPS redirect (settings), never cached
(``never_cache``: ``Cache-Control: no-store``).
The checks live in :mod:`nahraum.ops.health`; this view only answers. Mounted by one line in
``nahraum.web.urls`` (``include`` of this module's ``urlpatterns``).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from nahraum.ops.health import health_report


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with ``status`` ok/degraded, 503 when the database is down (or, with ``?strict=1``,
    also when degraded)."""
    report = health_report(strict=request.GET.get("strict") in ("1", "true", "yes"))
    return JsonResponse(report.body, status=report.status_code)


urlpatterns = [path("", healthz, name="healthz")]
