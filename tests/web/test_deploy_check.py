"""``nahraum manage check --deploy`` under the documented production environment is clean, and a
missing secret key is a clear start-up error.

Each check runs in a subprocess, as an operator would start it: not under pytest (whose settings
bring a test key), with only the environment docs/operating.md prescribes and a fresh data
directory (so no key file from an earlier demo).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

NAHRAUM = Path(sys.executable).with_name("nahraum")
HOST = "nahraum.example.org"


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any NAHRAUM_*/DATABASE_URL/DJANGO_* setting, plus extra."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NAHRAUM_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update({"NAHRAUM_DATA_DIR": str(data_dir), **extra})
    return env


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NAHRAUM), "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    key = secrets.token_urlsafe(50)[:50]
    env = _environment(
        tmp_path, NAHRAUM_SECRET_KEY=key, NAHRAUM_HTTPS="1", NAHRAUM_ALLOWED_HOSTS=HOST
    )
    result = _check(env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "security.W" not in output
    assert key not in output


def test_the_check_finds_what_is_missing_without_https(tmp_path):
    """The same environment without NAHRAUM_HTTPS: cookies not Secure, no HSTS, no redirect."""
    env = _environment(
        tmp_path, NAHRAUM_SECRET_KEY=secrets.token_urlsafe(50)[:50], NAHRAUM_ALLOWED_HOSTS=HOST
    )
    result = _check(env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output


def test_missing_secret_key_is_a_clear_error(tmp_path):
    env = _environment(tmp_path, NAHRAUM_HTTPS="1", NAHRAUM_ALLOWED_HOSTS=HOST)
    result = _check(env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "NAHRAUM_SECRET_KEY" in output
    assert "Traceback" not in output  # one readable line, not a stack
    assert not (tmp_path / "secret-key").exists()  # nothing generated behind the operator's back
    assert "System check identified" not in output
