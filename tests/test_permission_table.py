"""Who may do what, page by page: one role × action table over every app, through real URLs.

Every row is one action (a staff page, a form sent by POST, an edit, or a public page for
contrast) with the expected answer for each of seven people; every cell is one test id
(``strategy.measure_edit-kalletal_staff``), run with Django's test client against the real URL
map, so that the table checks the views, their decorators and the rules in ``<app>/rules.py``
together. The tiny test region's two municipalities stand for the cooperation's two:
"Ahausen" for Lemgo, "Bedorf" for Kalletal; objects without a municipality are joint (the
project office's).

Expected answers: 200 (the page), 302 (done, sent on; not to the login), ``LOGIN`` (302 to the
login page: signed-out visitors of pages behind ``login_required``), 403 (refused), 404, 405.
Every download (CSV, JSON, GeoJSON, PDF) is a row like any page, so that no export can be
reached by someone who may not see what it contains.
Region, analysis and transit only show (every request method but GET is refused there; the one
exception, the project office's "run the analysis again", starts a job), and the data app has no
pages: it fills the database from the command line.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.factories import UserFactory
from tests.fixtures import fast_passwords, fresh_cache  # noqa: F401  (autouse)

LOGIN = "login"
ROLES = (
    "anonymous",
    "citizen",
    "moderator",
    "lemgo_staff",
    "kalletal_staff",
    "project_office",
    "superuser",
)


def every(answer: Any) -> tuple:
    """The same answer for every role."""
    return (answer,) * len(ROLES)


#: Signed-in people (login_required in front): whoever is signed in.
SIGNED_IN = (LOGIN, 200, 200, 200, 200, 200, 200)
#: Staff pages of both municipalities (view, create): staff and office.
STAFF = (LOGIN, 403, 403, 200, 200, 200, 200)
#: A Lemgo object: Lemgo's staff and the project office (Kalletal's staff refused).
LEMGO = (LOGIN, 403, 403, 200, 403, 200, 200)
LEMGO_DONE = (LOGIN, 403, 403, 302, 403, 302, 302)
#: A joint object (no municipality): the project office only.
JOINT = (LOGIN, 403, 403, 403, 403, 200, 200)
#: A planned survey of Lemgo (not open yet): a 404 for all but the planners, as if it did not
#: exist; staff of both municipalities see it (the list's "planned" group), its owners change it.
PLANNED_SEE = (404, 404, 404, 200, 200, 200, 200)
PLANNED_OWN = (404, 404, 404, 200, 403, 200, 200)
#: Moderation: moderators and the project office.
MODERATE = (LOGIN, 403, 200, 403, 403, 200, 200)
MODERATE_DONE = (LOGIN, 403, 302, 403, 403, 302, 302)
# Scenarios ask no login first: a refusal is a 403 for everybody (see accounts.permissions).
SC_LEMGO_DONE = (403, 403, 403, 302, 403, 302, 302)
SC_KALLETAL_DONE = (403, 403, 403, 403, 302, 302, 302)
SC_JOINT_DONE = (403, 403, 403, 403, 403, 302, 302)
SC_LEMGO_FORM = (403, 403, 403, 200, 403, 200, 200)
SC_JOINT_FORM = (403, 403, 403, 403, 403, 200, 200)
SC_STAFF_FORM = (403, 403, 403, 200, 200, 200, 200)

P = "/de/participation"
S = "/de/strategy"
SC = "/de/scenarios"

#: (action id, method, URL with {placeholders} of the world's objects, POST data, answers).
TABLE: list[tuple[str, str, str, dict, tuple]] = [
    # --- region, analysis, transit: public, read-only -----------------------------------------
    # --- operation: the health probe, the same for everybody (no login, no language prefix) --
    ("ops.healthz", "get", "/healthz", {}, every(200)),
    ("region.overview", "get", "/de/", {}, every(200)),
    ("region.municipality", "get", "/de/municipality/05766999/", {}, every(200)),
    ("region.district", "get", "/de/district/A1/", {}, every(200)),
    ("region.facility_types", "get", "/de/facilities/", {}, every(200)),
    ("region.facility_type", "get", "/de/facilities/gp/", {}, every(200)),
    ("region.api_districts", "get", "/de/api/districts.geojson", {}, every(200)),
    ("region.api_district", "get", "/de/api/districts/A1.geojson", {}, every(200)),
    ("region.api_municipalities", "get", "/de/api/municipalities.geojson", {}, every(200)),
    ("region.api_facilities", "get", "/de/api/facilities.geojson", {}, every(200)),
    ("region.api_post_refused", "post", "/de/api/facilities.geojson", {}, every(405)),
    ("analysis.overview", "get", "/de/analysis/", {}, every(200)),
    ("analysis.district", "get", "/de/analysis/district/A1/", {}, every(200)),
    ("analysis.type", "get", "/de/analysis/type/gp/", {}, every(200)),
    # no analysis run (nor timetable) in the test region yet: the same 404 for everybody
    ("analysis.api_indicators", "get", "/de/analysis/api/indicators/", {}, every(404)),
    ("analysis.api_isochrone", "get", "/de/analysis/api/isochrone/", {}, every(400)),
    # a new run of the whole region (a job): the project office's button
    ("analysis.rerun", "post", "/de/analysis/rerun/", {}, (403,) * 5 + (302, 302)),
    ("analysis.rerun_get", "get", "/de/analysis/rerun/", {}, every(405)),
    ("transit.overview", "get", "/de/transit/", {}, every(200)),
    ("transit.stops", "get", "/de/transit/stops/", {}, every(200)),
    ("transit.district", "get", "/de/transit/district/A1/", {}, every(200)),
    ("transit.api_cells", "get", "/de/transit/api/cells.geojson", {}, every(404)),
    ("transit.api_stops", "get", "/de/transit/api/stops.geojson", {}, every(404)),
    # --- scenarios: public to look at; Lemgo's, Kalletal's and joint ones to change ----------
    ("scenarios.index", "get", f"{SC}/", {}, every(200)),
    ("scenarios.create", "post", f"{SC}/", {}, SC_STAFF_FORM),
    ("scenarios.detail", "get", f"{SC}/{{sc_lemgo}}/", {}, every(200)),
    ("scenarios.compare", "get", f"{SC}/{{sc_lemgo}}/compare/", {}, every(200)),
    ("scenarios.effect", "get", f"{SC}/{{sc_lemgo}}/effect.json", {}, every(200)),
    ("scenarios.locate", "get", f"{SC}/locate/", {}, every(200)),
    # asking the planner is heavy (a job): signed-in people; an empty question starts nothing
    ("scenarios.locate_solve", "post", f"{SC}/locate/", {}, (403,) + (200,) * 6),
    ("scenarios.change_lemgo", "post", f"{SC}/{{sc_lemgo}}/", {"form": "rate"}, SC_LEMGO_FORM),
    ("scenarios.change_joint", "post", f"{SC}/{{sc_joint}}/", {"form": "rate"}, SC_JOINT_FORM),
    (
        "scenarios.remove_change_lemgo",
        "post",
        f"{SC}/{{sc_lemgo}}/remove/facility/999999/",
        {},
        SC_LEMGO_DONE,
    ),
    # an empty run form is refused by the form after the permission: no engine run is started
    ("scenarios.run_lemgo", "post", f"{SC}/{{sc_lemgo}}/run/", {}, SC_LEMGO_DONE),
    ("scenarios.run_kalletal", "post", f"{SC}/{{sc_kalletal}}/run/", {}, SC_KALLETAL_DONE),
    ("scenarios.run_joint", "post", f"{SC}/{{sc_joint}}/run/", {}, SC_JOINT_DONE),
    ("scenarios.delete_lemgo", "post", f"{SC}/{{sc_lemgo}}/delete/", {}, SC_LEMGO_DONE),
    ("scenarios.delete_kalletal", "post", f"{SC}/{{sc_kalletal}}/delete/", {}, SC_KALLETAL_DONE),
    ("scenarios.delete_joint", "post", f"{SC}/{{sc_joint}}/delete/", {}, SC_JOINT_DONE),
    # --- jobs: the starter (here the citizen) and staff follow a job; staff see the list -------
    ("jobs.list", "get", "/de/jobs/", {}, (403, 403, 403, 200, 200, 200, 200)),
    ("jobs.detail", "get", "/de/jobs/{job}/", {}, (403, 200, 403, 200, 200, 200, 200)),
    ("jobs.status", "get", "/de/jobs/{job}.json", {}, (403, 200, 403, 200, 200, 200, 200)),
    ("jobs.cancel", "post", "/de/jobs/{job}/cancel/", {}, (403, 302, 403, 302, 302, 302, 302)),
    # --- participation ------------------------------------------------------------------------
    ("participation.index", "get", f"{P}/", {}, every(200)),
    ("participation.idea_list", "get", f"{P}/ideas/", {}, every(200)),
    ("participation.idea_detail", "get", f"{P}/ideas/{{idea}}/", {}, every(200)),
    (
        "participation.hidden_idea",
        "get",
        f"{P}/ideas/{{hidden_idea}}/",
        {},
        (404, 404, 200, 404, 404, 200, 200),
    ),
    ("participation.idea_create", "get", f"{P}/ideas/new/", {}, SIGNED_IN),
    (
        "participation.comment",
        "post",
        f"{P}/ideas/{{idea}}/comment/",
        {"text": "Gut so."},
        (LOGIN,) + (302,) * 6,
    ),
    ("participation.support", "post", f"{P}/ideas/{{idea}}/support/", {}, (LOGIN,) + (302,) * 6),
    (
        "participation.withdraw_support",
        "post",
        f"{P}/ideas/{{idea}}/support/withdraw/",
        {},
        (LOGIN,) + (302,) * 6,
    ),
    (
        "participation.report_idea",
        "post",
        f"{P}/ideas/{{idea}}/report/",
        {"reason": "Beleidigend"},
        (LOGIN,) + (302,) * 6,
    ),
    (
        "participation.report_comment",
        "post",
        f"{P}/ideas/{{idea}}/comments/{{comment}}/report/",
        {"reason": "Beleidigend"},
        (LOGIN,) + (302,) * 6,
    ),
    ("participation.moderation", "get", f"{P}/moderation/", {}, MODERATE),
    (
        "participation.hide_idea",
        "post",
        f"{P}/ideas/{{idea}}/hide/",
        {"reason": "Werbung"},
        MODERATE_DONE,
    ),
    (
        "participation.hide_comment",
        "post",
        f"{P}/ideas/{{idea}}/comments/{{comment}}/hide/",
        {"reason": "Werbung"},
        MODERATE_DONE,
    ),
    (
        "participation.dismiss_report",
        "post",
        f"{P}/moderation/reports/{{report}}/dismiss/",
        {},
        MODERATE_DONE,
    ),
    (
        "participation.answer_idea_lemgo",
        "post",
        f"{P}/ideas/{{idea}}/answer/",
        {"status": "review", "answer": "Wir prüfen das."},
        LEMGO_DONE,
    ),
    ("participation.workshop_list", "get", f"{P}/workshops/", {}, every(200)),
    ("participation.workshop_detail", "get", f"{P}/workshops/{{workshop}}/", {}, every(200)),
    ("participation.workshop_create", "get", f"{P}/workshops/new/", {}, STAFF),
    ("participation.workshop_edit_lemgo", "get", f"{P}/workshops/{{workshop}}/edit/", {}, LEMGO),
    (
        "participation.workshop_edit_joint",
        "get",
        f"{P}/workshops/{{workshop_joint}}/edit/",
        {},
        JOINT,
    ),
    (
        "participation.workshop_register",
        "post",
        f"{P}/workshops/{{workshop}}/register/",
        {},
        (LOGIN,) + (302,) * 6,
    ),
    (
        "participation.workshop_cancel",
        "post",
        f"{P}/workshops/{{workshop}}/cancel/",
        {},
        (LOGIN, 302, 404, 404, 404, 404, 404),
    ),
    (
        "participation.attendance_lemgo",
        "post",
        f"{P}/workshops/{{workshop}}/attendance/",
        {},
        LEMGO_DONE,
    ),
    ("participation.invite_lemgo", "post", f"{P}/workshops/{{workshop}}/invite/", {}, LEMGO_DONE),
    (
        "participation.invitation_response_lemgo",
        "post",
        f"{P}/workshops/{{workshop}}/invitations/{{invitation}}/",
        {"response": "accepted"},
        LEMGO_DONE,
    ),
    ("participation.result_lemgo", "get", f"{P}/workshops/{{workshop}}/result/", {}, LEMGO),
    ("participation.group_list", "get", f"{P}/groups/", {}, STAFF),
    ("participation.group_create", "get", f"{P}/groups/new/", {}, STAFF),
    ("participation.group_detail", "get", f"{P}/groups/{{group}}/", {}, STAFF),
    ("participation.group_edit_lemgo", "get", f"{P}/groups/{{group}}/edit/", {}, LEMGO),
    ("participation.group_edit_joint", "get", f"{P}/groups/{{group_joint}}/edit/", {}, JOINT),
    (
        "participation.contact_delete_lemgo",
        "post",
        f"{P}/groups/{{group}}/contacts/{{contact}}/delete/",
        {},
        LEMGO_DONE,
    ),
    ("participation.survey_list", "get", f"{P}/surveys/", {}, every(200)),
    ("participation.survey_detail", "get", f"{P}/surveys/{{survey}}/", {}, every(200)),
    ("participation.survey_create", "get", f"{P}/surveys/new/", {}, STAFF),
    (
        "participation.survey_questions_lemgo",
        "get",
        f"{P}/surveys/{{survey}}/questions/",
        {},
        LEMGO,
    ),
    # results of a survey still open: its owners only (public once it has closed)
    ("participation.survey_results_lemgo", "get", f"{P}/surveys/{{survey}}/results/", {}, LEMGO),
    (
        "participation.survey_results_closed",
        "get",
        f"{P}/surveys/{{survey_closed}}/results/",
        {},
        every(200),
    ),
    ("participation.survey_export_lemgo", "get", f"{P}/surveys/{{survey}}/results.csv", {}, LEMGO),
    # a closed survey's results are public, its answers file stays with its owners
    (
        "participation.survey_export_closed",
        "get",
        f"{P}/surveys/{{survey_closed}}/results.csv",
        {},
        LEMGO,
    ),
    # a planned survey (issue 12, item 6): nothing of it for the public, not even its title
    (
        "participation.survey_detail_planned",
        "get",
        f"{P}/surveys/{{survey_planned}}/",
        {},
        PLANNED_SEE,
    ),
    (
        "participation.survey_answer_planned",
        "post",
        f"{P}/surveys/{{survey_planned}}/",
        {},
        # the superuser passes every rule; the empty answer is a 400, and the service refuses
        # any answer before the opening
        (404, 404, 404, 403, 403, 403, 400),
    ),
    (
        "participation.survey_questions_planned",
        "get",
        f"{P}/surveys/{{survey_planned}}/questions/",
        {},
        (LOGIN,) + PLANNED_OWN[1:],
    ),
    (
        "participation.survey_results_planned",
        "get",
        f"{P}/surveys/{{survey_planned}}/results/",
        {},
        PLANNED_OWN,
    ),
    (
        "participation.survey_export_planned",
        "get",
        f"{P}/surveys/{{survey_planned}}/results.csv",
        {},
        PLANNED_OWN,
    ),
    ("participation.coverage", "get", f"{P}/coverage/", {}, STAFF),
    # --- strategy: public to read; measures and projects changed by their owners ------------
    ("strategy.overview", "get", f"{S}/", {}, every(200)),
    ("strategy.field", "get", f"{S}/fields/health/", {}, every(200)),
    ("strategy.measure", "get", f"{S}/measures/{{measure}}/", {}, every(200)),
    ("strategy.timeline", "get", f"{S}/timeline/", {}, every(200)),
    ("strategy.map", "get", f"{S}/map/", {}, every(200)),
    ("strategy.innovation_map", "get", f"{S}/innovationslandkarte/", {}, every(200)),
    ("strategy.network", "get", f"{S}/network/", {}, every(200)),
    ("strategy.export_csv", "get", f"{S}/export.csv", {}, every(200)),
    ("strategy.export_json", "get", f"{S}/export.json", {}, every(200)),
    ("strategy.report", "get", f"{S}/report/", {}, every(200)),
    ("strategy.report_field", "get", f"{S}/report/health/", {}, every(200)),
    # the report as PDF: public; a finished PDF of the same content is handed to everybody
    # (the world holds one, so that the table renders nothing), on to its file
    ("strategy.report_pdf", "get", f"{S}/report.pdf", {}, every(302)),
    ("strategy.report_field_pdf", "get", f"{S}/report/health.pdf", {}, every(302)),
    ("strategy.report_pdf_file", "get", f"{S}/report/pdf/{{report_job}}/", {}, every(200)),
    ("strategy.manage", "get", f"{S}/manage/", {}, STAFF),
    ("strategy.derive", "get", f"{S}/manage/derive/{{proposal}}/", {}, STAFF),
    ("strategy.measure_edit_lemgo", "get", f"{S}/measures/{{measure}}/edit/", {}, LEMGO),
    ("strategy.measure_edit_joint", "get", f"{S}/measures/{{measure_joint}}/edit/", {}, JOINT),
    ("strategy.target_add_lemgo", "get", f"{S}/measures/{{measure}}/targets/add/", {}, LEMGO),
    ("strategy.project_add_lemgo", "get", f"{S}/measures/{{measure}}/projects/add/", {}, LEMGO),
    ("strategy.project_edit_lemgo", "get", f"{S}/projects/{{project}}/edit/", {}, LEMGO),
    ("strategy.measure_status_lemgo", "get", f"{S}/measure/{{measure}}/status/", {}, LEMGO),
    ("strategy.project_status_lemgo", "get", f"{S}/project/{{project}}/status/", {}, LEMGO),
    ("strategy.measure_status_joint", "get", f"{S}/measure/{{measure_joint}}/status/", {}, JOINT),
    (
        "strategy.status_unknown_kind",
        "get",
        f"{S}/goal/{{measure}}/status/",
        {},
        (LOGIN,) + (404,) * 6,
    ),
    # --- accounts: each person's own data ----------------------------------------------------
    # signed-in people are sent on from the login page
    ("accounts.login", "get", "/de/accounts/login/", {}, (200,) + (302,) * 6),
    ("accounts.profile", "get", "/de/accounts/profile/", {}, SIGNED_IN),
    ("accounts.download_data", "get", "/de/accounts/profile/data.json", {}, SIGNED_IN),
    ("accounts.delete", "get", "/de/accounts/profile/delete/", {}, SIGNED_IN),
]

#: Named URLs the table leaves out, with the reason (every other one must be in the table).
NOT_IN_TABLE = {
    "accounts:register": "signing up: for everybody, tested in tests/accounts",
    "accounts:confirm": "a mailed one-time link, tested in tests/accounts",
    "accounts:logout": "signing out: for everybody, tested in tests/accounts",
    "accounts:password_reset": "for everybody, tested in tests/accounts",
    "accounts:password_reset_done": "for everybody, tested in tests/accounts",
    "accounts:password_reset_confirm": "a mailed one-time link, tested in tests/accounts",
    "accounts:password_reset_complete": "for everybody, tested in tests/accounts",
}


def _people() -> dict[str, Any]:
    from nahraum.region.models import Municipality

    lemgo = Municipality.objects.get(name="Ahausen")
    kalletal = Municipality.objects.get(name="Bedorf")
    return {
        "anonymous": None,
        "citizen": UserFactory(username="clara"),
        "moderator": UserFactory(username="moritz", moderator=True),
        "lemgo_staff": UserFactory(username="lena", staff=True, municipality=lemgo),
        "kalletal_staff": UserFactory(username="kai", staff=True, municipality=kalletal),
        "project_office": UserFactory(username="olga", office=True),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
    }


def _participation(lemgo, health, author) -> dict[str, int]:
    from nahraum.participation import models as pm

    soon = timezone.now() + dt.timedelta(days=7)

    def workshop(municipality):
        return pm.Workshop.objects.create(
            title="Gesundheit",
            field=health,
            starts_at=soon,
            municipality=municipality,
            place="Rathaus",
            capacity=5,
        )

    def survey(closes_in_days: int):
        return pm.Survey.objects.create(
            title="Umfrage",
            municipality=lemgo,
            opens_at=timezone.now() - dt.timedelta(days=30),
            closes_at=timezone.now() + dt.timedelta(days=closes_in_days),
        )

    idea = pm.Idea.objects.create(
        author=author, title="Bank am Markt", text="Eine Bank.", field=health, municipality=lemgo
    )
    hidden = pm.Idea.objects.create(
        author=author, title="Werbung", text="…", field=health, municipality=lemgo, is_hidden=True
    )
    comment = pm.Comment.objects.create(idea=idea, author=author, text="Gute Idee")
    report = pm.AbuseReport.objects.create(reporter=author, idea=idea, reason="Zu laut")
    group = pm.SocietalGroup.objects.create(name="Seniorenrat", kind="seniors", municipality=lemgo)
    group_joint = pm.SocietalGroup.objects.create(name="Netzwerk", kind="club")
    contact = pm.Contact.objects.create(group=group, name="Frau Lind")
    ws = workshop(lemgo)
    invitation = pm.Invitation.objects.create(workshop=ws, group=group, channel="email")
    pm.Registration.objects.create(workshop=ws, user=author)
    past = pm.Workshop.objects.create(
        title="Rückblick",
        field=health,
        municipality=lemgo,
        starts_at=timezone.now() - dt.timedelta(days=30),
        place="Rathaus",
        capacity=5,
    )
    result = pm.WorkshopResult.objects.create(workshop=past, needs="Wege sind weit.")
    proposal = pm.ProposedMeasure.objects.create(
        result=result, title="Arztbus", field=health, municipality=lemgo
    )
    return {
        "idea": idea.pk,
        "hidden_idea": hidden.pk,
        "comment": comment.pk,
        "report": report.pk,
        "group": group.pk,
        "group_joint": group_joint.pk,
        "contact": contact.pk,
        "workshop": ws.pk,
        "workshop_joint": workshop(None).pk,
        "invitation": invitation.pk,
        "survey": survey(10).pk,
        "survey_closed": survey(-1).pk,
        "survey_planned": pm.Survey.objects.create(
            title="Entwurf",
            municipality=lemgo,
            opens_at=timezone.now() + dt.timedelta(days=3),
            closes_at=timezone.now() + dt.timedelta(days=10),
        ).pk,
        "proposal": proposal.pk,
    }


def _rendered_reports(settings, tmp_path) -> str:
    """A finished PDF job of the whole report and of the health field (German), with a file in
    a MEDIA_ROOT of the test's own, as an earlier visitor would have left them: the PDF rows
    then render nothing (seconds each). Returns the whole report's job id."""
    from django.utils import translation

    from nahraum.jobs.models import Job
    from nahraum.jobs.services import params_key
    from nahraum.strategy.jobs import REPORT_PDF
    from nahraum.strategy.reports import current_version, pdf_path

    settings.MEDIA_ROOT = tmp_path / "media"
    ids = []
    with translation.override("de"):
        for field in (None, "health"):
            params = {"field": field, "language": "de", "version": current_version(field)}
            job = Job.objects.create(
                kind=REPORT_PDF,
                params=params,
                params_key=params_key(params),
                state=Job.State.DONE,
                finished_at=timezone.now(),
            )
            path = pdf_path(job.pk)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF-1.4\n%%EOF\n")
            ids.append(str(job.pk))
    return ids[0]


