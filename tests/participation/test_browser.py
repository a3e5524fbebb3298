"""End to end in Debian's chromium: a citizen registers, confirms through the link in the mail
file, submits an idea with a point on the map, comments and supports; a moderator hides the
comment; staff create a workshop, a citizen registers, staff record attendance and the result
and carry the proposed measure into a measure draft of the strategy. axe-core checks the pages.
"""

from __future__ import annotations

import re

import pytest

from nahraum.participation import models as pm
from tests.conftest import axe_violations, browser_login

pytestmark = [pytest.mark.browser]


@pytest.fixture
def live(transactional_db, world, live_server):
    return live_server.url


def test_citizen_registers_submits_idea_comments_supports_and_moderator_hides(
    page, browser, live, live_server, world, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)

    # Register; the confirmation link arrives in the mail file.
    page.goto(f"{live}/de/accounts/register/")
    page.fill("#id_username", "greta")
    page.fill("#id_email", "greta@example.org")
    page.fill("#id_password1", "Wiesenweg-Lemgo-77")
    page.fill("#id_password2", "Wiesenweg-Lemgo-77")
    page.check("#id_accept_privacy")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Bitte prüfen Sie Ihre E-Mails")
    mails = list(tmp_path.iterdir())
    assert len(mails) == 1
    link = re.search(r"http://\S+/de/accounts/confirm/\S+/", mails[0].read_text()).group(0)
    page.goto(link)
    page.wait_for_selector("text=Ihre E-Mail-Adresse ist bestätigt")
    assert "/de/accounts/profile/" in page.url

    # Submit an idea with a point chosen on the map.
    page.goto(f"{live}/de/participation/ideas/new/")
    page.fill("#id_title", "Mitfahrbank in Adorf")
    page.fill("#id_text", "Eine Bank, an der Autofahrer Menschen zum Arzt mitnehmen.")
    page.select_option("#id_field", label="Gesundheit")
    page.wait_for_selector("#idea-map[data-ready=true]")
    page.click("#idea-map", position={"x": 640, "y": 210})
    assert page.input_value("#id_lat") != "" and page.input_value("#id_lon") != ""
    assert page.locator("#idea-map .idea-point").count() == 1
    page.click("#idea-form button[type=submit]")
    page.wait_for_url(re.compile(r"/de/participation/ideas/\d+/$"))
    idea = pm.Idea.objects.get(title="Mitfahrbank in Adorf")
    assert idea.author.username == "greta"
    assert idea.lat is not None and idea.district is not None
    page.wait_for_selector("#idea-point-map .nahraum-point")

    # Comment and support.
    page.fill("#comment-text-new", "Ich würde mitmachen!")
    page.click("#comments form.comment-form button[type=submit]")
    page.wait_for_selector("text=Ihr Kommentar ist veröffentlicht.")
    assert page.locator(".comment-text", has_text="Ich würde mitmachen!").count() == 1
    page.click("#support-button")
    page.wait_for_selector("text=Sie unterstützen diese Idee.")
    assert page.inner_text("#support-count") == "1"
    assert idea.supports.count() == 1
    assert page.console_errors == []

    # A moderator hides the comment, with a reason.
    comment = pm.Comment.objects.get(text="Ich würde mitmachen!")
    mod_context = browser.new_context(locale="de-DE")
    browser_login(mod_context, live_server.url, world.people["moderator"])
    mod = mod_context.new_page()
    mod.goto(f"{live}{idea.get_absolute_url()}")
    article = mod.locator(f"#comment-{comment.pk}")
    article.locator("details.moderate summary").click()
    mod.fill(f"#mod-reason-{comment.pk}", "Test der Moderation")
    article.locator("details.moderate button[type=submit]").click()
    mod.wait_for_selector("text=Ausgeblendet.")
    mod_context.close()
    assert pm.Comment.objects.get(pk=comment.pk).is_hidden
    assert pm.ModerationAction.objects.get().reason == "Test der Moderation"

    page.reload()
    assert page.locator(".comment-text", has_text="Ich würde mitmachen!").count() == 0
    assert "Dieser Kommentar wurde von der Moderation ausgeblendet." in page.inner_text("#comments")


