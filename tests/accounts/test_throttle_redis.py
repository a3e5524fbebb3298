"""The login throttle and the rate limits hold across processes on a real Redis (issue 11, item 3).

Each web worker is its own process; a throttle kept in one process's memory would let an attacker
spread guesses across workers. Here separate Python processes (each with ``NAHRAUM_REDIS_URL``, as
a gunicorn worker has) share one SQLite file for the user and one Redis for the counts:
process A fails the real login view five times, process B then is refused with the correct
password. The Redis server is the one ``NAHRAUM_TEST_REDIS_URL`` names (the test script starts
one) or one this module starts from ``/usr/bin/redis-server``; without either the test fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REDIS_SERVER = os.environ.get("NAHRAUM_REDIS_SERVER", "/usr/bin/redis-server")
PASSWORD = "richtig-und-lang-2026"
SETTINGS = """
from nahraum.web.settings import *  # noqa: F403

_plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": _plain}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    url = os.environ.get("NAHRAUM_TEST_REDIS_URL", "").strip()
    if url:
        yield url
        return
    binary = shutil.which(REDIS_SERVER) or shutil.which("redis-server")
    if not binary:
        pytest.fail(
            "no redis-server: install Debian's redis-server or set NAHRAUM_TEST_REDIS_URL "
            "(the Redis throttle must be tested against a real server)"
        )
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory) -> Path:
    """A SQLite file with the schema and one citizen, made by its own process."""
    path = tmp_path_factory.mktemp("shared-db") / "nahraum.sqlite3"
    _run(
        f"""
        from django.core.management import call_command
        call_command("migrate", verbosity=0)
        from django.contrib.auth import get_user_model
        get_user_model().objects.create_user("anna", "anna@example.org", {PASSWORD!r})
        """,
        redis=None,
        db=path,
    )
    return path


def _run(code: str, *, redis: str | None, db: Path | None = None, prefix: str = "t") -> str:
    """Run ``code`` in a fresh Python process with Django set up (as a web worker would be)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NAHRAUM_", "DJANGO_", "PYTEST")) and k != "DATABASE_URL"
    }
    env.update(
        NAHRAUM_SECRET_KEY="cross-process-test-" + "k" * 40,
        NAHRAUM_DATA_DIR=str((db.parent if db else Path(env.get("TMPDIR", "/tmp"))) / "data"),
        NAHRAUM_CACHE_PREFIX=prefix,
        DJANGO_SETTINGS_MODULE="nahraum.web.settings",
    )
    if redis:
        env["NAHRAUM_REDIS_URL"] = redis
    if db:
        env["DATABASE_URL"] = f"sqlite:///{db}"
    # The production settings with one change: static files from the source folders instead of
    # collectstatic's manifest (which takes a minute to build and has nothing to do with caching).
    settings_dir = Path(env["NAHRAUM_DATA_DIR"]).parent / "settings"
    settings_dir.mkdir(parents=True, exist_ok=True)
    (settings_dir / "worker_settings.py").write_text(SETTINGS)
    env["DJANGO_SETTINGS_MODULE"] = "worker_settings"
    env["PYTHONPATH"] = str(settings_dir)
    script = "from nahraum.bootstrap import setup_django\nsetup_django()\n" + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


LOGIN = """
from django.test import Client
client = Client()
response = client.post("/de/accounts/login/", {{"username": "anna", "password": {password!r}}})
print(response.status_code, "_auth_user_id" in client.session)
"""


def test_the_settings_really_use_redis(redis_url, shared_db):
    out = _run(
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        redis=redis_url,
        db=shared_db,
    )
    assert out.strip() == "django.core.cache.backends.redis.RedisCache"


def test_login_throttle_set_in_one_process_holds_in_another(redis_url, shared_db):
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    # Process A: five wrong passwords through the real login view.
    out_a = _run(
        "\n".join([LOGIN.format(password="falsch")] * 5)
        + "\nfrom nahraum.accounts import throttle\n"
        + "print(throttle.count('login', 'anna|127.0.0.1'))\n",
        redis=redis_url,
        db=shared_db,
        prefix=prefix,
    )
    lines = out_a.split("\n")
    assert lines[:5] == ["200 False"] * 5
    assert lines[5] == "5"
    # Process B: the correct password is refused; the page says why.
    out_b = _run(
        LOGIN.format(password=PASSWORD)
        + "print('Zu viele Fehlversuche' in response.content.decode())"
        + "\nfrom nahraum.accounts import throttle\n"
        + "from django.test import RequestFactory\n"
        + "print(throttle.login_blocked(RequestFactory().get('/'), 'anna'))\n",
        redis=redis_url,
        db=shared_db,
        prefix=prefix,
    )
    status_line, said, blocked = out_b.split("\n")[:3]
    assert status_line == "429 False"
    assert said == "True"
    assert blocked == "True"
    # Control: the same login in a fresh cache namespace succeeds, so the refusal above came from
    # the counts in Redis and not from anything else.
    out_c = _run(
        LOGIN.format(password=PASSWORD), redis=redis_url, db=shared_db, prefix=prefix + "x"
    )
    assert out_c.split("\n")[0] == "302 True"


def test_counts_from_parallel_processes_are_never_lost(redis_url, shared_db):
    """Four processes count 250 events each on one key at the same time: exactly 1000."""
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    code = """
    from nahraum.accounts import throttle
    for _ in range(250):
        throttle.hit("race", "one", 600)
    """
    script = "from nahraum.bootstrap import setup_django\nsetup_django()\n" + textwrap.dedent(code)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NAHRAUM_", "PYTEST"))}
    env.update(
        NAHRAUM_SECRET_KEY="cross-process-test-" + "k" * 40,
        NAHRAUM_DATA_DIR=str(shared_db.parent / "data"),
        NAHRAUM_CACHE_PREFIX=prefix,
        NAHRAUM_REDIS_URL=redis_url,
        DATABASE_URL=f"sqlite:///{shared_db}",
    )
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, cwd=REPO) for _ in range(4)]
    assert [p.wait(timeout=180) for p in procs] == [0, 0, 0, 0]
    out = _run(
        """
        from django.core.cache import cache
        import redis
        from django.conf import settings
        from nahraum.accounts import throttle
        key = cache.make_key("nahraum:throttle:race:one")
        print(throttle.count("race", "one"), redis.Redis.from_url(settings.REDIS_URL).ttl(key))
        """,
        redis=redis_url,
        db=shared_db,
        prefix=prefix,
    )
    total, ttl = out.split()
    assert total == "1000"
    assert 0 < int(ttl) <= 600  # the key always has an expiry, never blocks for ever