@pytest.fixture
def world(tiny_region, settings, tmp_path) -> dict[str, Any]:
    """The seven people and one object of each kind per owner, as ``{name: pk}`` for the URLs."""
    from nahraum.jobs.models import Job
    from nahraum.region.models import InnovationField, Municipality
    from nahraum.scenarios.models import Scenario
    from nahraum.strategy.models import Goal, Measure, Project

    people = _people()
    lemgo = Municipality.objects.get(name="Ahausen")
    kalletal = Municipality.objects.get(name="Bedorf")
    health = InnovationField.objects.get(key="health")
    goal = Goal.objects.create(field=health, key="gp-reach", title="Hausärzte erreichbar")
    measure = Measure.objects.create(goal=goal, title="Dorfpraxis", municipality=lemgo)

    def scenario(municipality) -> int:
        return Scenario.objects.create(
            region=tiny_region, name="Szenario", municipality=municipality
        ).pk

    return {
        "people": people,
        "sc_lemgo": scenario(lemgo),
        "sc_kalletal": scenario(kalletal),
        "sc_joint": scenario(None),
        "measure": measure.pk,
        "measure_joint": Measure.objects.create(goal=goal, title="Netzwerk").pk,
        "project": Project.objects.create(
            measure=measure, title="Praxisräume", municipality=lemgo
        ).pk,
        "job": Job.objects.create(
            kind="jobs.sleep", params_key="-", created_by=people["citizen"]
        ).pk,
        **_participation(lemgo, health, people["citizen"]),
        "report_job": _rendered_reports(settings, tmp_path),
    }


