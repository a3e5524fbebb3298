"""The region in one dictionary, as `nahraum summary --json` prints it."""

from __future__ import annotations

from django.db.models import Count

from .models import Facility, Municipality, Region


def region_summary(region_slug: str | None = None) -> dict:
    regions = Region.objects.order_by("pk")
    region = regions.get(slug=region_slug) if region_slug else regions.first()
    if region is None:
        raise LookupError("no region loaded; run `nahraum demo` or `nahraum import region …`")
    municipalities = []
    for m in Municipality.objects.filter(region=region).order_by("name"):
        counts = (
            Facility.objects.filter(municipality=m)
            .values("type__key")
            .annotate(n=Count("pk"))
            .order_by("type__key")
        )
        municipalities.append(
            {
                "name": m.name,
                "ags": m.ags,
                "population": m.population,
                "area_km2": m.area_km2,
                "trend": m.trend,
                "districts": [
                    {
                        "name": d.name,
                        "key": d.key,
                        "kind": d.kind,
                        "population": d.population,
                        "is_estimate": d.is_estimate,
                    }
                    for d in m.districts.order_by("kind", "name")
                ],
                "facilities": {row["type__key"]: row["n"] for row in counts},
            }
        )
    return {"region": region.name, "slug": region.slug, "municipalities": municipalities}
