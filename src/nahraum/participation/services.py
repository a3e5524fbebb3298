"""What happens when people take part: each step in one transaction, refused steps change nothing.

Views stay thin and call these; the rules here (waiting list order, one support, one survey
answer) are enforced by the database as well, so that two simultaneous requests cannot break them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Answer,
    AnswerItem,
    Comment,
    Idea,
    ModerationAction,
    Question,
    Registration,
    Support,
    Survey,
    Workshop,
)


class Refused(Exception):
    """A step that is not allowed in the current state; the message is shown to the person."""


@transaction.atomic
def register_for_workshop(workshop: Workshop, user: Any, group=None) -> Registration:
    """Register ``user``: confirmed while places are free, otherwise on the waiting list."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    existing = Registration.objects.filter(workshop=workshop, user=user).first()
    if existing and existing.status != Registration.Status.CANCELLED:
        raise Refused(_("You are registered for this workshop already."))
    confirmed = workshop.registrations.filter(status=Registration.Status.CONFIRMED).count()
    status = (
        Registration.Status.CONFIRMED
        if confirmed < workshop.capacity
        else Registration.Status.WAITING
    )
    registration = existing or Registration(workshop=workshop, user=user)
    registration.status = status
    registration.group = group
    registration.queued_at = timezone.now()
    registration.cancelled_at = None
    registration.attended = None
    registration.save()
    return registration


@transaction.atomic
def cancel_registration(registration: Registration) -> Registration | None:
    """Cancel; if a confirmed place becomes free, the first on the waiting list moves up.

    Returns the registration that moved up, if any.
    """
    Workshop.objects.select_for_update().get(pk=registration.workshop_id)
    registration.refresh_from_db()
    if registration.status == Registration.Status.CANCELLED:
        raise Refused(_("This registration is cancelled already."))
    freed = registration.status == Registration.Status.CONFIRMED
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    if not freed:
        return None
    return promote_waiting(registration.workshop)


def promote_waiting(workshop: Workshop) -> Registration | None:
    """Move the longest-waiting person up while places are free (call inside a transaction)."""
    promoted = None
    while workshop.confirmed_count < workshop.capacity:
        nxt = (
            workshop.registrations.filter(status=Registration.Status.WAITING)
            .order_by("queued_at", "pk")
            .first()
        )
        if nxt is None:
            break
        nxt.status = Registration.Status.CONFIRMED
        nxt.save(update_fields=["status"])
        promoted = promoted or nxt
    return promoted


def support_idea(idea: Idea, user: Any) -> Support:
    """One support per person and idea; a second one is refused (DB constraint as the backstop)."""
    if idea.is_hidden:
        raise Refused(_("This idea is hidden and cannot be supported."))
    if Support.objects.filter(idea=idea, user=user).exists():
        raise Refused(_("You support this idea already."))
    try:
        with transaction.atomic():
            return Support.objects.create(idea=idea, user=user)
    except IntegrityError as exc:
        raise Refused(_("You support this idea already.")) from exc


@transaction.atomic
def moderate(target: Idea | Comment, moderator: Any, hide: bool, reason: str) -> ModerationAction:
    """Hide or restore an idea or comment, with the reason kept in the moderation log."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Give a reason for the moderation."))
    if target.is_hidden == hide:
        raise Refused(_("It is hidden already.") if hide else _("It is visible already."))
    target.is_hidden = hide
    target.save(update_fields=["is_hidden"])
    kwargs = {"idea": target} if isinstance(target, Idea) else {"comment": target}
    return ModerationAction.objects.create(
        moderator=moderator,
        action=ModerationAction.Action.HIDE if hide else ModerationAction.Action.RESTORE,
        reason=reason,
        **kwargs,
    )


def submit_survey_answer(survey: Survey, user: Any, values: dict[int, Any]) -> Answer:
    """Store one person's answer to the whole survey, all questions or nothing.

    ``values`` maps question id to: a list of Choice ids (single/multiple choice), a text, or an
    int 1–5 (scale). Validation is repeated here (not only in the form) because this is where
    the data is written.
    """
    if not survey.is_open:
        raise Refused(_("This survey is not open."))
    if Answer.objects.filter(survey=survey, respondent=user).exists():
        raise Refused(_("You have answered this survey already."))
    questions = list(survey.questions.prefetch_related("choices"))
    try:
        with transaction.atomic():
            answer = Answer.objects.create(survey=survey, respondent=user)
            for question in questions:
                value = values.get(question.pk)
                if value in (None, "", []):
                    if question.required:
                        raise ValidationError(
                            _("Question “%(q)s” needs an answer.") % {"q": question.text}
                        )
                    continue
                item = AnswerItem(answer=answer, question=question)
                if question.kind == Question.Kind.TEXT:
                    item.text = str(value)
                elif question.kind == Question.Kind.SCALE:
                    item.scale = int(value)
                    if not 1 <= item.scale <= 5:
                        raise ValidationError(_("A scale answer lies between 1 and 5."))
                item.save()
                if question.has_choices:
                    ids = [int(v) for v in value]
                    if question.kind == Question.Kind.SINGLE and len(ids) != 1:
                        raise ValidationError(_("Choose one option."))
                    valid = set(question.choices.values_list("pk", flat=True))
                    if not set(ids) <= valid:
                        raise ValidationError(_("Unknown option."))
                    item.choices.set(ids)
            return answer
    except IntegrityError as exc:
        raise Refused(_("You have answered this survey already.")) from exc
