"""The query parameters of the supply pages and JSON endpoints, validated by Django forms.

Every page and endpoint answers a parameter it cannot use with 400 and a message that names the
parameter and what is allowed, so that a typo in a shared link is found at once. The messages
are the ones the pages always gave; :func:`first_error` picks the one to show.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from nahraum.region.metrics import METRICS, metric_label, mode_label
from nahraum.region.models import (
    AGE_BANDS,
    District,
    FacilityType,
    InnovationField,
    Municipality,
    Region,
)

from .models import AnalysisRun, IndicatorValue
from .services import latest_run

#: The metrics a page can shade its map and chart by.
PAGE_METRICS = (
    "share_within_norm",
    "median_minutes",
    "mean_minutes",
    "p90_minutes",
    "cross_border_share",
    "capacity_per_demand",
)
LEVELS = tuple(IndicatorValue.Level.values)
AREA_KINDS = ("", "core", "village")


def _param() -> forms.CharField:
    """An optional query parameter, taken as sent (not stripped: "walk " is not a mode)."""
    return forms.CharField(required=False, strip=False)


def first_error(form: forms.Form) -> str:
    """The message to show: errors about the request as a whole first, then by field order."""
    errors = form.errors
    for name in [forms.forms.NON_FIELD_ERRORS, *form.fields]:
        if name in errors:
            return str(errors[name][0])
    return ""


class RunMixin:
    """A ``run`` parameter: a finished run of the region by number, else the latest one."""

    region: Region | None

    def clean_run(self) -> AnalysisRun | None:
        raw = self.cleaned_data.get("run") or ""
        if self.region is None:
            return None
        if not raw:
            return latest_run(self.region)
        if not raw.isdigit():
            raise forms.ValidationError(_("run must be a run number, got %(v)r") % {"v": raw})
        run = AnalysisRun.objects.filter(pk=int(raw), region=self.region, status="done").first()
        if run is None:
            raise forms.ValidationError(_("no finished analysis run #%(v)s") % {"v": raw})
        return run


def _default(options: list[str], preferred: str) -> str:
    return preferred if preferred in options else (options[0] if options else "")


class SelectionForm(RunMixin, forms.Form):
    """Run, mode, facility type, metric and age band chosen on a supply page.

    The choices depend on the run (the modes and types it computed), so they are checked in
    :meth:`clean` once the run is known. A page for one facility type passes ``type_key``; if the
    run has no figures for it, the selection is left unchecked and the view answers 404.
    """

    run = _param()
    mode = _param()
    type = _param()
    metric = _param()
    age_band = _param()

    def __init__(self, data: Any, *, region: Region | None, type_key: str | None = None) -> None:
        super().__init__(data)
        self.region = region
        self.type_key = type_key

    def _choice(self, name: str, allowed: list[str], default: str) -> str:
        value = self.cleaned_data.get(name) or ""
        if value == "":
            return default
        if value not in allowed:
            self.add_error(
                name,
                _("unknown %(name)s %(value)r; allowed: %(allowed)s")
                % {"name": name, "value": value, "allowed": ", ".join(a or "''" for a in allowed)},
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        run = data.get("run")
        if run is None or (self.type_key is not None and not self.has_type):
            return data
        modes = list(run.parameters.get("modes", []))
        types = list(run.parameters.get("facility_types", []))
        data["mode"] = self._choice("mode", modes, _default(modes, "walk"))
        if self.type_key is None:
            data["type"] = self._choice("type", types, _default(types, "gp"))
        else:
            data["type"] = self.type_key
        data["metric"] = self._choice("metric", list(PAGE_METRICS), "share_within_norm")
        data["age_band"] = self._choice("age_band", ["", *AGE_BANDS], "")
        return data

    @property
    def has_type(self) -> bool:
        """Whether the run computed the page's facility type (always, on pages for all types)."""
        run = self.cleaned_data.get("run")
        return self.type_key is None or (
            run is not None and self.type_key in run.parameters.get("facility_types", [])
        )

    def selection(self) -> dict[str, Any]:
        """The chosen values with what the page's controls list (labels, options)."""
        data = self.cleaned_data
        run = data["run"]
        modes = list(run.parameters.get("modes", []))
        return {
            "mode": data["mode"],
            "type": data["type"],
            "metric": data["metric"],
            "age_band": data["age_band"],
            "mode_label": mode_label(data["mode"]),
            "modes": [{"key": m, "label": mode_label(m)} for m in modes],
            "types": list(
                FacilityType.objects.filter(key__in=run.parameters.get("facility_types", []))
            ),
            "metrics": [{"key": m, "label": metric_label(m)} for m in PAGE_METRICS],
            "bands": [{"key": "", "label": _("all ages")}]
            + [{"key": b, "label": b} for b in AGE_BANDS],
        }


