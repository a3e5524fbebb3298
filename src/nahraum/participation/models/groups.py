"""Outreach: the groups the office wants to reach, their contacts and what was done to reach them.

Coverage per kind of group, Ortsteil and field is computed from these (see ``coverage``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahraum.region.fields import innovation_field_fk, municipality_fk

from .common import REASON_MAX, TEXT_MAX, TITLE_MAX, owned_via


class SocietalGroup(models.Model):
    """A group the office wants to reach: a club, an association, seniors, youth, a school, …"""

    class Kind(models.TextChoices):
        CLUB = "club", _("club")
        ASSOCIATION = "association", _("association")
        SENIORS = "seniors", _("seniors")
        YOUTH = "youth", _("youth")
        SCHOOL = "school", _("school")
        BUSINESS = "business", _("business")
        CHURCH = "church", _("church")
        SOCIAL = "social", _("social services")
        FAMILIES = "families", _("families")
        CULTURE = "culture", _("culture")
        VILLAGE = "village", _("village community")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=TITLE_MAX)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    municipality = municipality_fk(
        "societal_groups",
        help_text=_("Empty: active in the whole region (looked after by the project office)."),
    )
    district = models.ForeignKey(
        "region.District",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="societal_groups",
        verbose_name=_("Ortsteil"),
    )
    fields = models.ManyToManyField(
        "region.InnovationField",
        blank=True,
        related_name="societal_groups",
        verbose_name=_("innovation fields of interest"),
    )
    members_estimate = models.PositiveIntegerField(_("members (estimate)"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=TEXT_MAX, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("societal group")
        verbose_name_plural = _("societal groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("participation:group_detail", args=[self.pk])

    def clean(self) -> None:
        if (
            self.district_id
            and self.municipality_id
            and (self.district.municipality_id != self.municipality_id)
        ):
            raise ValidationError({"district": _("This Ortsteil lies in another municipality.")})


class Contact(models.Model):
    """A contact person of a group: only what is needed to reach them, and their consent."""

    group = models.ForeignKey(SocietalGroup, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=TITLE_MAX)
    role = models.CharField(_("role in the group"), max_length=TITLE_MAX, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    consent_given = models.BooleanField(
        _("consent to be contacted recorded"),
        default=False,
        help_text=_(
            "Personal data of contacts is kept only with their consent (Art. 6 (1) a GDPR)."
        ),
    )
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    consent_note = models.CharField(_("how consent was given"), max_length=TITLE_MAX, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_given=False) | models.Q(consent_date__isnull=False),
                name="contact_consent_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.name

    municipality = owned_via("group", "municipality")
    municipality_id = owned_via("group", "municipality_id")


class OutreachAction(models.Model):
    """One entry of the outreach log: a group was contacted, answered or took part."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        PHONE = "phone", _("phone")
        LETTER = "letter", _("letter")
        VISIT = "visit", _("visit")
        EVENT = "event", _("event")
        PRESS = "press", _("press / social media")
        OTHER = "other", _("other")

    class Outcome(models.TextChoices):
        CONTACTED = "contacted", _("contacted")
        ANSWERED = "answered", _("answered")
        TOOK_PART = "took_part", _("took part")

    group = models.ForeignKey(SocietalGroup, on_delete=models.CASCADE, related_name="outreach")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="outreach"
    )
    field = innovation_field_fk("+", on_delete=models.SET_NULL, null=True, blank=True)
    workshop = models.ForeignKey(
        "Workshop", on_delete=models.SET_NULL, null=True, blank=True, related_name="outreach"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    date = models.DateField(_("date"), default=timezone.localdate)
    note = models.TextField(_("note"), max_length=REASON_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outreach action")
        verbose_name_plural = _("outreach log")
        ordering = ["-date", "-created_at"]

    def __str__(self) -> str:
        return f"{self.group} · {self.get_outcome_display()} · {self.date}"

    municipality_id = owned_via("group", "municipality_id")
    municipality = owned_via("group", "municipality")
