"""Shared pieces of the operation tests: real ``nahraum`` processes on data directories of their
own, with the environment a production installation has (no pytest, no test settings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import fresh_cache  # noqa: F401  (autouse)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NAHRAUM = [sys.executable, "-m", "nahraum.cli"]
CLIENT = HERE / "client.py"
DIGEST = HERE / "dbdigest.py"


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a process outside the test suite: none of the suite's NAHRAUM_*
    variables or its DATABASE_URL unless given, the shared numba cache kept."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NAHRAUM_", "PYTEST_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.setdefault("NUMBA_CACHE_DIR", str(REPO / "var" / "numba-cache"))
    env["NAHRAUM_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 600, check: bool = True):
    """Run a command; on failure the assertion shows its output."""
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} ended with {result.returncode}\n"
            f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
        )
    return result


def requests(env: dict[str, str], steps: list[dict], check: bool = True):
    """Send requests through Django's test client in a process of their own (see client.py);
    returns (responses, completed process)."""
    result = run([sys.executable, str(CLIENT), json.dumps(steps)], env, timeout=120, check=check)
    return json.loads(result.stdout.strip().splitlines()[-1]), result


def write_secret_key(data_dir: Path, key: str = "ops-test-" + "k" * 50) -> Path:
    path = data_dir / "secret-key"
    path.write_text(key + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A data directory with a migrated SQLite database and a key file; copy it before
    changing it."""
    data_dir = tmp_path_factory.mktemp("ops-migrated")
    write_secret_key(data_dir)
    run([*NAHRAUM, "migrate"], clean_env(data_dir))
    return data_dir
