"""Values every page needs: the tile URL for maps and the region's name in the header."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    from nahraum.region.models import Region

    region = Region.objects.order_by("pk").first()
    return {
        "NAHRAUM_TILE_URL": settings.NAHRAUM_TILE_URL,
        "NAHRAUM_TILE_ATTRIBUTION": settings.NAHRAUM_TILE_ATTRIBUTION,
        "current_region": region,
    }
