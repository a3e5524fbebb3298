"""Labels, units and display scaling of the figures every app shows.

The indicator names and modes are computed by the analysis and transit apps but shown on the
region's pages too; keeping their labels and scaling here, at the bottom of the app graph,
lets every page say "share within the norm (%)" the same way without one app importing
another's views. It is the seed of a single metrics registry.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

#: Every indicator the analysis stores (the API accepts exactly these).
METRICS: tuple[str, ...] = (
    "share_within_norm",
    "median_minutes",
    "mean_minutes",
    "p90_minutes",
    "cross_border_share",
    "capacity_per_demand",
    "capacity_in_unit_per_demand",
    "share_unreachable",
    "core_village_gap_pp",
    "core_village_ratio",
    "share_within_all_norms",
)
#: Stored as fractions, shown in per cent.
PERCENT_METRICS = {
    "share_within_norm",
    "cross_border_share",
    "share_unreachable",
    "share_within_all_norms",
}
#: Capacities are shown per 1,000 people in demand: "0.0005 GPs per person" reads as nothing,
#: "0.5 GPs per 1,000 inhabitants" is how planners quote it (and stays exact to a tenth).
PER_THOUSAND_METRICS = {"capacity_per_demand", "capacity_in_unit_per_demand"}

#: Display order of the modes; a run lists the ones it computed in ``parameters["modes"]``.
MODE_ORDER: tuple[str, ...] = ("walk", "bike", "car", "transit", "straight")
MODE_COLOURS = {
    "walk": "#1b7837",
    "bike": "#2166ac",
    "car": "#762a83",
    "transit": "#b35806",
    "straight": "#4d4d4d",
}


def metric_label(metric: str) -> str:
    """The translated name of an indicator, with its unit."""
    return {
        "share_within_norm": _("share within the norm (%)"),
        "median_minutes": _("median travel time (min)"),
        "mean_minutes": _("mean travel time (min)"),
        "p90_minutes": _("90th percentile travel time (min)"),
        "cross_border_share": _("nearest facility in another municipality (%)"),
        "capacity_per_demand": _("capacity per 1,000 people in demand (within reach)"),
        "capacity_in_unit_per_demand": _("capacity in the area per 1,000 people in demand"),
        "share_unreachable": _("share who reach none (%)"),
        "core_village_gap_pp": _("gap core town − villages (percentage points)"),
        "core_village_ratio": _("ratio villages / core town"),
        "share_within_all_norms": _("share within the norms of every type of the field (%)"),
    }.get(metric, metric)


def mode_label(mode: str) -> str:
    """The translated name of a mode of travel; the straight line says it is an estimate."""
    return {
        "walk": _("on foot"),
        "bike": _("by bike"),
        "car": _("by car"),
        "transit": _("by bus and train"),
        "straight": _("straight line × detour (estimate)"),
    }.get(mode, mode)


def sorted_modes(modes: list[str]) -> list[str]:
    """Modes in display order (unknown ones last, by name)."""
    return sorted(modes, key=lambda m: (MODE_ORDER.index(m) if m in MODE_ORDER else 99, m))


def shown(metric: str, value: float | None) -> float | None:
    """The value as displayed: shares in per cent, capacities per 1,000, others as stored.

    None for a missing or non-finite value (the pages show a dash).
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if metric in PERCENT_METRICS:
        return round(value * 100, 1)
    if metric in PER_THOUSAND_METRICS:
        return round(value * 1000, 1)
    return round(value, 2)
