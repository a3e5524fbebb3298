"""``/healthz``: what a load balancer and a monitor see, with the database, worker and cache up
and down for real (a closed port, a real ``nahraum worker`` process), never mocked."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time

import pytest
from django.test import Client

from .conftest import NAHRAUM, clean_env, requests

KEYS = {"status", "database", "worker", "cache", "version"}
#: A port nothing listens on (discard): connecting is refused at once.
DEAD = "127.0.0.1:9"


@pytest.mark.django_db
def test_healthz_answers_without_login_language_or_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies, "a probe must not start a session"
    body = response.json()
    assert set(body) == KEYS
    assert body["database"]["ok"] is True and body["database"]["latency_ms"] >= 0
    assert body["cache"] == {"ok": True}
    assert set(body["worker"]) == {"ok", "last_beat_s"}
    assert body["version"]
    # No worker runs in the suite: the web serves, so "degraded" with 200.
    assert body["worker"]["ok"] is False and body["status"] == "degraded"


@pytest.mark.django_db
def test_strict_turns_degraded_into_503(client):
    response = client.get("/healthz?strict=1")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"


@pytest.mark.django_db
def test_only_reading_methods(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_exempt_from_the_https_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # a new handler reads the changed settings
    assert client.get("/de/").status_code == 301
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_is_not_throttled(client):
    codes = {client.get("/healthz", REMOTE_ADDR="203.0.113.7").status_code for _ in range(200)}
    assert codes == {200}


def test_database_down_is_503_and_names_no_host(tmp_path):
    env = clean_env(
        tmp_path,
        DATABASE_URL=f"postgres://nahraum:pw-not-in-output@{DEAD}/nahraum",
        NAHRAUM_SECRET_KEY="x" * 50,
    )
    started = time.monotonic()
    (response,), _ = requests(env, [{"path": "/healthz"}])
    assert time.monotonic() - started < 60
    assert response["status"] == 503
    body = json.loads(response["body"])
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "latency_ms": None}
    assert "127.0.0.1" not in response["body"] and "pw-not-in-output" not in response["body"]


def test_cache_down_is_degraded(migrated_sqlite, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(migrated_sqlite, data)
    env = clean_env(data, NAHRAUM_REDIS_URL=f"redis://{DEAD}/0")
    (response, strict), _ = requests(env, [{"path": "/healthz"}, {"path": "/healthz?strict=1"}])
    body = json.loads(response["body"])
    assert response["status"] == 200 and body["status"] == "degraded"
    assert body["cache"] == {"ok": False} and body["database"]["ok"] is True
    assert strict["status"] == 503
    assert DEAD not in response["body"]


def test_a_running_worker_makes_it_ok(migrated_sqlite, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(migrated_sqlite, data)
    env = clean_env(data)
    worker = subprocess.Popen(
        [*NAHRAUM, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        body = {}
        while time.monotonic() < deadline:
            assert worker.poll() is None, worker.stderr.read().decode()
            (response,), _ = requests(env, [{"path": "/healthz?strict=1"}])
            body = json.loads(response["body"])
            if response["status"] == 200:
                break
            time.sleep(1)
        assert body["status"] == "ok", body
        assert body["worker"]["ok"] is True
        assert 0 <= body["worker"]["last_beat_s"] < 60
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
