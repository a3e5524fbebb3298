"""Population projection for scenarios: a growth rate per area plus ageing by cohort.

Planners ask "what if Lemgo keeps shrinking and Kalletal keeps growing, and everybody gets
older?" — so a projection has two parts that must both be visible:

* **How many people** — the total of each row (cell, district) changes by a compound annual
  rate, ``total(t) = total(0) · (1 + r)^t``. The rate is net change (births − deaths + moves),
  which is what municipal statistics publish as a trend, so the total follows the trend exactly.
* **How old they are** — year by year, people move up one age band with probability
  ``1 / width`` of their band (people assumed spread evenly over the years of a band), births
  enter the youngest band at ``birth_rate`` per person per year, and the open top band (75+)
  loses ``top_band_mortality`` per year. Deaths in younger bands are ignored (small next to the
  top band) — a simplification, shown with the other assumptions.

The age structure is then scaled to the total of the first part, so the growth rate keeps the
last word on "how many" and the cohort step only decides "how old". Everything is linear per
row, vectorised over rows, and does not round: cells keep fractional people, which is what the
engine weights with; :func:`round_preserving_total` makes whole numbers for display.

No Django in here (the engine never imports it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .errors import AccessError


class ProjectionError(AccessError):
    """A projection was asked for with impossible parameters."""


#: Births per person per year. Germany 2023: about 693,000 live births for about 84.7 million
#: people (Destatis, Geburten 2023) → 8.2 per 1,000. An assumption, shown and changeable.
DEFAULT_BIRTH_RATE = 0.0082
#: Share of people aged 75+ dying per year. Germany 2023: about 1.03 million deaths (Destatis,
#: Sterbefälle 2023), roughly three quarters of them aged 75+, among about 9.8 million people
#: aged 75+ → about 8 % a year. A rough national figure, shown and changeable.
DEFAULT_TOP_BAND_MORTALITY = 0.08
#: Longest horizon we accept: beyond this a trend extrapolation says nothing useful.
MAX_YEARS = 50

_BAND = re.compile(r"^(\d+)-(\d+)$|^(\d+)\+$")


def band_widths(bands: Sequence[str]) -> np.ndarray:
    """Years each band spans: "6-9" → 4, the open band "75+" → inf.

    Bands must be contiguous and ascending (each starts where the previous ends), otherwise
    ageing would skip or double-count years.
    """
    widths: list[float] = []
    expected_start = 0
    for i, band in enumerate(bands):
        match = _BAND.match(band)
        if not match:
            raise ProjectionError(f"age band {band!r} is neither 'a-b' nor 'a+'")
        if match.group(3) is not None:
            start, width = int(match.group(3)), math.inf
            if i != len(bands) - 1:
                raise ProjectionError(f"open age band {band!r} must be the last one")
        else:
            start, end = int(match.group(1)), int(match.group(2))
            if end < start:
                raise ProjectionError(f"age band {band!r} ends before it starts")
            width = float(end - start + 1)
        if start != expected_start:
            raise ProjectionError(
                f"age band {band!r} starts at {start}, but the previous band ends at "
                f"{expected_start - 1}"
            )
        expected_start = start + (0 if math.isinf(width) else int(width))
        widths.append(width)
    if not widths:
        raise ProjectionError("no age bands given")
    return np.asarray(widths, dtype=float)


@dataclass(frozen=True)
class ProjectionAssumptions:
    """Every assumption behind a projection, so that the UI can show each one."""

    base_year: int
    target_year: int
    cohort_ageing: bool = True
    birth_rate: float = DEFAULT_BIRTH_RATE
    top_band_mortality: float = DEFAULT_TOP_BAND_MORTALITY

    @property
    def years(self) -> int:
        return self.target_year - self.base_year

    def validate(self, *, current_year: int | None = None) -> None:
        """Raise ProjectionError naming the bad parameter.

        ``current_year`` (when given) rejects targets in the past: a scenario is about the
        future, and a "projection" to a past year would silently pass for observed data.
        """
        if current_year is not None and self.target_year < current_year:
            raise ProjectionError(
                f"target year {self.target_year} lies in the past (it is {current_year} now)"
            )
        if self.target_year < self.base_year:
            raise ProjectionError(
                f"target year {self.target_year} is before the base year {self.base_year}"
            )
        if self.years > MAX_YEARS:
            raise ProjectionError(
                f"projection over {self.years} years; at most {MAX_YEARS} years are allowed"
            )
        if not 0 <= self.birth_rate < 0.1:
            raise ProjectionError(f"birth rate {self.birth_rate} outside 0 … 0.1 per year")
        if not 0 <= self.top_band_mortality < 1:
            raise ProjectionError(
                f"mortality of the top age band {self.top_band_mortality} outside 0 … 1"
            )

    def describe(self) -> list[dict]:
        """The assumptions as rows (key, value), for tables in the UI and --json output."""
        return [{"key": k, "value": v} for k, v in asdict(self).items()]


def check_growth_rates(rates: np.ndarray | float, names: Sequence[str] | None = None) -> None:
    """Reject rates at or below −100 % a year (no population can shrink by more than all)."""
    arr = np.atleast_1d(np.asarray(rates, dtype=float))
    bad = np.flatnonzero(~np.isfinite(arr) | (arr <= -1.0) | (arr > 1.0))
    if bad.size:
        i = int(bad[0])
        where = f" for {names[i]}" if names is not None and i < len(names) else ""
        raise ProjectionError(
            f"annual growth rate {arr[i] * 100:g} %{where} is impossible; it must lie between "
            f"−100 % and +100 % a year"
        )


def growth_factor(rate: np.ndarray | float, years: int) -> np.ndarray:
    """Compound factor ``(1 + rate) ** years`` (rate as a fraction per year)."""
    check_growth_rates(rate)
    return np.power(1.0 + np.asarray(rate, dtype=float), years)


def ageing_matrix(bands: Sequence[str], birth_rate: float, top_band_mortality: float) -> np.ndarray:
    """One year's cohort step as a matrix ``M`` with ``next = current @ M``.

    Row b, column c is the share of band b's people found in band c one year later; births are
    added to column 0 from every band (births per person, whatever their age — the engine has no
    sex or fertility ages, and this keeps the step linear).
    """
    widths = band_widths(bands)
    n = len(widths)
    m = np.zeros((n, n))
    for b, width in enumerate(widths):
        if math.isinf(width):
            m[b, b] = 1.0 - top_band_mortality
        else:
            moving = 1.0 / width
            m[b, b] = 1.0 - moving
            m[b, b + 1] = moving
    m[:, 0] += birth_rate
    return m


def project_age_structure(
    by_age: np.ndarray,
    bands: Sequence[str],
    growth_rate: np.ndarray | float,
    assumptions: ProjectionAssumptions,
) -> np.ndarray:
    """Project rows of people by age band ``[n_rows, n_bands]`` to the target year.

    ``growth_rate`` is one rate for all rows or one per row (fraction per year). Each row's
    total becomes ``total · (1 + rate)^years`` exactly; with ``cohort_ageing`` the shares of the
    bands follow the yearly cohort step (:func:`ageing_matrix`), otherwise they stay as they are.
    """
    assumptions.validate()
    people = np.atleast_2d(np.asarray(by_age, dtype=float))
    if people.shape[1] != len(bands):
        raise ProjectionError(
            f"population has {people.shape[1]} age columns, but {len(bands)} bands are given"
        )
    if np.any(people < 0) or not np.all(np.isfinite(people)):
        raise ProjectionError("populations must be finite and not negative")
    rates = np.broadcast_to(np.asarray(growth_rate, dtype=float), (people.shape[0],))
    check_growth_rates(rates)
    totals = people.sum(axis=1)
    target_totals = totals * np.power(1.0 + rates, assumptions.years)
    structure = people
    if assumptions.cohort_ageing and assumptions.years > 0:
        step = ageing_matrix(bands, assumptions.birth_rate, assumptions.top_band_mortality)
        structure = people @ np.linalg.matrix_power(step, assumptions.years)
    aged_totals = structure.sum(axis=1)
    scale = np.divide(
        target_totals, aged_totals, out=np.zeros_like(target_totals), where=aged_totals > 0
    )
    return structure * scale[:, None]


def round_preserving_total(values: np.ndarray) -> np.ndarray:
    """Whole numbers per row that still add up to the row's rounded total (largest remainder).

    Rounding each band on its own can make 8 bands of 0.4 people add up to 0 instead of 3;
    planners compare totals, so the totals must survive rounding.
    """
    arr = np.atleast_2d(np.asarray(values, dtype=float))
    floors = np.floor(arr)
    remainders = arr - floors
    missing = (np.rint(arr.sum(axis=1)) - floors.sum(axis=1)).astype(int)
    out = floors.astype(np.int64)
    order = np.argsort(-remainders, axis=1, kind="stable")
    for row in np.flatnonzero(missing > 0):
        out[row, order[row, : missing[row]]] += 1
    return out
