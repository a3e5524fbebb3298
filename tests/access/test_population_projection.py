"""Projections checked against populations computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nahraum.access.population_projection import (
    ProjectionAssumptions,
    ProjectionError,
    band_widths,
    growth_factor,
    project_age_structure,
    round_preserving_total,
)

AGE_BANDS = ("0-5", "6-9", "10-17", "18-29", "30-49", "50-64", "65-74", "75+")
TWO_BANDS = ("0-1", "2+")


def flat(base: int, target: int, **kw) -> ProjectionAssumptions:
    return ProjectionAssumptions(
        base_year=base,
        target_year=target,
        birth_rate=kw.pop("birth_rate", 0.0),
        top_band_mortality=kw.pop("top_band_mortality", 0.0),
        **kw,
    )


def test_growth_only_keeps_the_age_structure():
    # 100 people shrinking by 10 % a year for two years: 100 · 0.9 · 0.9 = 81.
    people = np.array([[60.0, 40.0]])
    out = project_age_structure(people, TWO_BANDS, -0.1, flat(2024, 2026, cohort_ageing=False))
    np.testing.assert_allclose(out, [[48.6, 32.4]])


def test_one_year_of_ageing_moves_half_of_a_two_year_band():
    out = project_age_structure(np.array([[100.0, 0.0]]), TWO_BANDS, 0.0, flat(2024, 2025))
    np.testing.assert_allclose(out, [[50.0, 50.0]])
    out = project_age_structure(np.array([[100.0, 0.0]]), TWO_BANDS, 0.0, flat(2024, 2026))
    np.testing.assert_allclose(out, [[25.0, 75.0]])


def test_mortality_changes_shares_but_the_growth_rate_sets_the_total():
    # year 1: [50, 50]; year 2: [25, 25 + 50·0.5] = [25, 50], total 75 → scaled to 100.
    a = flat(2024, 2026, top_band_mortality=0.5)
    out = project_age_structure(np.array([[100.0, 0.0]]), TWO_BANDS, 0.0, a)
    np.testing.assert_allclose(out, [[100 / 3, 200 / 3]])


def test_births_enter_the_youngest_band():
    # [100, 0] → ageing [50, 50] + births 0.05 · 100 = 5 → [55, 50]; +5 % → total 105.
    a = flat(2024, 2025, birth_rate=0.05)
    out = project_age_structure(np.array([[100.0, 0.0]]), TWO_BANDS, 0.05, a)
    np.testing.assert_allclose(out, [[55.0, 50.0]])
    # with no growth the same shares are scaled back to 100: 55/105 and 50/105
    out = project_age_structure(np.array([[100.0, 0.0]]), TWO_BANDS, 0.0, a)
    np.testing.assert_allclose(out, [[5500 / 105, 5000 / 105]])


def test_real_bands_one_year_six_of_sixty_children_turn_six():
    people = np.zeros((2, len(AGE_BANDS)))
    people[0, 0] = 60  # 60 children aged 0-5: one sixth (10) turn six
    people[1, 6] = 100  # 100 aged 65-74: one tenth (10) turn 75
    out = project_age_structure(people, AGE_BANDS, [0.0, 0.0], flat(2024, 2025))
    np.testing.assert_allclose(out[0, :2], [50.0, 10.0])
    np.testing.assert_allclose(out[1, 6:], [90.0, 10.0])
    np.testing.assert_allclose(out.sum(axis=1), [60.0, 100.0])


def test_per_row_rates_compound():
    people = np.array([[100.0, 0.0], [0.0, 200.0]])
    out = project_age_structure(people, TWO_BANDS, [-0.01, 0.02], flat(2025, 2035))
    np.testing.assert_allclose(out.sum(axis=1), [100 * 0.99**10, 200 * 1.02**10])
    np.testing.assert_allclose(growth_factor(0.02, 10), 1.02**10)


def test_growth_rate_of_minus_150_percent_is_refused():
    with pytest.raises(ProjectionError, match="-150 %.*impossible"):
        project_age_structure(np.array([[1.0, 1.0]]), TWO_BANDS, -1.5, flat(2024, 2030))


def test_target_year_in_the_past_is_refused():
    with pytest.raises(ProjectionError, match="target year 2020 lies in the past"):
        flat(2024, 2020).validate(current_year=2026)
    with pytest.raises(ProjectionError, match="before the base year"):
        project_age_structure(np.array([[1.0, 1.0]]), TWO_BANDS, 0.0, flat(2024, 2020))


def test_bands_must_be_contiguous():
    assert list(band_widths(AGE_BANDS)) == [6, 4, 8, 12, 20, 15, 10, np.inf]
    with pytest.raises(ProjectionError, match="starts at 7"):
        band_widths(("0-5", "7+"))
    with pytest.raises(ProjectionError, match="must be the last"):
        band_widths(("0+", "1-2"))


def test_rounding_keeps_totals():
    out = round_preserving_total(np.array([[0.4] * 8, [1.5, 1.5, 0.0, 0, 0, 0, 0, 0]]))
    assert out.sum(axis=1).tolist() == [3, 3]
    assert out[0].max() == 1
