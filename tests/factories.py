"""Factories (factory-boy) for the model objects many test areas need.

``UserFactory()`` makes a citizen; a trait gives another role of ``nahraum.accounts``:
``UserFactory(moderator=True)``, ``UserFactory(staff=True, municipality=ahausen)`` (staff act for
one municipality), ``UserFactory(office=True)`` (the joint project office). Any other field of the
model is a keyword: ``UserFactory(username="clara", demographics_consent=True, age_band="75+")``.
Every account has the password ``PASSWORD``, hashed with the hasher the test's settings name (areas
that import ``tests.fixtures.fast_passwords`` get a fast one).
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory, Password

from nahraum.accounts.models import User

PASSWORD = "Lindenblatt-2026!"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = Password(PASSWORD)
    role = User.Role.CITIZEN
    municipality = None

    class Params:
        moderator = factory.Trait(role=User.Role.MODERATOR)
        staff = factory.Trait(role=User.Role.STAFF)
        office = factory.Trait(role=User.Role.PROJECT_OFFICE)
