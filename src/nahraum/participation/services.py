"""What happens when people take part: each step in one transaction, refused steps change nothing.

Views stay thin and call these; the rules here (waiting list order, one support, one survey
answer) are enforced by the database as well, so that two simultaneous requests cannot break them.
Every decision of the participation part lives here — who moves up, which reports a moderation
settles, who attended, what an invitation records in the outreach log — so that views, the CLI
and the demo content follow the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    AbuseReport,
    Answer,
    AnswerItem,
    Choice,
    Comment,
    Idea,
    Invitation,
    ModerationAction,
    OutreachAction,
    Question,
    Registration,
    Support,
    Survey,
    Workshop,
    WorkshopResult,
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


@transaction.atomic
def save_workshop(form: Any) -> Workshop:
    """Save a validated workshop form; places added to a full workshop go to the waiting list."""
    workshop = form.save()
    promote_waiting(workshop)
    return workshop


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
    action = ModerationAction.objects.create(
        moderator=moderator,
        action=ModerationAction.Action.HIDE if hide else ModerationAction.Action.RESTORE,
        reason=reason,
        **kwargs,
    )
    # Reports about the target are settled by the moderation: a moderator has looked at it.
    target.reports.filter(resolved_at=None).update(
        resolved_at=timezone.now(), resolved_by=moderator
    )
    return action


def dismiss_report(report_pk: int, moderator: Any) -> None:
    """Settle an open report without moderating (nothing wrong); settled ones stay as they are."""
    AbuseReport.objects.filter(pk=report_pk, resolved_at=None).update(
        resolved_at=timezone.now(), resolved_by=moderator
    )


def withdraw_support(idea: Idea, user: Any) -> bool:
    """Take back one's support; False if there was none."""
    deleted, _rows = idea.supports.filter(user=user).delete()
    return bool(deleted)


def add_comment(idea: Idea, comment: Comment, author: Any, parent_id: int | None) -> Comment:
    """Publish ``comment`` (unsaved) on ``idea``, as a reply to ``parent_id`` if given.

    The parent must be a comment of the same idea, and replies go one level deep (the model's
    ``clean``); a refused comment is not saved. Nobody writes under what moderation has hidden:
    a reply to a hidden comment (or any comment on a hidden idea) would carry the hidden
    conversation on in public under the placeholder.
    """
    if idea.is_hidden:
        raise Refused(_("This idea is hidden by moderation and cannot be commented on."))
    comment.idea = idea
    comment.author = author
    if parent_id:
        comment.parent = Comment.objects.filter(pk=parent_id, idea=idea).first()
        if comment.parent is None:
            raise Refused(_("The comment you answer does not exist."))
        if comment.parent.is_hidden:
            raise Refused(_("This comment is hidden by moderation and cannot be answered."))
    try:
        comment.full_clean()
    except ValidationError as exc:  # e.g. the one-level rule for replies
        raise Refused(" ".join(exc.messages)) from exc
    comment.save()
    return comment


def report_abuse(report: AbuseReport, reporter: Any, idea: Idea, comment: Comment | None) -> None:
    """File ``report`` (unsaved) about a comment of ``idea``, or about the idea itself."""
    report.reporter = reporter
    if comment is not None:
        report.comment = comment
    else:
        report.idea = idea
    report.save()


def answer_idea(idea: Idea, staff: Any) -> Idea:
    """Publish the status and answer set on ``idea`` (unsaved), recording who answered when."""
    idea.answered_at = timezone.now()
    idea.answered_by = staff
    idea.save()
    return idea


# --------------------------------------------------------------------------------------------
# Workshops: attendance, invitations, results


@transaction.atomic
def record_attendance(workshop: Workshop, present: Iterable[int]) -> None:
    """Mark who attended: every registration not cancelled, present or not (by registration id).

    A waiting-list person who came anyway counts as attended; cancelled ones are left alone.
    """
    present = set(present)
    for reg in workshop.registrations.exclude(status=Registration.Status.CANCELLED):
        reg.attended = reg.pk in present
        reg.save(update_fields=["attended"])


@transaction.atomic
def record_invitation(invitation: Invitation, staff: Any) -> Invitation:
    """Save an invitation and log it as outreach ("contacted"), so coverage counts the group."""
    invitation.save()
    workshop = invitation.workshop
    OutreachAction.objects.create(
        group=invitation.group,
        contact=invitation.contact,
        workshop=workshop,
        field=workshop.field,
        channel=invitation.channel,
        outcome="contacted",
        recorded_by=staff,
        note=_("Invited to the workshop"),
    )
    return invitation


def mail_invitation(invitation: Invitation, url: str) -> bool:
    """Email the group's contact person, but only with recorded consent and an address.

    ``url`` is the workshop's absolute address for the mail. True if a mail was sent.
    """
    contact = invitation.contact
    if invitation.channel != "email" or contact is None or not contact.email:
        return False
    if not contact.consent_given:
        return False
    workshop = invitation.workshop
    body = render_to_string(
        "participation/email_invitation.txt",
        {"invitation": invitation, "workshop": workshop, "url": url},
    )
    send_mail(
        _("Invitation: %(title)s") % {"title": workshop.title},
        body,
        settings.DEFAULT_FROM_EMAIL,
        [contact.email],
    )
    return True


@transaction.atomic
def record_invitation_response(invitation: Invitation, response: str, staff: Any) -> None:
    """Store a group's answer; an acceptance is logged as outreach ("answered")."""
    if response not in Invitation.Response.values:
        raise Refused(_("Unknown answer."))
    invitation.response = response
    invitation.save(update_fields=["response"])
    if response == Invitation.Response.ACCEPTED:
        OutreachAction.objects.create(
            group=invitation.group,
            workshop=invitation.workshop,
            field=invitation.workshop.field,
            channel=invitation.channel,
            outcome="answered",
            recorded_by=staff,
        )


def result_for(workshop: Workshop) -> WorkshopResult:
    """The workshop's result, or a new one counting those who attended as participants."""
    return WorkshopResult.objects.filter(workshop=workshop).first() or WorkshopResult(
        workshop=workshop,
        participants_count=workshop.registrations.filter(attended=True).count(),
    )


@transaction.atomic
def record_result(form: Any, formset: Any, workshop: Workshop, staff: Any) -> WorkshopResult:
    """Save a validated result form and its proposed-measures formset, all or nothing.

    Proposed measures belong to the workshop's municipality (for the permission rules) and keep
    the order in which they were entered.
    """
    result = form.save(commit=False)
    result.recorded_by = staff
    result.save()
    form.save_m2m()
    formset.instance = result
    measures = formset.save(commit=False)
    for obj in formset.deleted_objects:
        obj.delete()
    for order, measure in enumerate(measures):
        measure.result = result
        measure.municipality_id = workshop.municipality_id
        measure.order = order
        measure.save()
    return result


# --------------------------------------------------------------------------------------------
# Surveys


@transaction.atomic
def add_question(survey: Survey, question: Question, options: list[str]) -> Question:
    """Append ``question`` (unsaved) with its options; refused once anybody has answered."""
    if survey.answers.exists():
        raise Refused(_("People have answered already; the questions cannot change."))
    question.survey = survey
    question.order = survey.questions.count()
    question.save()
    Choice.objects.bulk_create(
        Choice(question=question, text=text, order=i) for i, text in enumerate(options)
    )
    return question


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
