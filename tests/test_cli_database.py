"""Issue 12, item 13: commands that need a database say what to do when it is missing.

Run as a real process (the ``nahraum`` entry point) on a fresh data directory, as an operator
would on a new machine before ``nahraum migrate``.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def _nahraum(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "NAHRAUM_SECRET_KEY": "test-only-key",
        "NAHRAUM_DATA_DIR": str(tmp_path / "data"),
    }
    environment.pop("DATABASE_URL", None)
    environment.update(env)
    return subprocess.run(
        [shutil.which("nahraum") or "nahraum", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


@pytest.mark.parametrize("command", [["summary"], ["jobs", "list"]])
def test_commands_on_a_fresh_data_directory_say_run_migrate(tmp_path, command):
    done = _nahraum(tmp_path, *command)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "OperationalError" not in done.stderr
    assert "nahraum migrate" in done.stderr and "Migrationen fehlen" in done.stderr


def test_unreachable_database_is_one_line(tmp_path):
    done = _nahraum(tmp_path, "summary", DATABASE_URL="postgres://nobody@127.0.0.1:9/nahraum")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "nicht erreichbar / the database cannot be reached" in done.stderr
