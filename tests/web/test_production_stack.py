"""The production stack as docs/operating.md sets it up, driven by a real browser.

Not Django's test server: a PostgreSQL database of its own, ``nahraum migrate`` and the bundled
region loaded from the command line, then ``nahraum serve`` (gunicorn, two workers, DEBUG off,
CSP on, static files from WhiteNoise) and ``nahraum worker`` as separate processes, and the shared
Redis cache when the test script started one. In chromium a planner signs in, starts a scenario
run, watches the job's progress bar reach 100 % without reloading, and lands on the comparison.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_PASSWORD = "nahraum-demo-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args} ended with {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Web server and job worker on a PostgreSQL database of their own; yields the base URL."""
    import psycopg

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        pytest.fail(
            "the production stack runs on PostgreSQL: set DATABASE_URL (scripts/test.sh's "
            "second pass does)"
        )
    name = f"nahraum_stack_{os.getpid()}"
    admin = psycopg.connect(server_url, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    data_dir = tmp_path_factory.mktemp("stack")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NAHRAUM_")},
        "DATABASE_URL": server_url.rsplit("/", 1)[0] + "/" + name,
        "NAHRAUM_DATA_DIR": str(data_dir),
        "NAHRAUM_SECRET_KEY": secrets.token_urlsafe(50),
        "NAHRAUM_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "NAHRAUM_TILE_URL": "",
        "NAHRAUM_JOB_STALE_SECONDS": "30",
    }
    if os.environ.get("NAHRAUM_TEST_REDIS_URL"):
        env["NAHRAUM_REDIS_URL"] = os.environ["NAHRAUM_TEST_REDIS_URL"]
        env["NAHRAUM_CACHE_PREFIX"] = name
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    nahraum = [sys.executable, "-m", "nahraum.cli"]
    subprocess.run([*nahraum, "migrate"], env=env, check=True, capture_output=True)
    # The bundled region, its timetable, a first analysis and the example accounts: the data
    # step of a try-out installation (docs/operating.md); DEBUG stays off.
    subprocess.run(
        [*nahraum, "demo", "--no-serve"], env=env, check=True, capture_output=True, timeout=900
    )
    port = _free_port()
    logs = Path(data_dir)
    worker = subprocess.Popen(
        [*nahraum, "worker"],
        env=env,
        stdout=open(logs / "worker.log", "w"),
        stderr=subprocess.STDOUT,
    )
    web = subprocess.Popen(
        [*nahraum, "serve", "--port", str(port), "--workers", "2", "--no-collectstatic"],
        env=env,
        stdout=open(logs / "web.log", "w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz", 120, web)
        yield {"url": base, "logs": logs, "env": env}
    finally:
        for proc in (web, worker):
            proc.terminate()
        for proc in (web, worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_served_by_gunicorn_with_security_headers_and_static_files(stack):
    with urllib.request.urlopen(stack["url"] + "/de/", timeout=30) as response:
        headers = response.headers
        html = response.read().decode()
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers.get("X-Request-ID")
    # WhiteNoise serves hashed names, compressed, cacheable for a year.
    static = html.split('href="/static/', 1)[1].split('"', 1)[0]
    assert len(static.rsplit(".", 2)[-2]) == 12, static  # name.<12-hex hash>.css
    request = urllib.request.Request(
        f"{stack['url']}/static/{static}", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in response.headers["Cache-Control"]
    # DEBUG is off: an unknown page is the platform's German 404, not Django's technical page.
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(stack["url"] + "/de/gibt-es-nicht/", timeout=30)
    body = missing.value.read().decode()
    assert missing.value.code == 404
    assert "Page not found at" not in body and "URLconf" not in body


def test_scenario_run_as_a_job_with_live_progress(stack, browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = stack["url"]
    page.goto(f"{base}/de/accounts/login/")
    page.fill("#id_username", "demo-projektbuero")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    page.goto(f"{base}/de/scenarios/")
    page.locator("a[href*='/de/scenarios/']").filter(has_text="Praxisbus").first.click()
    page.wait_for_selector("#run-button")
    page.click("#run-button")
    # The job page: a progress bar that moves without a reload, then the comparison.
    page.wait_for_url("**/jobs/**", timeout=30_000)
    bar = page.locator("progress")
    seen: set[float] = set()
    deadline = time.monotonic() + 300
    while "/compare/" not in page.url and time.monotonic() < deadline:
        try:
            value = bar.first.get_attribute("value", timeout=1000)
            maximum = bar.first.get_attribute("max", timeout=1000) or "100"
        except Exception:  # the page is navigating to the result
            value = None
        if value is not None:
            seen.add(round(100 * float(value) / float(maximum)))
        time.sleep(0.2)
    assert "/compare/" in page.url, (page.url, (stack["logs"] / "worker.log").read_text()[-3000:])
    assert seen, "the progress bar was never seen"
    assert max(seen) == 100 or len(seen) > 1, seen  # it moved (or was seen full before leaving)
    page.wait_for_selector("table")
    assert errors == [], errors
    context.close()
