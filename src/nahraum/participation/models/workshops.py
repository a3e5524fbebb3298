"""Workshops: focus groups, who registered and was invited, and what they proposed.

The strategy app turns a ProposedMeasure into a measure draft and keeps the link on its side.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahraum.region.fields import innovation_field_fk, municipality_fk

from .common import RESULT_TEXT_MAX, TEXT_MAX, TITLE_MAX, owned_via
from .groups import Contact, OutreachAction, SocietalGroup


class Workshop(models.Model):
    """A focus-group workshop in one innovation field.

    ``municipality`` empty means a joint workshop of the cooperation, run by the project office.
    """

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    field = innovation_field_fk("workshops")
    municipality = municipality_fk(
        "workshops", help_text=_("Empty: a joint workshop of the cooperation (project office).")
    )
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=TITLE_MAX, blank=True)
    online_link = models.URLField(_("online link"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_open = models.BooleanField(_("registration open"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="workshop_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:workshop_detail", args=[self.pk])

    def clean(self) -> None:
        if not self.place and not self.online_link:
            raise ValidationError(_("Give a place or an online link."))
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must lie after the start.")})

    @property
    def confirmed_count(self) -> int:
        return self.registrations.filter(status=Registration.Status.CONFIRMED).count()

    @property
    def free_places(self) -> int:
        return max(0, self.capacity - self.confirmed_count)


class Registration(models.Model):
    """A person's registration for a workshop: confirmed, on the waiting list or cancelled.

    One row per person and workshop (DB constraint); cancelling and registering again reuses it,
    so the waiting-list order (``queued_at``) is always the latest registration time.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("waiting list")
        CANCELLED = "cancelled", _("cancelled")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    group = models.ForeignKey(
        SocietalGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("taking part for group"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    queued_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_registration_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.workshop} · {self.user} · {self.get_status_display()}"

    municipality_id = owned_via("workshop", "municipality_id")


class Invitation(models.Model):
    """A societal group invited to a workshop, and its answer."""

    class Response(models.TextChoices):
        PENDING = "pending", _("no answer yet")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="invitations")
    group = models.ForeignKey(SocietalGroup, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations"
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=OutreachAction.Channel.choices, default="email"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    response = models.CharField(
        _("answer"), max_length=10, choices=Response.choices, default=Response.PENDING
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["group__name"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "group"], name="one_invitation_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.workshop} → {self.group}"

    municipality_id = owned_via("workshop", "municipality_id")


class WorkshopResult(models.Model):
    """The structured result of a workshop: needs, ideas, proposed action fields, who took part."""

    workshop = models.OneToOneField(Workshop, on_delete=models.CASCADE, related_name="result")
    needs = models.TextField(_("needs"), max_length=RESULT_TEXT_MAX)
    ideas = models.TextField(_("ideas"), max_length=RESULT_TEXT_MAX, blank=True)
    action_fields = models.TextField(
        _("proposed action fields"),
        max_length=RESULT_TEXT_MAX,
        blank=True,
        help_text=_("One action field (Handlungsfeld) per line."),
    )
    groups_present = models.ManyToManyField(
        SocietalGroup, blank=True, related_name="workshop_results", verbose_name=_("groups present")
    )
    participants_count = models.PositiveIntegerField(_("number of participants"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("workshop result")
        verbose_name_plural = _("workshop results")

    def __str__(self) -> str:
        return str(self.workshop)

    def get_absolute_url(self) -> str:
        return self.workshop.get_absolute_url()

    municipality_id = owned_via("workshop", "municipality_id")
    municipality = owned_via("workshop", "municipality")

    @property
    def action_field_list(self) -> list[str]:
        return [line.strip() for line in self.action_fields.splitlines() if line.strip()]


class ProposedMeasure(models.Model):
    """A measure a workshop proposed. The strategy app makes a measure draft from it.

    Everything a draft needs is here (title, description, field, municipality, action field,
    origin); the strategy app keeps the foreign key to this row on its side, so participation
    never imports strategy (arrows run one way).
    """

    result = models.ForeignKey(
        WorkshopResult, on_delete=models.CASCADE, related_name="proposed_measures"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    field = innovation_field_fk("proposed_measures")
    municipality = municipality_fk(
        "proposed_measures", help_text=_("Empty: joint (project office).")
    )
    action_field = models.CharField(_("action field"), max_length=TITLE_MAX, blank=True)
    ideas = models.ManyToManyField(
        "Idea", blank=True, related_name="proposed_measures", verbose_name=_("based on ideas")
    )
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("proposed measure")
        verbose_name_plural = _("proposed measures")
        ordering = ["result", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.result.workshop.get_absolute_url()}#proposed-{self.pk}"

    @property
    def workshop(self) -> Workshop:
        return self.result.workshop
