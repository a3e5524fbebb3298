"""Heavy commands as background jobs: `nahraum analyze --background`, `network build
--background`, `transit import --background`, `import region --background`.

Under pytest the queue is django-tasks' ImmediateBackend, so the job runs inside start_job and
the command's watch ends at once; the job row (state, result, readable error) is what a worker
would leave. Cancelling at a progress tick raises JobCancelled and leaves no row of the run.
"""

from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner

from nahraum.analysis.models import AnalysisRun, IndicatorValue
from nahraum.cli import main
from nahraum.jobs.models import Job
from nahraum.jobs.registry import JobCancelled, JobContext, ProgressReporter
from tests.analysis.test_analysis_network import osm_text


def test_analyze_in_the_background(tiny_region):
    result = CliRunner().invoke(
        main, ["analyze", "--modes", "walk", "--types", "gp", "--background", "--json"]
    )
    assert result.exit_code == 0, result.output
    job = Job.objects.get(kind="analysis.run")
    run = AnalysisRun.objects.get()
    assert job.state == "done" and job.result["run"] == run.pk
    assert job.result["url"] == "/de/analysis/"
    assert f"Auftrag / job {job.pk}" in result.output  # watch_job names it
    data = json.loads(result.output[result.output.index("{") :])
    assert data["run"] == run.pk and data["values"] == IndicatorValue.objects.count() > 0


def test_analyze_in_the_background_fails_readably(tiny_region):
    result = CliRunner().invoke(main, ["analyze", "--modes", "boat", "--background"])
    assert result.exit_code == 1
    assert "unknown mode 'boat'" in result.output
    job = Job.objects.get(kind="analysis.run")
    assert job.state == "failed" and "unknown mode 'boat'" in job.error
    result = CliRunner().invoke(main, ["analyze", "--region", "atlantis", "--background"])
    assert result.exit_code == 1 and "There is no region 'atlantis'." in result.output
    assert not AnalysisRun.objects.exists()


@pytest.mark.parametrize("step", ["route", "store"])
def test_cancelled_analysis_leaves_no_run(tiny_region, step):
    from nahraum.analysis.jobs import run

    seen: list[str] = []

    def write(done: float, total: float, message: str) -> bool:
        seen.append(message)
        return message == step

    ctx = JobContext(
        job_id=uuid.uuid4(),
        params={"modes": ["walk"], "types": ["gp"]},
        user_id=None,
        reporter=ProgressReporter(write, interval=0),
    )
    with pytest.raises(JobCancelled):
        run(ctx)
    assert step in seen
    assert not AnalysisRun.objects.exists() and not IndicatorValue.objects.exists()


def test_network_build_in_the_background(tiny_region, settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    osm = tmp_path / "street.osm"
    osm.write_text(osm_text(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # a relative path is made absolute for the worker
    result = CliRunner().invoke(
        main, ["network", "build", "--pbf", "street.osm", "--modes", "walk", "--background"]
    )
    assert result.exit_code == 0, result.output
    job = Job.objects.get(kind="analysis.network_build")
    assert job.params["pbf"] == str(osm) and job.state == "done"
    assert job.result["networks"]["walk"]["edges"] > 0
    assert "Knoten/nodes" in result.output
    result = CliRunner().invoke(
        main, ["network", "build", "--pbf", str(tmp_path / "none.osm"), "--background"]
    )
    assert result.exit_code == 1 and "none.osm: no such file" in result.output


def test_transit_import_in_the_background(tiny_region, tmp_path):
    from nahraum.transit.models import Feed
    from tests.transit.conftest import make_zip, tiny_feed_files

    good = tmp_path / "feed.zip"
    good.write_bytes(make_zip(tiny_feed_files()))
    result = CliRunner().invoke(
        main, ["transit", "import", str(good), "--licence", "CC0-1.0", "--background"]
    )
    assert result.exit_code == 0, result.output
    job = Job.objects.get(kind="transit.import_gtfs")
    assert job.state == "done" and job.result["feed"] == Feed.objects.get().pk
    assert job.params["licence"] == "CC0-1.0" and job.result["url"] == "/de/transit/"
    assert "4 stops, 1 stations, 2 lines" in result.output
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    result = CliRunner().invoke(main, ["transit", "import", str(bad), "--background"])
    assert result.exit_code == 1
    assert Job.objects.filter(kind="transit.import_gtfs", state="failed").count() == 1
    assert Feed.objects.count() == 1


def test_region_import_in_the_background_fails_readably(db, tmp_path):
    from nahraum.region.models import Region

    manifest = tmp_path / "region.json"
    manifest.write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "region", str(manifest), "--background"])
    assert result.exit_code == 1
    assert "key 'slug' missing" in result.output
    job = Job.objects.get(kind="data.import_region")
    assert job.state == "failed" and job.params["manifest"] == str(manifest)
    assert not Region.objects.exists()


def test_region_import_job_reports_a_bad_setting_as_its_reason(db, monkeypatch):
    """A refusal from a setting (here NAHRAUM_IMPORT_BOUNDS) ends the job with the message the
    command line prints, not with a crash reason (issue 12)."""
    from nahraum.data.bundled import REGION_MANIFEST
    from nahraum.region.models import Region

    monkeypatch.setenv("NAHRAUM_IMPORT_BOUNDS", "kaputt")
    result = CliRunner().invoke(main, ["import", "region", str(REGION_MANIFEST), "--background"])
    assert result.exit_code == 1
    job = Job.objects.get(kind="data.import_region")
    assert job.state == "failed" and "NAHRAUM_IMPORT_BOUNDS" in job.error
    assert "Traceback" not in job.error and not Region.objects.exists()


def test_region_import_in_the_background(db):
    from nahraum.data.bundled import REGION_MANIFEST
    from nahraum.region.models import Region

    result = CliRunner().invoke(main, ["import", "region", str(REGION_MANIFEST), "--background"])
    assert result.exit_code == 0, result.output
    job = Job.objects.get(kind="data.import_region")
    assert job.state == "done" and Region.objects.count() == 1
    assert job.result["summary"] in result.output


def test_the_project_office_reruns_the_analysis_from_its_page(client, tiny_region):
    from tests.factories import UserFactory

    assert 'id="rerun-button"' not in client.get("/de/analysis/").content.decode()
    client.force_login(UserFactory(username="buerger"))
    assert 'id="rerun-button"' not in client.get("/de/analysis/").content.decode()
    assert client.post("/de/analysis/rerun/").status_code == 403
    office = UserFactory(username="olga", office=True)
    client.force_login(office)
    empty = client.get("/de/analysis/").content.decode()
    assert 'id="rerun-button"' in empty and "Analyse neu rechnen" in empty
    r = client.post("/de/analysis/rerun/")
    job = Job.objects.get(kind="analysis.run")
    assert r["Location"] == f"/de/jobs/{job.pk}/" and job.state == "done"
    assert job.created_by == office and job.params["modes"] == ["walk", "bike", "car"]
    run = AnalysisRun.objects.get()
    assert job.result["run"] == run.pk and job.result["url"] == "/de/analysis/"
    page = client.get("/de/analysis/").content.decode()
    assert 'id="rerun-button"' in page
    assert "empty-state" not in page and 'id="run-heading"' in page  # the new run is shown
