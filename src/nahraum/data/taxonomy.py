"""The taxonomy of everyday services: innovation fields, facility types, OSM tags and norms.

The taxonomy lives in a data file (``bundled/taxonomy.json``) rather than in Python, so that the
figures planners argue about — "1,000 m to the supermarket", "30 minutes to a hospital" — can be
read, reviewed and cited without reading code, and each norm carries the source of its figure.

Loading is idempotent and conservative: fields and types are created or renamed by key, but the
norms of a type are only written when that type has none yet. Norms are meant to be changed by
planners in the admin; reloading the taxonomy (which every import does) must not undo that.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

TAXONOMY_FILE = Path(__file__).resolve().parent / "bundled" / "taxonomy.json"


@lru_cache(maxsize=4)
def read_taxonomy(path: str | None = None) -> dict[str, Any]:
    """Return the parsed taxonomy file (cached; the file is part of the package)."""
    with open(path or TAXONOMY_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def load_taxonomy(path: str | None = None) -> dict[str, int]:
    """Create or update innovation fields and facility types; add default norms to new types.

    Returns counts of what was created, for the command's report.
    """
    from django.db import transaction

    from nahraum.region.models import FacilityType, InnovationField, Norm

    data = read_taxonomy(str(path) if path else None)
    sources: dict[str, str] = data["sources"]
    created = {"fields": 0, "types": 0, "norms": 0}
    with transaction.atomic():
        fields: dict[str, InnovationField] = {}
        for f in data["fields"]:
            obj, was_created = InnovationField.objects.update_or_create(
                key=f["key"],
                defaults={
                    "name_de": f["name_de"],
                    "name_en": f["name_en"],
                    "order": f["order"],
                    "colour": f["colour"],
                },
            )
            fields[f["key"]] = obj
            created["fields"] += int(was_created)
        for t in data["types"]:
            ftype, was_created = FacilityType.objects.update_or_create(
                key=t["key"],
                defaults={
                    "field": fields[t["field"]],
                    "name_de": t["name_de"],
                    "name_en": t["name_en"],
                    "capacity_unit": t.get("capacity_unit", ""),
                    "demand_age_bands": t.get("demand_age_bands", []),
                    "osm_tags": t.get("osm_tags", []),
                    "order": t.get("order", 0),
                },
            )
            created["types"] += int(was_created)
            if ftype.norms.exists():
                continue  # planners may have edited them; never overwrite
            for n in t.get("norms", []):
                Norm.objects.create(
                    facility_type=ftype,
                    mode=n["mode"],
                    max_minutes=n.get("max_minutes"),
                    max_metres=n.get("max_metres"),
                    area_kind=n.get("area_kind", "any"),
                    age_bands=n.get("age_bands", []),
                    label_de=n["label_de"],
                    label_en=n["label_en"],
                    source=sources.get(n["source"], n["source"]),
                )
                created["norms"] += 1
    return created


def _value_matches(expected: Any, actual: str | None) -> bool:
    if actual is None:
        return False
    if isinstance(expected, list):
        return actual in expected
    if expected == "*":
        return True
    if isinstance(expected, str) and expected.startswith("~"):
        return re.search(expected[1:], actual, flags=re.IGNORECASE) is not None
    return actual == expected


class OsmTagMatcher:
    """Decide the facility type of an OSM object from its tags, by the taxonomy's filters.

    Filters are tried most specific first (most keys), so that a school tagged as a Gymnasium
    becomes a secondary school even though every school also matches the plain
    ``amenity=school`` filter of primary schools. Ties keep the file's order.
    """

    def __init__(self, types: Iterable[Mapping[str, Any]]):
        rules: list[tuple[int, int, str, dict]] = []
        for i, t in enumerate(types):
            for tag_filter in t.get("osm_tags") or []:
                rules.append((-len(tag_filter), i, t["key"], dict(tag_filter)))
        rules.sort(key=lambda r: (r[0], r[1]))
        self.rules = [(key, f) for _, _, key, f in rules]
        #: keys worth looking at at all, to skip most OSM objects quickly
        self.keys = frozenset(k for _, f in self.rules for k in f)

    @classmethod
    def from_taxonomy(cls, path: str | None = None) -> OsmTagMatcher:
        return cls(read_taxonomy(path)["types"])

    def match(self, tags: Mapping[str, str]) -> str | None:
        """Return the facility type key for these tags, or None."""
        for key, tag_filter in self.rules:
            if all(_value_matches(v, tags.get(k)) for k, v in tag_filter.items()):
                return key
        return None
