"""Upgrading is ``pip install`` + ``nahraum migrate``: tested from the previous release's schema
with data in it.

The previous release, 0.1.0, is commit fbf3ebf. Its source is taken from the git history
(``git archive``), run with the same virtual environment to build a full demo installation
(region, timetable, analyses, scenarios, participation, strategy), on the database the suite
runs on (SQLite, or PostgreSQL in scripts/test.sh's second pass). Then the current code's
``nahraum migrate`` runs on it: no error, every 0.1.0 table keeps its row count, ``nahraum
summary --json`` says the same, and the overview page renders.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from .conftest import CLIENT, DIGEST, NAHRAUM, REPO, clean_env, run
from .test_backup import Databases

PREVIOUS = "fbf3ebf"  # 0.1.0
#: Tables Django fills itself on migrate; they grow with the new release's models.
BOOKKEEPING = {"django_migrations", "django_content_type", "auth_permission"}

pytestmark = pytest.mark.slow


@pytest.fixture
def databases():
    dbs = Databases()
    yield dbs
    dbs.drop_all()


def test_upgrade_from_the_previous_release(tmp_path, databases):
    found = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{PREVIOUS}^{{commit}}"], capture_output=True
    )
    if found.returncode != 0:
        pytest.fail(
            f"the previous release (commit {PREVIOUS}) is not in this clone's git history: "
            "the upgrade test needs it (git fetch --unshallow)"
        )
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", PREVIOUS, "src"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    data = tmp_path / "data"
    data.mkdir()
    url = databases.url("upgrade")
    db = {"DATABASE_URL": url} if url else {}
    # 0.1.0 had a built-in secret key; the current code wants one (docs/operating.md).
    old_env = clean_env(data, PYTHONPATH=str(old / "src"), **db)
    new_env = clean_env(data, NAHRAUM_SECRET_KEY="upgrade-test-" + "u" * 40, **db)
    timings = {}

    started = time.monotonic()
    run([*NAHRAUM, "demo", "--no-serve"], old_env, timeout=900)
    version = run([*NAHRAUM, "--version"], old_env).stdout
    assert (
        "0.1.0"
        in run([sys.executable, "-c", "import nahraum; print(nahraum.__version__)"], old_env).stdout
    ), version
    summary_before = json.loads(run([*NAHRAUM, "summary", "--json"], old_env).stdout)
    tables_before = json.loads(run([sys.executable, str(DIGEST)], old_env).stdout)
    timings["0.1.0 demo"] = time.monotonic() - started
    assert tables_before["region_populationcell"]["rows"] > 3000
    assert tables_before["analysis_analysisrun"]["rows"] > 0

    started = time.monotonic()
    run([*NAHRAUM, "migrate"], new_env)
    timings["migrate"] = time.monotonic() - started

    tables_after = json.loads(run([sys.executable, str(DIGEST)], new_env).stdout)
    lost = sorted(set(tables_before) - set(tables_after))
    assert not lost, f"tables of 0.1.0 gone: {lost}"
    counts = {t: (tables_before[t]["rows"], tables_after[t]["rows"]) for t in tables_before}
    changed = {t: c for t, c in counts.items() if c[0] != c[1] and t not in BOOKKEEPING}
    assert not changed, f"row counts changed by the upgrade: {changed}"
    # Django's own bookkeeping only grows: the new migrations, models and their permissions.
    assert all(counts[t][1] >= counts[t][0] for t in BOOKKEEPING), counts
    assert counts["django_migrations"][1] > counts["django_migrations"][0]
    assert json.loads(run([*NAHRAUM, "summary", "--json"], new_env).stdout) == summary_before

    # What `nahraum serve` does before it serves: the static files of the new version.
    run([*NAHRAUM, "manage", "collectstatic", "--no-input", "-v", "0"], new_env)
    steps = [{"path": "/de/"}, {"path": "/de/strategy/"}]
    pages = json.loads(run([sys.executable, str(CLIENT), json.dumps(steps)], new_env).stdout)
    assert [p["status"] for p in pages] == [200, 200], [p["body"][:500] for p in pages]
    assert "Lemgo" in pages[0]["body"]
    print("upgrade timings (s):", {k: round(v, 1) for k, v in timings.items()})
