"""Load on the production stack (issue 11, item 5): readers, citizens who write, staff who run.

Started by ``benchmarks/load.py``, which builds the stack and passes ``NAHRAUM_LOAD_TARGETS``
(a JSON file: the district keys, municipality AGS, facility types, citizen accounts, the open
survey, staff accounts and their scenario). Run alone against any running stack with::

    NAHRAUM_LOAD_TARGETS=targets.json locust -f benchmarks/locustfile.py --headless \\
        -u 50 -r 10 -t 60s --host http://127.0.0.1:8077

Every accepted write is counted on the client (``NAHRAUM_LOAD_WRITES``, one JSON line per
locust process at the end) so that ``load.py`` can compare with the rows in the database.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

TARGETS = json.loads(open(os.environ["NAHRAUM_LOAD_TARGETS"], encoding="utf-8").read())
WRITES = {"idea": 0, "comment": 0, "survey": 0, "scenario_run": 0}
_lock = threading.Lock()
_citizens = itertools.cycle(TARGETS["citizens"])
_staff = itertools.cycle(TARGETS["staff"])


def _count(kind: str) -> None:
    with _lock:
        WRITES[kind] += 1


@events.quitting.add_listener
def _write_counts(environment, **_kwargs) -> None:
    path = os.environ.get("NAHRAUM_LOAD_WRITES")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(WRITES) + "\n")


class _Form(HTMLParser):
    """The fields of the first POST form whose action matches (names → a value to send)."""

    def __init__(self, action: str | None = None) -> None:
        super().__init__()
        self.action, self.found, self.inside, self.done = action, None, False, False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post":
            target = a.get("action") or ""
            if "/logout/" in target:  # the header's logout form on every signed-in page
                return
            if self.action is None or re.search(self.action, target):
                self.inside, self.found = True, a.get("action") or ""
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if name == "website":  # the honeypot stays empty
                self.fields[name] = ""
            elif kind in ("radio", "checkbox"):
                self.fields.setdefault(name, a.get("value") or "on")
            elif kind == "hidden":
                self.fields[name] = a.get("value") or ""
            elif kind == "number":
                self.fields.setdefault(name, a.get("value") or "")
            elif kind not in ("submit", "button"):
                self.fields.setdefault(name, a.get("value") or "Lasttest")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            self.fields.setdefault(self._select, a["value"])
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = "Lasttest: ein Beitrag aus dem Lasttest."

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(html: str, action: str | None = None) -> tuple[str | None, dict[str, str]]:
    parser = _Form(action)
    parser.feed(html)
    return parser.found, parser.fields


def _district_page(prefix: str) -> tuple[str, str]:
    key = random.choice(TARGETS["districts"])
    return f"{prefix}{key}/", prefix + "[key]/"


class Reader(HttpUser):
    """An anonymous visitor reading the public pages and the maps' JSON."""

    weight = 35
    wait_time = between(1, 3)

    def _get(self, url: str, name: str | None = None) -> None:
        self.client.get(url, name=name or url)

    @task(3)
    def overview(self):
        self._get("/de/")

    @task(2)
    def district(self):
        url, name = _district_page("/de/district/")
        self._get(url, name)

    @task(1)
    def municipality(self):
        self._get(
            f"/de/municipality/{random.choice(TARGETS['municipalities'])}/",
            "/de/municipality/[ags]/",
        )

    @task(1)
    def facility_type(self):
        self._get(f"/de/facilities/{random.choice(TARGETS['types'])}/", "/de/facilities/[key]/")

    @task(2)
    def analysis(self):
        self._get("/de/analysis/")

    @task(1)
    def analysis_district(self):
        url, name = _district_page("/de/analysis/district/")
        self._get(url, name)

    @task(1)
    def analysis_type(self):
        self._get(
            f"/de/analysis/type/{random.choice(TARGETS['types'])}/", "/de/analysis/type/[key]/"
        )

    @task(2)
    def transit(self):
        self._get("/de/transit/")

    @task(1)
    def transit_district(self):
        url, name = _district_page("/de/transit/district/")
        self._get(url, name)

    @task(1)
    def strategy(self):
        self._get(
            random.choice(["/de/strategy/", "/de/strategy/timeline/"]), "/de/strategy/ (+timeline)"
        )

    @task(1)
    def strategy_maps(self):
        self._get(
            random.choice(
                ["/de/strategy/map/", "/de/strategy/innovationslandkarte/", "/de/strategy/network/"]
            ),
            "/de/strategy/ maps+network",
        )

    @task(2)
    def participation(self):
        self._get(
            random.choice(["/de/participation/", "/de/participation/ideas/"]),
            "/de/participation/ (+ideas)",
        )

    @task(3)
    def geojson(self):
        url = random.choice(
            [
                "/de/api/districts.geojson",
                "/de/api/municipalities.geojson",
                "/de/api/facilities.geojson",
                f"/de/api/facilities.geojson?type={random.choice(TARGETS['types'])}",
            ]
        )
        self._get(url, "/de/api/*.geojson")

    @task(2)
    def transit_json(self):
        self._get(
            random.choice(["/de/transit/api/cells.geojson", "/de/transit/api/stops.geojson"]),
            "/de/transit/api/*.geojson",
        )

    @task(1)
    def indicators_json(self):
        self._get("/de/analysis/api/indicators/", "/de/analysis/api/indicators/")


