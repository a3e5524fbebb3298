"""The command line: `nahraum strategy load|export|progress`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nahraum.strategy.commands import strategy_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundled_names(tiny_region):
    from nahraum.region.models import Municipality

    Municipality.objects.filter(name="Ahausen").update(name="Lemgo")
    Municipality.objects.filter(name="Bedorf").update(name="Kalletal")


def test_load_export_and_progress(bundled_names):
    runner = CliRunner()
    result = runner.invoke(strategy_group, ["load", "--region", "test"])
    assert result.exit_code == 0, result.output
    assert "6 goals, 8 measures, 9 projects" in result.output
    result = runner.invoke(strategy_group, ["export", "--format", "json"])
    data = json.loads(result.output)
    assert data["vision"]["motto"] == "Die gemeinsame Smart-City-Strategie schafft neue Räume"
    assert len(data["fields"]) == 6
    result = runner.invoke(strategy_group, ["progress"])
    # Gesundheit: pilot practices 75 % (w 2) and the health network 0 % (w 1) → goal 50 %
    assert "Gesundheit" in result.output and "50.0 %" in result.output


def test_load_of_a_broken_file_fails_with_the_place(bundled_names, tmp_path):
    bad = tmp_path / "s.json"
    bad.write_text(
        '{"region": "test", "goals": [{"key": "g", "field": "nowhere", "title": "x"}]}',
        encoding="utf-8",
    )
    result = CliRunner().invoke(strategy_group, ["load", str(bad)])
    assert result.exit_code == 1
    assert "goals[0] (g): unknown innovation field 'nowhere'" in result.output
