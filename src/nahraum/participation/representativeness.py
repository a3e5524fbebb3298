"""Do the people who took part look like the people who live here?

The comparison itself (:func:`compare`, :func:`gaps`) is plain Python over counts, so it can be
checked by hand on a small population; :func:`participation_tables` gathers the counts from the
database. Participants count only with their consent and only with what they stated (age band,
Ortsteil); people who stated nothing are reported as a number, never guessed.

A gap is named when a part of the population is markedly under-represented: it makes up at
least ``min_population_share`` of the population, its share among participants is below
``max_ratio`` times its share of the population (default: less than half), and enough people
took part that its absence means something (``min_expected``). These thresholds are choices of
the office, not norms; they are parameters so that the office can change them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from nahraum.region.models import AGE_BANDS


@dataclass(frozen=True)
class Share:
    """One part of the population (a key such as an age band) and its share among participants."""

    key: Hashable
    population: int
    participants: int
    population_share: float
    participant_share: float

    @property
    def ratio(self) -> float | None:
        """Participants' share divided by the population's share (1 = represented as it lives)."""
        if self.population_share == 0:
            return None
        return self.participant_share / self.population_share

    @property
    def difference(self) -> float:
        return self.participant_share - self.population_share


def compare(
    population: Mapping[Hashable, int],
    participants: Mapping[Hashable, int],
    order: Iterable[Hashable] | None = None,
) -> list[Share]:
    """Shares of each key among the population and among participants.

    Keys present in only one of the two count as zero in the other. ``order`` fixes the order of
    the result (e.g. the age bands youngest first); other keys follow, sorted.
    """
    pop_total = sum(population.values())
    part_total = sum(participants.values())
    keys = list(order or [])
    rest = (set(population) | set(participants)) - set(keys)
    keys += sorted(rest, key=str)
    rows = []
    for key in keys:
        pop = int(population.get(key, 0))
        part = int(participants.get(key, 0))
        rows.append(
            Share(
                key=key,
                population=pop,
                participants=part,
                population_share=pop / pop_total if pop_total else 0.0,
                participant_share=part / part_total if part_total else 0.0,
            )
        )
    return rows


def gaps(
    shares: Iterable[Share],
    *,
    min_population_share: float = 0.02,
    max_ratio: float = 0.5,
    min_expected: float = 5.0,
) -> list[Share]:
    """The markedly under-represented parts, largest shortfall first.

    ``min_expected``: a part is only judged when, had it taken part like everyone else, at least
    this many participants would be expected from it (participants × population share). With 30
    participants, a part of 2 % would be expected to send 0.6 people; that none came says
    nothing. Five is the usual rule of thumb for expected counts in a comparison of shares.
    """
    shares = list(shares)
    total = sum(s.participants for s in shares)
    found = [
        s
        for s in shares
        if s.population_share >= min_population_share
        and total * s.population_share >= min_expected
        and s.participant_share < max_ratio * s.population_share
    ]
    return sorted(found, key=lambda s: (s.difference, str(s.key)))


def participant_counts(people: Iterable[Mapping]) -> dict[str, Counter]:
    """Count participants by age band, Ortsteil, area (municipality, kind) and area × age band.

    ``people``: one mapping per distinct participant with ``age_band``, ``district_id``,
    ``municipality_id`` and ``kind`` (the last three None when no Ortsteil was stated).
    """
    by_age: Counter = Counter()
    by_district: Counter = Counter()
    by_area: Counter = Counter()
    by_area_age: Counter = Counter()
    unknown = 0
    for person in people:
        band = person.get("age_band") or None
        district = person.get("district_id")
        if band not in AGE_BANDS:
            band = None
        if band is None and district is None:
            unknown += 1
            continue
        if band:
            by_age[band] += 1
        if district is not None:
            by_district[district] += 1
            by_area[(person["municipality_id"], person["kind"])] += 1
        if band and district is not None:
            by_area_age[(person["municipality_id"], person["kind"], band)] += 1
    return {
        "age": by_age,
        "district": by_district,
        "area": by_area,
        "area_age": by_area_age,
        "unknown": Counter({"unknown": unknown}),
    }


def population_counts(districts: Iterable) -> dict[str, Counter]:
    """Population by age band, Ortsteil, area (municipality, kind) and area × age band.

    ``districts``: objects with ``pk``, ``municipality_id``, ``kind``, ``population`` and
    ``population_by_age`` (the region data). Districts without an age structure count in the
    Ortsteil table only.
    """
    by_age: Counter = Counter()
    by_district: Counter = Counter()
    by_area: Counter = Counter()
    by_area_age: Counter = Counter()
    for d in districts:
        by_district[d.pk] += d.population
        by_area[(d.municipality_id, d.kind)] += d.population
        for band, count in (d.population_by_age or {}).items():
            by_age[band] += count
            by_area_age[(d.municipality_id, d.kind, band)] += count
    return {"age": by_age, "district": by_district, "area": by_area, "area_age": by_area_age}
