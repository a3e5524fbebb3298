"""Illustrative participation content for ``nahraum demo``: accounts for every role, societal
groups with an outreach log, a past workshop with its result, a coming workshop, ideas, supports
and an open survey.

Everything here is made up to show the platform working. It is marked as such: example accounts
carry ``is_example`` (pages that count them say the figures are illustrative), and every title
ends in “(Beispiel)”. The step is idempotent: it does nothing when the demo accounts exist.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

EXAMPLE = " (Beispiel)"
#: Password of the demo accounts; printed by ``nahraum demo``. Never use the demo in production.
DEMO_PASSWORD = os.environ.get("NAHRAUM_DEMO_PASSWORD", "nahraum-demo-2026")

ROLE_ACCOUNTS = [
    ("demo-buergerin", "citizen", None),
    ("demo-moderation", "moderator", None),
    ("demo-lemgo", "staff", "Lemgo"),
    ("demo-kalletal", "staff", "Kalletal"),
    ("demo-projektbuero", "office", None),
]

GROUPS = [
    ("Seniorenbeirat Lemgo", "seniors", "Lemgo", None, ["health", "mobility"], "took_part"),
    (
        "Landfrauen Kalletal",
        "association",
        "Kalletal",
        "Varenholz",
        ["retail", "health"],
        "answered",
    ),
    ("Jugendfeuerwehr Hohenhausen", "youth", "Kalletal", "Hohenhausen", ["mobility"], "contacted"),
    ("Grundschule Brake", "school", "Lemgo", "Brake", ["education"], "took_part"),
    ("Werbegemeinschaft Lemgo", "business", "Lemgo", "Kernstadt Lemgo", ["retail"], "answered"),
    (
        "Ev. Kirchengemeinde Langenholzhausen",
        "church",
        "Kalletal",
        "Langenholzhausen",
        ["health"],
        None,
    ),
    (
        "Heimatverein Lüdenhausen",
        "village",
        "Kalletal",
        "Lüdenhausen",
        ["housing", "environment"],
        None,
    ),
    ("TuS Lieme", "club", "Lemgo", "Lieme", ["health", "environment"], "contacted"),
]

IDEAS = [
    ("Mitfahrbank am Dorfplatz", "mobility", "Talle", "Eine Bank, an der man mitgenommen wird."),
    (
        "Rufbus auch am Wochenende",
        "mobility",
        "Varenholz",
        "Der kleine Kalle sollte samstags fahren.",
    ),
    (
        "Dorfladen mit Café",
        "retail",
        "Lüdenhausen",
        "Ein kleiner Laden, von Ehrenamtlichen getragen.",
    ),
    ("Gemeindeschwester für ältere Menschen", "health", "Kalldorf", "Hausbesuche in den Dörfern."),
    (
        "Sichere Radwege zur Schule",
        "education",
        "Brake",
        "Die Kinder fahren an der Straße ohne Radweg.",
    ),
    (
        "Videosprechstunde im Bürgerhaus",
        "health",
        "Hohenhausen",
        "Mit Hilfe vor Ort zum Arzt per Video.",
    ),
]


def _people(User, districts: list, rng: random.Random) -> list:
    """120 example participants, skewed as real participation often is: few of the oldest."""
    weights = {"18-29": 4, "30-49": 12, "50-64": 12, "65-74": 6, "75+": 1, "10-17": 2}
    bands = [b for b, n in weights.items() for _ in range(n)]
    people = []
    for i in range(120):
        # Where people live, weighted by population, with the oldest villagers rarely reached.
        district = (
            rng.choices(districts, weights=[d.population for d in districts])[0]
            if rng.random() < 0.8
            else None
        )
        band = rng.choice(bands)
        while band == "75+" and district is not None and district.kind == "village":
            band = rng.choice(bands)  # the very old in the villages are the hardest to reach
        people.append(
            User(
                username=f"beispiel-{i:02d}",
                email=f"beispiel-{i:02d}@example.org",
                is_example=True,
                demographics_consent=rng.random() < 0.85,
                age_band=rng.choice(bands),
                district=district,
            )
        )
    for person in people:
        if not person.demographics_consent:
            person.age_band, person.district = "", None
        person.set_unusable_password()
    User.objects.bulk_create(people)
    return list(User.objects.filter(is_example=True).order_by("username"))


@transaction.atomic
def load_demo(echo: Callable[[str], object] = print) -> bool:
    """Create the demo content once. Returns False if it exists already or no region is loaded."""
    from nahraum.accounts.models import User
    from nahraum.region.models import District, InnovationField, Municipality

    from . import models as pm

    if User.objects.filter(username="demo-projektbuero").exists():
        return False
    municipalities = {m.name: m for m in Municipality.objects.all()}
    fields = {f.key: f for f in InnovationField.objects.all()}
    districts = {d.name: d for d in District.objects.select_related("municipality")}
    if not municipalities or not fields or not districts:
        echo("Beteiligung: keine Region geladen / participation demo skipped (no region).")
        return False
    rng = random.Random(2026)
    now = timezone.now()
    accounts = {}
    for username, role, municipality in ROLE_ACCOUNTS:
        user = User(
            username=username,
            email=f"{username}@example.org",
            role=role,
            municipality=municipalities.get(municipality) if municipality else None,
            is_example=True,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        accounts[role if role != "staff" else username] = user
    people = _people(User, list(districts.values()), rng)

    for name, kind, muni, district, keys, outcome in GROUPS:
        group = pm.SocietalGroup.objects.create(
            name=name + EXAMPLE,
            kind=kind,
            municipality=municipalities.get(muni),
            district=districts.get(district) if district else None,
        )
        group.fields.set([fields[k] for k in keys if k in fields])
        if outcome:
            pm.OutreachAction.objects.create(
                group=group,
                channel="email",
                outcome="contacted",
                field=fields.get(keys[0]),
                date=(now - timedelta(days=60)).date(),
                note="Einladung verschickt" + EXAMPLE,
            )
        if outcome in ("answered", "took_part"):
            pm.OutreachAction.objects.create(
                group=group,
                channel="phone",
                outcome=outcome,
                date=(now - timedelta(days=45)).date(),
            )

    health = fields.get("health") or next(iter(fields.values()))
    past = pm.Workshop.objects.create(
        title="Fokusgruppe Gesundheit" + EXAMPLE,
        field=health,
        municipality=None,
        description="Was brauchen ältere Menschen in den Dörfern, um gut versorgt zu sein?",
        starts_at=now - timedelta(days=30),
        place="Rathaus Hohenhausen",
        capacity=20,
        registration_open=False,
    )
    seniors = pm.SocietalGroup.objects.get(name="Seniorenbeirat Lemgo" + EXAMPLE)
    for i, person in enumerate(people[:12]):
        pm.Registration.objects.create(
            workshop=past,
            user=person,
            status="confirmed",
            attended=i < 10,
            group=seniors if i < 3 else None,
        )
    result = pm.WorkshopResult.objects.create(
        workshop=past,
        participants_count=10,
        needs="Wege zur Hausarztpraxis sind ohne Auto weit.\nApotheken liefern nicht überall.",
        ideas="Gemeindeschwester, Videosprechstunde, Arztbus",
        action_fields="Versorgung im Dorf\nMobilität zur Versorgung",
    )
    result.groups_present.set([seniors])
    for order, (title, action_field) in enumerate(
        [
            ("Gemeindeschwester für die Dörfer", "Versorgung im Dorf"),
            ("Videosprechstunde in Bürgerhäusern", "Versorgung im Dorf"),
        ]
    ):
        pm.ProposedMeasure.objects.create(
            result=result,
            title=title + EXAMPLE,
            field=health,
            action_field=action_field,
            order=order,
        )
    mobility = fields.get("mobility", health)
    upcoming = pm.Workshop.objects.create(
        title="Fokusgruppe Mobilität in Kalletal" + EXAMPLE,
        field=mobility,
        municipality=municipalities.get("Kalletal"),
        starts_at=now + timedelta(days=21),
        place="Dorfgemeinschaftshaus Varenholz",
        capacity=15,
    )
    pm.Invitation.objects.create(
        workshop=upcoming, group=pm.SocietalGroup.objects.get(name="Landfrauen Kalletal" + EXAMPLE)
    )
    for person in people[12:16]:
        pm.Registration.objects.create(workshop=upcoming, user=person, status="confirmed")

    for i, (title, key, district_name, text) in enumerate(IDEAS):
        district = districts.get(district_name)
        idea = pm.Idea.objects.create(
            author=people[16 + i],
            title=title + EXAMPLE,
            text=text,
            field=fields.get(key, health),
            district=district,
            municipality=district.municipality if district else None,
            lat=(district.centre_lat + rng.uniform(-0.002, 0.002)) if district else None,
            lon=(district.centre_lon + rng.uniform(-0.002, 0.002)) if district else None,
        )
        for person in rng.sample(people, rng.randint(1, 9)):
            pm.Support.objects.get_or_create(idea=idea, user=person)
        if i == 0:
            pm.Comment.objects.create(idea=idea, author=people[30], text="Gute Idee, bei uns auch!")

    survey = pm.Survey.objects.create(
        title="Wie erreichen Sie Ihre Hausarztpraxis?" + EXAMPLE,
        field=health,
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=60),
        description="Fünf Minuten für eine bessere Versorgung.",
    )
    q1 = pm.Question.objects.create(
        survey=survey, text="Womit fahren Sie meist?", kind="single", order=0
    )
    options = [
        pm.Choice.objects.create(question=q1, text=t, order=i)
        for i, t in enumerate(["Auto", "Bus oder Rufbus", "Rad", "zu Fuß", "Ich werde gebracht"])
    ]
    q2 = pm.Question.objects.create(
        survey=survey, text="Wie zufrieden sind Sie mit dem Weg?", kind="scale", order=1
    )
    pm.Question.objects.create(
        survey=survey, text="Was würde helfen?", kind="text", required=False, order=2
    )
    for person in people[20:60]:
        answer = pm.Answer.objects.create(survey=survey, respondent=person)
        item = pm.AnswerItem.objects.create(answer=answer, question=q1)
        item.choices.set([rng.choice(options)])
        pm.AnswerItem.objects.create(answer=answer, question=q2, scale=rng.randint(1, 5))
    echo(
        "Beteiligung (Beispiel, illustrativ) / participation demo: "
        f"{len(GROUPS)} Gruppen, 2 Workshops, {len(IDEAS)} Ideen, 1 Umfrage, "
        f"{len(people)} Beispielkonten. Anmelden / log in: "
        + ", ".join(u for u, _r, _m in ROLE_ACCOUNTS)
        + f" · Passwort / password: {DEMO_PASSWORD}"
    )
    return True


def demo_hook(echo: Callable[[str], object] = print) -> None:
    """`nahraum demo` step (see cli._DEMO_HOOKS)."""
    load_demo(echo=echo)
