"""The foundation: settings, models and the summary agree with each other."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from nahraum.region.models import AGE_BANDS, validate_age_structure
from nahraum.region.summary import region_summary


def test_age_structure_must_sum_to_population():
    validate_age_structure({"0-5": 3, "75+": 2}, 5)
    with pytest.raises(ValidationError, match="sum to 4, but the population is 5"):
        validate_age_structure({"0-5": 2, "75+": 2}, 5)


def test_age_structure_rejects_unknown_band():
    with pytest.raises(ValidationError, match="unknown age band"):
        validate_age_structure({"0-4": 5}, 5)
    assert "75+" in AGE_BANDS


def test_summary_lists_municipalities_districts_and_counts(tiny_region):
    data = region_summary()
    assert data["region"] == "Testregion"
    names = [m["name"] for m in data["municipalities"]]
    assert names == ["Ahausen", "Bedorf"]
    ahausen = data["municipalities"][0]
    # the core town first, then the villages
    assert [(d["name"], d["kind"]) for d in ahausen["districts"]] == [
        ("Ahausen-Mitte", "core"),
        ("Adorf", "village"),
    ]
    assert sum(d["population"] for d in ahausen["districts"]) == 300
    assert ahausen["facilities"] == {"gp": 1, "pharmacy": 1}