def _cells():
    for action, method, url, data, answers in TABLE:
        assert len(answers) == len(ROLES), action
        for role, expected in zip(ROLES, answers, strict=True):
            yield pytest.param(method, url, data, role, expected, id=f"{action}-{role}")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "data", "role", "expected"), list(_cells()))
def test_role_may_or_may_not(client, world, method, url, data, role, expected):
    person = world["people"][role]
    if person is not None:
        client.force_login(person)
    path = url.format(**world)
    response = client.post(path, data) if method == "post" else client.get(path, data)
    location = response.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in location, (
            f"{role} {method.upper()} {path}: expected the login page, got "
            f"{response.status_code} {location}"
        )
    else:
        got = response.status_code
        assert got == expected, f"{role} {method.upper()} {path}: expected {expected}, got {got}"
        if got == 302:
            assert "/accounts/login/" not in location, f"{role} {path}: sent to the login"


def _named_urls(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_table_covers_every_page_of_every_app():
    """Each named URL of the apps is a row of the table, or left out above with a reason."""
    from django.urls import resolve

    apps = {
        "region",
        "analysis",
        "transit",
        "scenarios",
        "participation",
        "strategy",
        "accounts",
        "jobs",
    }
    names = {n for n in _named_urls(get_resolver()) if n.split(":")[0] in apps}
    placeholder = {
        "{" + k + "}": "1"
        for k in (
            "sc_lemgo",
            "sc_kalletal",
            "sc_joint",
            "idea",
            "hidden_idea",
            "comment",
            "report",
            "group",
            "group_joint",
            "contact",
            "workshop",
            "workshop_joint",
            "invitation",
            "survey",
            "survey_closed",
            "survey_planned",
            "proposal",
            "measure",
            "measure_joint",
            "project",
        )
    }
    placeholder["{job}"] = "00000000-0000-4000-8000-000000000001"  # job pages take a UUID
    placeholder["{report_job}"] = placeholder["{job}"]
    covered = set()
    for _action, _method, url, _data, _answers in TABLE:
        for key, value in placeholder.items():
            url = url.replace(key, value)
        covered.add(resolve(url).view_name)
    missing = names - covered - set(NOT_IN_TABLE)
    assert not missing, f"pages without a row in the role × action table: {sorted(missing)}"
    assert not set(NOT_IN_TABLE) - names, "NOT_IN_TABLE names a page that no longer exists"


def _scenario_rows(pk: int) -> tuple:
    """Everything a request could change about scenario ``pk``: the scenario row, its changes,
    its runs and the run jobs asked for."""
    from nahraum.jobs.models import Job
    from nahraum.scenarios.models import FacilityChange, Scenario, ScenarioRun

    return (
        list(Scenario.objects.filter(pk=pk).values()),
        list(FacilityChange.objects.filter(scenario_id=pk).values()),
        ScenarioRun.objects.filter(scenario_id=pk).count(),
        Job.objects.filter(kind="scenarios.run").count(),
    )


@pytest.mark.django_db
def test_other_municipality_changes_nothing_in_a_scenario(client, world):
    """Issue 12, item 5 (fixed in 213d90c): Kalletal's staff, sending *valid* requests, are
    refused every change, removal, run and delete of Lemgo's scenario, and no row changes; the
    very same requests from Lemgo's staff do change it (so they were refused for who sent them,
    not for what they held). The rows above check the answers; this checks the database."""
    from nahraum.region.models import Facility
    from nahraum.scenarios.models import FacilityChange, Scenario

    pk = world["sc_lemgo"]
    facility = Facility.objects.filter(municipality__name="Ahausen").first()
    change = FacilityChange.objects.create(scenario_id=pk, action="close", facility=facility)
    base = f"{SC}/{pk}"
    add = {"form": "facility", "facility-action": "close", "facility-facility": facility.pk}
    requests = [
        (f"{base}/", add),
        (f"{base}/remove/facility/{change.pk}/", {}),
        (f"{base}/run/", {"modes": ["walk"]}),
        (f"{base}/delete/", {}),
    ]
    before = _scenario_rows(pk)
    client.force_login(world["people"]["kalletal_staff"])
    for url, data in requests:
        assert client.post(url, data).status_code == 403, url
    assert _scenario_rows(pk) == before
    client.force_login(world["people"]["lemgo_staff"])
    assert client.post(*requests[0]).status_code == 302
    assert FacilityChange.objects.filter(scenario_id=pk).count() == 2
    assert client.post(*requests[1]).status_code == 302
    assert not FacilityChange.objects.filter(pk=change.pk).exists()
    FacilityChange.objects.filter(scenario_id=pk).delete()
    assert client.post(*requests[3]).status_code == 302
    assert not Scenario.objects.filter(pk=pk).exists()
