"""`nahraum analyze` and the demo's first analysis, on the tiny region."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nahraum.analysis.commands import analyze, demo_hook
from nahraum.analysis.models import AnalysisRun, IndicatorValue


def test_analyze_json(tiny_region):
    result = CliRunner().invoke(analyze, ["--modes", "walk", "--types", "gp,kita", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    run = AnalysisRun.objects.get()
    assert data["run"] == run.pk and data["is_estimate"] is True
    assert data["parameters"]["facility_types"] == ["gp", "kita"]
    assert data["values"] == IndicatorValue.objects.filter(run=run).count() > 0


def test_analyze_with_progress_and_bad_input(tiny_region):
    result = CliRunner().invoke(analyze, ["--modes", "walk"])
    assert result.exit_code == 0, result.output
    assert "gespeichert / stored" in result.output and "no street network for walk" in result.output
    result = CliRunner().invoke(analyze, ["--modes", "boat"])
    assert result.exit_code == 1
    assert "unknown mode 'boat'" in result.output
    result = CliRunner().invoke(analyze, ["--types", "spa"])
    assert result.exit_code == 1 and "unknown facility type(s) 'spa'" in result.output
    assert AnalysisRun.objects.count() == 1


def test_demo_hook_analyses_once(tiny_region):
    said = []
    demo_hook(echo=said.append)
    demo_hook(echo=said.append)
    assert AnalysisRun.objects.count() == 1
    assert len(said) == 1 and "Versorgungsanalyse" in said[0]
