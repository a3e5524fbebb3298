"""Logs: one line per event, JSON when asked, the request id on every line of a request, and
nothing secret in them (passwords, tokens in query strings, user names or e-mail addresses)."""

from __future__ import annotations

import json
import logging
import re
import shutil
import sys

import pytest

from nahraum.ops.logs import JsonFormatter, RequestIdFilter, TextFormatter, request_id_from

from .conftest import clean_env, requests

HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.django_db
def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/de/")["X-Request-ID"]
    assert HEX32.match(first) and HEX32.match(second) and first != second


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("abc-123.DEF:9_x", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("two words", False),
        ("<script>", False),
        ("-leading-dash", False),
        ("", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_sane(client, incoming, kept):
    answered = client.get("/healthz", headers={"X-Request-ID": incoming})["X-Request-ID"]
    assert (answered == incoming) is kept
    if not kept:
        assert HEX32.match(answered)
    assert request_id_from(incoming) == incoming if kept else HEX32.match(request_id_from(incoming))


def _record(**extra) -> logging.LogRecord:
    try:
        raise ValueError("kaputt\nzweite Zeile")
    except ValueError:
        record = logging.getLogger("nahraum.test").makeRecord(
            "nahraum.test", logging.ERROR, __file__, 1, "Fehler: %s", ("x",), sys.exc_info()
        )
    record.__dict__.update(extra)
    RequestIdFilter().filter(record)
    return record


def test_text_lines_fold_a_traceback_into_one_line():
    line = TextFormatter().format(_record())
    assert "\n" not in line
    assert "ERROR nahraum.test [-] Fehler: x" in line and "ValueError: kaputt" in line


def test_json_lines_have_the_fields():
    data = json.loads(JsonFormatter().format(_record(request_id="r1", status=500, path="/de/")))
    assert data["level"] == "ERROR" and data["logger"] == "nahraum.test"
    assert data["message"] == "Fehler: x" and data["request_id"] == "r1"
    assert data["status"] == 500 and data["path"] == "/de/"
    assert "ValueError: kaputt" in data["exc"]
    assert data["time"].endswith("+00:00")


def test_json_logs_of_a_real_installation(migrated_sqlite, tmp_path):
    """A production-configured process (NAHRAUM_LOG_FORMAT=json): every line on stderr is one
    JSON object; each request has exactly one access line with its id; a signed-in request
    names the user by id only; no password, token or e-mail address appears anywhere."""
    data = tmp_path / "data"
    shutil.copytree(migrated_sqlite, data)
    env = clean_env(data, NAHRAUM_LOG_FORMAT="json")
    password = "Geheim-Passwort-4711"
    steps = [
        {"create_user": {"username": "hanna", "email": "hanna@example.org", "password": password}},
        {"path": "/healthz?token=SUPERSECRET-TOKEN"},
        {"path": "/de/accounts/login/", "headers": {"X-Request-ID": "probe-1"}},
        {
            "method": "post",
            "path": "/de/accounts/login/",
            "data": {"username": "hanna", "password": "falsch-" + password},
        },
        {
            "method": "post",
            "path": "/de/accounts/login/",
            "data": {"username": "hanna", "password": password},
        },
        {"path": "/de/accounts/profile/?reset=SUPERSECRET-TOKEN"},
        {"path": "/de/gibt-es-nicht/"},
    ]
    responses, process = requests(env, steps)
    user_id = responses[0]["user_id"]
    # every line is JSON (highspy's banner is swallowed: access/locate.py)
    lines = [line for line in process.stderr.splitlines() if line.strip()]
    assert lines, "no log lines at all"
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    for secret in ("SUPERSECRET", password, "hanna@example.org", "hanna"):
        assert secret not in process.stderr, f"{secret!r} in the logs"
    access = [r for r in records if r["logger"] == "nahraum.request"]
    http = responses[2:]
    # /healthz is logged at DEBUG (probes every few seconds); the others once each.
    assert [r["request_id"] for r in access] == [resp["headers"]["X-Request-ID"] for resp in http]
    assert access[0]["request_id"] == "probe-1"
    for record, response in zip(access, http, strict=True):
        assert set(record) >= {
            "time",
            "level",
            "message",
            "method",
            "path",
            "status",
            "duration_ms",
        }
        assert record["status"] == response["status"]
        assert "?" not in record["path"]
    assert access[2]["status"] == 302  # signed in
    assert access[3]["user_id"] == user_id and access[3]["path"] == "/de/accounts/profile/"
    assert access[0]["user_id"] is None
    not_found = [r for r in records if r["logger"] == "django.request"]
    assert not_found and not_found[-1]["request_id"] == access[-1]["request_id"]
    assert access[-1]["status"] == 404
