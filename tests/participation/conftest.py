"""Fixtures of the participation tests: one person per role and a few objects per municipality.

Ahausen (Lemgo-like) and Bedorf (Kalletal-like) come from the shared ``tiny_region``.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory  # noqa: F401

# Rate-limit counters (cache) and password hasher: the shared autouse fixtures.
from tests.fixtures import fast_passwords, fresh_cache  # noqa: F401


def make_user(username: str, role: str = "citizen", municipality=None, **extra):
    return UserFactory(username=username, role=role, municipality=municipality, **extra)


@pytest.fixture
def world(tiny_region):
    """People of every role, and workshops, ideas, groups and surveys owned by A, B and jointly."""
    from nahraum.participation import models as pm
    from nahraum.region.models import District, InnovationField, Municipality

    a = Municipality.objects.get(name="Ahausen")
    b = Municipality.objects.get(name="Bedorf")
    health = InnovationField.objects.get(key="health")
    a1 = District.objects.get(key="A1")
    b1 = District.objects.get(key="B1")
    people = {
        "citizen": make_user("clara"),
        "moderator": make_user("moritz", "moderator"),
        "staff_a": make_user("anna", "staff", a),
        "staff_b": make_user("bernd", "staff", b),
        "office": make_user("olga", "office"),
    }
    soon = timezone.now() + timedelta(days=7)

    def workshop(municipality, title):
        return pm.Workshop.objects.create(
            title=title,
            field=health,
            municipality=municipality,
            starts_at=soon,
            place="Rathaus",
            capacity=2,
        )

    def survey(municipality, title):
        s = pm.Survey.objects.create(
            title=title,
            municipality=municipality,
            opens_at=timezone.now() - timedelta(days=1),
            closes_at=timezone.now() + timedelta(days=10),
        )
        q = pm.Question.objects.create(survey=s, text="Wie zufrieden?", kind="scale")
        return SimpleNamespace(survey=s, question=q)

    idea_a = pm.Idea.objects.create(
        author=people["citizen"],
        title="Bank am Markt",
        text="Eine Bank.",
        field=health,
        municipality=a,
        district=a1,
    )
    idea_b = pm.Idea.objects.create(
        author=people["citizen"],
        title="Bus nach Bedorf",
        text="Öfter fahren.",
        field=health,
        municipality=b,
        district=b1,
    )
    comment = pm.Comment.objects.create(idea=idea_a, author=people["citizen"], text="Gute Idee")
    return SimpleNamespace(
        a=a,
        b=b,
        health=health,
        a1=a1,
        b1=b1,
        people=people,
        workshop_a=workshop(a, "Gesundheit Ahausen"),
        workshop_b=workshop(b, "Gesundheit Bedorf"),
        workshop_joint=workshop(None, "Gesundheit gemeinsam"),
        idea_a=idea_a,
        idea_b=idea_b,
        comment=comment,
        group_a=pm.SocietalGroup.objects.create(
            name="Seniorenrat Ahausen", kind="seniors", municipality=a
        ),
        group_b=pm.SocietalGroup.objects.create(
            name="Jugendtreff Bedorf", kind="youth", municipality=b
        ),
        survey_a=survey(a, "Umfrage Ahausen"),
    )


@pytest.fixture
def login(client):
    """Log a user in on the test client (``login(user)``); returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
