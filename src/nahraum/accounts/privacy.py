"""Self-service under the GDPR (DSGVO): what the platform holds about a person.

The accounts app cannot know every app's data, and must not import them (apps depend on accounts,
not the reverse). So each app registers a function that returns the person's data as plain JSON
values; :func:`personal_data` collects them for the download, and the account deletion relies on
foreign keys with ``SET_NULL`` so that contributions stay, anonymised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

Exporter = Callable[[Any], Any]
_EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str, exporter: Exporter) -> None:
    """Register ``exporter(user) -> JSON-able`` under ``name`` (one key of the download)."""
    _EXPORTERS[name] = exporter


def personal_data(user: Any) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as one JSON-able dict."""
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
            "municipality": user.municipality.name if user.municipality_id else None,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "demographics_consent": user.demographics_consent,
            "age_band": user.age_band or None,
            "district": user.district.name if user.district_id else None,
        },
    }
    for name, exporter in sorted(_EXPORTERS.items()):
        data[name] = exporter(user)
    return data


class StillResponsible(Exception):
    """The account is named as responsible for a planning object and cannot go yet."""


def erase_account(user: Any) -> None:
    """Art. 17 GDPR: delete ``user``, all or nothing; contributions stay without a name.

    Foreign keys from contributions are ``SET_NULL``; an account that other records must keep
    (``PROTECT``, e.g. the person responsible for a project) raises :class:`StillResponsible`
    and nothing is deleted, so that the project office can hand the object over first.
    """
    try:
        with transaction.atomic():
            user.delete()
    except ProtectedError as exc:
        raise StillResponsible(str(user)) from exc