class _SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    account: dict

    def login(self, account: dict) -> None:
        self.account = account
        page = self.client.get("/de/accounts/login/", name="/de/accounts/login/")
        _action, fields = form_fields(page.text)
        fields.update(username=account["username"], password=account["password"])
        with self.client.post(
            "/de/accounts/login/",
            data=fields,
            name="POST login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {account['username']} refused: {response.status_code}")

    def post_form(self, page_url: str, page_name: str, action: str | None, post_name: str):
        page = self.client.get(page_url, name=page_name)
        found, fields = form_fields(page.text, action)
        if found is None:
            return None, None
        return found or page_url, fields


class Citizen(_SignedIn):
    """A signed-in citizen: reads, writes ideas and comments, answers the survey once."""

    weight = 13

    def on_start(self):
        self.login(next(_citizens))
        self.answered = False
        self.ideas: list[str] = list(TARGETS["ideas"])

    @task(3)
    def read(self):
        url = random.choice(["/de/", "/de/participation/ideas/", "/de/analysis/", "/de/strategy/"])
        self.client.get(url, name=url + " (signed in)")

    @task(1)
    def idea(self):
        action, fields = self.post_form(
            "/de/participation/ideas/new/", "/de/participation/ideas/new/", None, "idea"
        )
        if action is None:
            return
        fields.update(title=f"Lasttest-Idee {random.randint(1, 10**9)}", lat="", lon="")
        fields.pop("district", None)
        with self.client.post(
            action, data=fields, name="POST idea", allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code == 302 and "/ideas/" in location:
                _count("idea")
                self.ideas.append(location)
            else:
                response.failure(f"idea not accepted: {response.status_code}")

    @task(2)
    def comment(self):
        idea_url = random.choice(self.ideas)
        action, fields = self.post_form(
            idea_url, "/de/participation/ideas/[id]/", r"/comment/$", "comment"
        )
        if action is None:
            return
        fields.pop("parent", None)
        with self.client.post(
            action, data=fields, name="POST comment", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 302 and "#comment-" in response.headers.get("Location", ""):
                _count("comment")
            else:
                response.failure(f"comment not accepted: {response.status_code}")

    @task(1)
    def survey(self):
        if self.answered:
            return
        url = TARGETS["survey"]
        action, fields = self.post_form(url, "/de/participation/surveys/[id]/", None, "survey")
        if action is None:
            return
        with self.client.post(
            action or url,
            data=fields,
            name="POST survey answer",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"survey answer not accepted: {response.status_code}")
                return
            self.answered = True
        # Accepted or refused, both redirect to the survey; its page says which (the message).
        with self.client.get(
            url, name="/de/participation/surveys/[id]/", catch_response=True
        ) as page:
            if "Danke für Ihre Antwort" in page.text:
                _count("survey")
            else:
                page.failure("survey answer refused")


class Staff(_SignedIn):
    """Staff: looks at the scenario and starts its run (a background job), then reads on."""

    weight = 2

    def on_start(self):
        self.login(next(_staff))

    @task(1)
    def run_scenario(self):
        url = self.account["scenario"]
        action, fields = self.post_form(url, "/de/scenarios/[id]/", r"/run/$", "run")
        if action is None:
            return
        with self.client.post(
            action,
            data=fields,
            name="POST scenario run",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                _count("scenario_run")
            else:
                response.failure(f"scenario run not started: {response.status_code}")

    @task(4)
    def read(self):
        url = random.choice(["/de/", "/de/analysis/", "/de/scenarios/", "/de/transit/"])
        self.client.get(url, name=url + " (signed in)")
