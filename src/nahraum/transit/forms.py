"""The query parameters of the public-transport pages and GeoJSON endpoints, read by forms.

The endpoints answer a parameter they cannot use with 400 and a message naming it (in English:
scripts read them); the overview's choice of facility type is forgiving, as a page's control:
an unknown type shows the first one.
"""

from __future__ import annotations

from typing import Any

from django import forms

from nahraum.region.models import District, Region

from . import selectors


def _param() -> forms.CharField:
    """An optional query parameter, taken as sent."""
    return forms.CharField(required=False, strip=False)


class CellsQueryForm(forms.Form):
    """``?district=<id>``: only the populated cells of that district."""

    district = _param()

    def clean_district(self) -> int | None:
        raw = self.cleaned_data["district"]
        if not raw:
            return None
        if not raw.isdigit():
            raise forms.ValidationError("district: expected a numeric id")
        return int(raw)


class StopsQueryForm(forms.Form):
    """``?district=<key>``: the stops inside that district; ``?inside=1``: inside the region."""

    district = _param()
    inside = _param()

    def __init__(self, data: Any, *, region: Region | None) -> None:
        super().__init__(data)
        self.region = region

    def clean_district(self) -> District | None:
        key = self.cleaned_data["district"]
        if not key:
            return None
        district = selectors.region_district(self.region, key)
        if district is None:
            raise forms.ValidationError(f"district: unknown key {key!r}")
        return district

    def clean_inside(self) -> bool:
        return bool(self.cleaned_data["inside"])


class TimeTypeForm(forms.Form):
    """``?type=<key>``: the facility type of the travel-time table (GP practice by default)."""

    type = _param()

    def __init__(self, data: Any, *, keys: list[str]) -> None:
        super().__init__(data)
        self.keys = keys

    def clean_type(self) -> str:
        keys = self.keys
        chosen = self.cleaned_data["type"] or ("gp" if "gp" in keys else (keys[0] if keys else ""))
        return keys[0] if keys and chosen not in keys else chosen