def test_staff_workshop_registration_result_and_measure_draft(
    page, browser, live, live_server, world
):
    from nahraum.strategy.models import Goal, Measure

    Goal.objects.create(field=world.health, key="gp", title="Hausärztliche Versorgung sichern")
    browser_login(page.context, live_server.url, world.people["staff_a"])

    # Staff create a workshop.
    page.goto(f"{live}/de/participation/workshops/new/")
    page.fill("#id_title", "Fokusgruppe Gesundheit im Dorf")
    page.select_option("#id_field", label="Gesundheit")
    page.fill("#id_starts_at", "2030-05-04T18:00")
    page.fill("#id_place", "Dorfgemeinschaftshaus Adorf")
    page.fill("#id_capacity", "10")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/de/participation/workshops/\d+/$"))
    workshop = pm.Workshop.objects.get(title="Fokusgruppe Gesundheit im Dorf")
    assert workshop.municipality == world.a

    # A citizen registers for the workshop.
    citizen_context = browser.new_context(locale="de-DE")
    browser_login(citizen_context, live_server.url, world.people["citizen"])
    citizen = citizen_context.new_page()
    citizen.goto(f"{live}{workshop.get_absolute_url()}")
    citizen.select_option("#id_group", label="Seniorenrat Ahausen")
    citizen.click("#register-button")
    citizen.wait_for_selector("#my-registration")
    assert "Sie sind angemeldet" in citizen.inner_text("#my-registration")
    citizen_context.close()
    registration = workshop.registrations.get()

    # Staff record attendance, then the result with a proposed measure.
    page.reload()
    page.check(f"#att-{registration.pk}")
    page.click("text=Anwesenheit speichern")
    page.wait_for_selector("text=Die Anwesenheit ist gespeichert.")
    page.click("#record-result")
    assert page.input_value("#id_participants_count") == "1"
    page.fill("#id_needs", "Der Weg zur Hausarztpraxis ist ohne Auto weit.")
    page.fill("#id_action_fields", "Versorgung im Dorf")
    page.check("text=Seniorenrat Ahausen")
    page.fill("#id_measures-0-title", "Gemeindeschwester für die Dörfer")
    page.fill("#id_measures-0-action_field", "Versorgung im Dorf")
    page.click("#save-result")
    page.wait_for_selector("text=Das Ergebnis ist gespeichert.")
    proposed = pm.ProposedMeasure.objects.get()
    assert proposed.field == world.health and proposed.municipality == world.a
    assert "Seniorenrat Ahausen" in page.inner_text("#result")

    # The strategy part turns the proposed measure into a measure draft that keeps the link.
    page.click(f"#proposed-{proposed.pk} >> text=Zu einem Maßnahmenentwurf machen")
    page.select_option("#id_goal", label="Hausärztliche Versorgung sichern")
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/de/strategy/measures/\d+/$"))
    measure = Measure.objects.get()
    assert list(measure.proposed_measures.all()) == [proposed]
    page.goto(f"{live}{workshop.get_absolute_url()}")
    assert "Gemeindeschwester für die Dörfer" in page.inner_text(".strategy-outcomes")
    assert page.console_errors == []


def test_pages_have_no_serious_accessibility_problems(page, browser, live, live_server, world):
    """axe-core on the idea list, an idea, a workshop, a survey and the coverage dashboard."""
    idea = world.idea_a
    idea.lat, idea.lon = 52.0, 8.9
    idea.save()
    pm.Comment.objects.create(
        idea=idea, parent=world.comment, author=world.people["staff_a"], text="Antwort"
    )
    survey = world.survey_a.survey
    single = pm.Question.objects.create(survey=survey, text="Womit?", kind="single", order=1)
    multi = pm.Question.objects.create(survey=survey, text="Was fehlt?", kind="multiple", order=2)
    for q in (single, multi):
        pm.Choice.objects.create(question=q, text="eins")
        pm.Choice.objects.create(question=q, text="zwei")
    pm.Question.objects.create(
        survey=survey, text="Sonst noch?", kind="text", required=False, order=3
    )
    pm.OutreachAction.objects.create(group=world.group_a, channel="email", outcome="took_part")
    citizen = world.people["citizen"]
    citizen.demographics_consent, citizen.age_band, citizen.district = True, "30-49", world.a1
    citizen.save()

    pages = {
        "citizen": [
            "/de/participation/ideas/",
            idea.get_absolute_url(),
            world.workshop_a.get_absolute_url(),
            survey.get_absolute_url(),
            "/de/participation/ideas/new/",
            "/de/participation/",
        ],
        "office": [
            "/de/participation/workshops/new/",
            world.group_a.get_absolute_url(),
            "/de/participation/moderation/",
            f"/de/participation/workshops/{world.workshop_a.pk}/result/",
            idea.get_absolute_url(),
            world.workshop_a.get_absolute_url(),
            f"/de/participation/surveys/{survey.pk}/results/",
            "/de/participation/coverage/",
            "/en/participation/coverage/",
        ],
    }
    problems = {}
    for role, urls in pages.items():
        context = browser.new_context(locale="de-DE")
        browser_login(context, live_server.url, world.people[role])
        pg = context.new_page()
        errors = []
        pg.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        for url in urls:
            pg.goto(f"{live}{url}")
            pg.wait_for_load_state("networkidle")
            found = axe_violations(pg)
            if found:
                problems[f"{role} {url}"] = found
        assert errors == [], errors
        context.close()
    assert problems == {}, problems
    # The dashboard draws its map and charts, not only the tables.
    browser_login(page.context, live_server.url, world.people["office"])
    page.goto(f"{live}/de/participation/coverage/")
    page.wait_for_selector("#coverage-map[data-ready=true]")
    assert page.locator("#coverage-map .nahraum-area").count() == 3
    assert page.get_attribute("#age-chart", "data-ready") == "true"
