"""Permissions of the participation part, as django-rules predicates (see accounts.rules).

``ACTIONS`` lists every action with its predicate, so that views, templates and the
table-driven permission test all read the same rules. Object-level actions take the object
(idea, workshop, survey, group); ownership follows the municipality (joint = project office).
"""

from __future__ import annotations

import rules

from nahraum.accounts.rules import (
    can_change_object,
    is_citizen,
    is_moderator,
    is_staff,
)


@rules.predicate
def survey_is_open(user, survey) -> bool:
    return survey is not None and survey.is_open


@rules.predicate
def survey_has_opened(user, survey) -> bool:
    """Open or closed: a survey whose opening date has passed is public (planned ones are not)."""
    from django.utils import timezone

    return survey is not None and survey.opens_at <= timezone.now()


@rules.predicate
def survey_results_public(user, survey) -> bool:
    from django.utils import timezone

    return survey is not None and survey.closes_at <= timezone.now()


@rules.predicate
def workshop_open_for_registration(user, workshop) -> bool:
    from django.utils import timezone

    return (
        workshop is not None and workshop.registration_open and workshop.starts_at > timezone.now()
    )


ACTIONS: dict[str, rules.Predicate] = {
    # Citizens take part (every signed-in, active person)
    "participation.add_idea": is_citizen,
    "participation.comment_idea": is_citizen,
    "participation.support_idea": is_citizen,
    "participation.report_abuse": is_citizen,
    "participation.register_workshop": is_citizen & workshop_open_for_registration,
    "participation.answer_survey": is_citizen & survey_is_open,
    # Moderators look after what people write
    "participation.moderate": is_moderator,
    # Staff plan: view across municipalities, change only their own (joint: project office)
    "participation.view_groups": is_staff,
    "participation.add_group": is_staff,
    "participation.change_group": can_change_object,
    "participation.add_workshop": is_staff,
    "participation.change_workshop": can_change_object,
    "participation.record_result": can_change_object,
    "participation.answer_idea": can_change_object,
    "participation.add_survey": is_staff,
    # A planned survey (not open yet) is a draft: its title, text and dates are shown only to
    # those who may make surveys (staff of both municipalities and the project office, as in the
    # list's "planned" group), like an unpublished process in Decidim or CONSUL. Everybody else
    # gets a 404 on each of its pages, as for a survey that does not exist.
    "participation.view_planned_surveys": is_staff,
    "participation.view_survey": survey_has_opened | is_staff,
    "participation.change_survey": can_change_object,
    "participation.view_survey_results": can_change_object | survey_results_public,
    "participation.export_survey": can_change_object,
    "participation.view_coverage": is_staff,
}

for _name, _predicate in ACTIONS.items():
    rules.add_perm(_name, _predicate)
