"""People who use nahraum and the role each plays.

Roles follow the cooperation's organisation: citizens take part; moderators look after what
citizens write; staff of one town hall act for their municipality only; the joint project office
acts for both and owns the joint objects.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Role(models.TextChoices):
        CITIZEN = "citizen", _("citizen")
        MODERATOR = "moderator", _("moderator")
        STAFF = "staff", _("staff of a municipality")
        PROJECT_OFFICE = "office", _("project office")

    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CITIZEN)
    municipality = models.ForeignKey(
        "region.Municipality",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("For staff: the municipality they act for."),
    )
    # Optional demographics, used only in aggregate (representativeness), and only with consent.
    demographics_consent = models.BooleanField(
        _("consent to use my age band and Ortsteil"), default=False
    )
    age_band = models.CharField(_("age band"), max_length=10, blank=True)
    district = models.ForeignKey(
        "region.District", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Accounts made up for the demo (``nahraum demo``): figures that count them are illustrative
    # and are marked so wherever they are shown.
    is_example = models.BooleanField(_("illustrative example account"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_project_office(self) -> bool:
        return self.role == self.Role.PROJECT_OFFICE or self.is_superuser

    @property
    def is_municipal_staff(self) -> bool:
        return self.role == self.Role.STAFF and self.municipality_id is not None