class IndicatorQueryForm(RunMixin, forms.Form):
    """The filters of the indicator API; every value is checked against what exists.

    The messages are in English except the run's (shared with the pages): the API is read by
    scripts, whose authors search for the message.
    """

    run = _param()
    metric = _param()
    mode = _param()
    type = _param()
    field = _param()
    district = _param()
    municipality = _param()
    level = _param()
    area_kind = _param()
    age_band = _param()

    def __init__(self, data: Any, *, region: Region | None) -> None:
        super().__init__(data)
        self.region = region

    def filters(self) -> dict[str, str]:
        """The parameters given (also those given empty), by name."""
        return {k: self.cleaned_data[k] for k in self.fields if k != "run" and k in self.data}

    def _check(self, name: str, ok: bool, message: str) -> None:
        if name in self.data and not ok:
            self.add_error(name, message)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        unknown = sorted(set(self.data) - set(self.fields))
        if unknown:
            raise forms.ValidationError(
                f"unknown parameter(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(self.fields))}"
            )
        run = data.get("run")
        if run is None:  # a bad run is reported as such; no run at all is the view's 404
            return data
        g = {k: data.get(k, "") for k in self.fields}
        self._check(
            "metric",
            g["metric"] in METRICS,
            f"unknown metric {g['metric']!r}; allowed: {', '.join(METRICS)}",
        )
        modes = run.parameters.get("modes", [])
        types = run.parameters.get("facility_types", [])
        self._check(
            "mode",
            g["mode"] in modes,
            f"unknown mode {g['mode']!r}; this run has: {', '.join(modes)}",
        )
        self._check(
            "type",
            g["type"] in types,
            f"unknown facility type {g['type']!r}; this run has: {', '.join(types)}",
        )
        self._check(
            "field",
            "field" not in self.data or InnovationField.objects.filter(key=g["field"]).exists(),
            f"unknown innovation field {g['field']!r}",
        )
        self._check(
            "district",
            "district" not in self.data
            or District.objects.filter(
                key=g["district"], municipality__region=self.region
            ).exists(),
            f"unknown district {g['district']!r}",
        )
        self._check(
            "municipality",
            "municipality" not in self.data
            or Municipality.objects.filter(ags=g["municipality"], region=self.region).exists(),
            f"unknown municipality (AGS) {g['municipality']!r}",
        )
        self._check(
            "level",
            g["level"] in LEVELS,
            f"unknown level {g['level']!r}; allowed: {', '.join(LEVELS)}",
        )
        self._check(
            "area_kind",
            g["area_kind"] in AREA_KINDS,
            f"unknown area_kind {g['area_kind']!r}; allowed: core, village, ''",
        )
        self._check(
            "age_band",
            g["age_band"] in ("", *AGE_BANDS),
            f"unknown age_band {g['age_band']!r}; allowed: '', {', '.join(AGE_BANDS)}",
        )
        return data


class IsochroneForm(forms.Form):
    """A clicked point, a mode of travel and up to six time limits in minutes."""

    MODES = ("walk", "bike", "car")

    lat = _param()
    lon = _param()
    mode = _param()
    minutes = _param()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            lat, lon = float(data.get("lat") or ""), float(data.get("lon") or "")
        except ValueError:
            raise forms.ValidationError("lat and lon must be numbers (WGS84 degrees)") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise forms.ValidationError("lat must lie in [-90, 90] and lon in [-180, 180]")
        mode = self.data.get("mode", "walk")
        if mode not in self.MODES:
            raise forms.ValidationError(f"unknown mode {mode!r}; allowed: walk, bike, car")
        try:
            minutes = [
                float(m) for m in self.data.get("minutes", "5,10,15").split(",") if m.strip()
            ]
        except ValueError:
            raise forms.ValidationError(
                "minutes must be comma-separated numbers, e.g. 5,10,15"
            ) from None
        if not minutes or len(minutes) > 6 or any(not (0 < m <= 120) for m in minutes):
            raise forms.ValidationError("minutes: 1 to 6 values, each above 0 and at most 120")
        return {"lat": lat, "lon": lon, "mode": mode, "minutes": sorted(minutes)}
