"""Ideas, their comments and supports, and the moderation of what citizens write."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nahraum.region.fields import innovation_field_fk, municipality_fk

from .common import COMMENT_MAX, REASON_MAX, TEXT_MAX, TITLE_MAX


class Idea(models.Model):
    """A citizen's idea: title, text, innovation field, Ortsteil and an optional map point."""

    class Status(models.TextChoices):
        NEW = "new", _("new")
        REVIEW = "review", _("in review")
        ACCEPTED = "accepted", _("taken into a measure")
        REJECTED = "rejected", _("not pursued")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    field = innovation_field_fk("ideas")
    municipality = municipality_fk("ideas")
    district = models.ForeignKey(
        "region.District",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
        verbose_name=_("Ortsteil"),
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    public_answer = models.TextField(_("public answer"), max_length=TEXT_MAX, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "field"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(lat__isnull=True) & models.Q(lon__isnull=True))
                | (
                    models.Q(lat__isnull=False, lon__isnull=False)
                    & models.Q(lat__gte=-90, lat__lte=90)
                    & models.Q(lon__gte=-180, lon__lte=180)
                ),
                name="idea_point_complete_and_valid",
            )
        ]

    #: The status workflow: new → in review → taken into a measure / not pursued. A decision can
    #: be reopened (back to review); an unchanged status is always allowed (to edit the answer).
    TRANSITIONS: dict[str, set[str]] = {
        "new": {"new", "review"},
        "review": {"review", "accepted", "rejected"},
        "accepted": {"accepted", "review"},
        "rejected": {"rejected", "review"},
    }

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:idea_detail", args=[self.pk])


class Comment(models.Model):
    """A comment on an idea; replies go one level deep (a reply cannot be answered again)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    text = models.TextField(_("comment"), max_length=COMMENT_MAX)
    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    def get_absolute_url(self) -> str:
        return f"{self.idea.get_absolute_url()}#comment-{self.pk}"

    def clean(self) -> None:
        if self.parent_id is not None:
            if self.parent.parent_id is not None:
                raise ValidationError(_("Replies go one level deep; answer the first comment."))
            if self.parent.idea_id != self.idea_id:
                raise ValidationError(_("The reply belongs to another idea."))


class Support(models.Model):
    """One person's support for an idea. At most one per person and idea (DB constraint)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supports",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["idea", "user"], name="one_support_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.idea}"


class AbuseReport(models.Model):
    """Someone reports an idea or a comment as abusive; moderators look at open reports."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("abuse report")
        verbose_name_plural = _("abuse reports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(idea__isnull=False) & models.Q(comment__isnull=True))
                | (models.Q(idea__isnull=True) & models.Q(comment__isnull=False)),
                name="report_targets_idea_xor_comment",
            )
        ]

    def __str__(self) -> str:
        return f"{_('report')} #{self.pk}"

    @property
    def target(self) -> Idea | Comment:
        return self.idea if self.idea_id else self.comment


class ModerationAction(models.Model):
    """A moderator hid or restored an idea or comment, with the reason (kept as an audit log)."""

    class Action(models.TextChoices):
        HIDE = "hide", _("hidden")
        RESTORE = "restore", _("restored")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(idea__isnull=False) & models.Q(comment__isnull=True))
                | (models.Q(idea__isnull=True) & models.Q(comment__isnull=False)),
                name="moderation_targets_idea_xor_comment",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="moderation_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.reason[:60]}"
