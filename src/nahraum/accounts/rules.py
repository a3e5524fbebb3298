"""Who may do what: django-rules predicates shared by the whole platform.

The cooperation's rule of ownership, in one place: staff of a municipality act for that
municipality only (Lemgo's staff cannot change Kalletal's objects and the reverse); objects with
no municipality (``municipality = None``) are joint and belong to the project office, which may
change everything. Moderators look after what citizens write; they own no planning objects.

An object tells its owner by a ``municipality_id`` attribute (a field or a property), or by a
``get_municipality_id()`` method when ownership is derived in a more involved way. Apps define
their permissions (``rules.add_perm``) in their own ``rules.py`` on top of these predicates, and
views ask through :mod:`nahraum.accounts.permissions`, templates through ``perms``/``has_perm``.
"""

from __future__ import annotations

from typing import Any

import rules

from .models import User

_MISSING = object()


def object_municipality_id(obj: Any) -> int | None:
    """Return the id of the municipality that owns ``obj`` (``None`` = joint object).

    Raises TypeError for objects that do not say who owns them, so that a forgotten ownership
    rule fails loudly instead of silently letting everybody (or nobody) in.
    """
    getter = getattr(obj, "get_municipality_id", None)
    if callable(getter):
        return getter()
    value = getattr(obj, "municipality_id", _MISSING)
    if value is _MISSING:
        raise TypeError(f"{type(obj).__name__} does not say which municipality owns it")
    return value


def _role(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


@rules.predicate
def is_citizen(user: Any) -> bool:
    """Any signed-in, active person may take part; every role can also act as a citizen."""
    return _role(user) is not None


@rules.predicate
def is_moderator(user: Any) -> bool:
    """Moderators, and the project office which carries final responsibility for the platform."""
    role = _role(user)
    return role == User.Role.MODERATOR or (role is not None and user.is_project_office)


@rules.predicate
def is_project_office(user: Any) -> bool:
    return _role(user) is not None and user.is_project_office


@rules.predicate
def is_municipal_staff(user: Any) -> bool:
    """Staff of one municipality (a staff account without a municipality acts for nobody)."""
    return _role(user) == User.Role.STAFF and user.municipality_id is not None


@rules.predicate
def is_staff(user: Any) -> bool:
    """Anyone who plans: municipal staff or the project office."""
    return is_municipal_staff(user) or is_project_office(user)


@rules.predicate
def is_staff_of_object_municipality(user: Any, obj: Any) -> bool:
    """Staff whose municipality owns ``obj``. Joint objects (no municipality) never match."""
    if obj is None or not is_municipal_staff(user):
        return False
    owner = object_municipality_id(obj)
    return owner is not None and owner == user.municipality_id


@rules.predicate
def is_author(user: Any, obj: Any) -> bool:
    """The person who wrote ``obj`` (``author`` field); anonymised objects have no author."""
    if obj is None or _role(user) is None:
        return False
    author_id = getattr(obj, "author_id", None)
    return author_id is not None and author_id == user.pk


#: Change a planning object: the project office everywhere, municipal staff for their own.
can_change_object = is_project_office | is_staff_of_object_municipality


def can_change(user: Any, obj: Any) -> bool:
    """May ``user`` change (edit, delete, record results for) ``obj``?

    Used by every app for objects owned by a municipality or jointly (``municipality=None``).
    """
    return bool(can_change_object.test(user, obj))


def can_create_for(user: Any, municipality_id: int | None) -> bool:
    """May ``user`` create a new object for ``municipality_id`` (``None`` = joint)?

    The same rule as :func:`can_change`, asked before the object exists.
    """
    if is_project_office(user):
        return True
    return (
        is_municipal_staff(user)
        and municipality_id is not None
        and municipality_id == user.municipality_id
    )


@rules.predicate
def may_use_admin(user: Any) -> bool:
    """Django's administration (``is_staff`` flag), for the project office's data care."""
    return _role(user) is not None and user.is_staff


#: The permissions of the accounts themselves, read by the views, templates and role × action test.
ACTIONS: dict[str, rules.Predicate] = {
    # everyone signed in sees, downloads and deletes their own data (GDPR Art. 15, 17, 20)
    "accounts.view_own_data": is_citizen,
    "accounts.delete_own_account": is_citizen,
    # the link to Django's administration in the page header
    "accounts.use_admin": may_use_admin,
}

for _name, _predicate in ACTIONS.items():
    rules.add_perm(_name, _predicate)
