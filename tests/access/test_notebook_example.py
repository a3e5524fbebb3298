"""examples/notebook_walkthrough.py runs on the bundled data and gives id-indexed tables."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "notebook_walkthrough.py"


def test_notebook_walkthrough_runs(capsys):
    ns = runpy.run_path(str(EXAMPLE), run_name="__main__")
    assert ns["crs"] == "EPSG:25832"  # chosen from where Lemgo lies
    minutes, districts, gps = ns["minutes"], ns["districts"], ns["gps"]
    assert list(minutes.index) == list(districts.index)  # the caller's ids, in order
    assert list(minutes.columns) == list(gps.index)
    assert minutes.isna().any().any() and not np.isinf(minutes.to_numpy()).any()
    assert minutes.loc["ot:05766044:kernstadt-lemgo"].min() < 30
    nearest = ns["nearest"]
    lemgo = nearest.loc["ot:05766044:kernstadt-lemgo"]
    assert lemgo["destination"] in gps.index and lemgo["practice"].startswith("Hausarztpraxis")
    assert ns["supermarkets"].index.equals(districts.index)
    areas = ns["areas"]
    assert str(areas.crs) == "EPSG:25832"
    small, large = areas.geometry.to_numpy()
    assert 0 < small.area < large.area and small.difference(large).area < 1e-6 * small.area
    assert "CRS: EPSG:25832" in capsys.readouterr().out
