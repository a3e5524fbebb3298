"""People who use nahraum and the role each plays.

Roles follow the cooperation's organisation: citizens take part; moderators look after what
citizens write; staff of one town hall act for their municipality only; the joint project office
acts for both and owns the joint objects.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .usernames import skeleton


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
    # Set when the person confirmed their email address (or when staff created the account
    # active). Kept apart from ``is_active``: an unconfirmed registration and an account that
    # staff disabled are both inactive, but only the first may be activated by a mailed link.
    email_confirmed_at = models.DateTimeField(_("email address confirmed"), null=True, blank=True)
    # The UTS #39 skeleton of the username (see usernames.py): a new name whose skeleton an
    # existing account has is refused as a look-alike. Kept in a column so the check is a query.
    username_skeleton = models.CharField(max_length=600, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self) -> None:
        """Normalise the username (NFKC, Django's) and refuse look-alikes of existing names."""
        super().clean()
        taken = User.objects.filter(username_skeleton=skeleton(self.username))
        if self.username and taken.exclude(pk=self.pk).exists():
            raise ValidationError(
                {
                    "username": _(
                        "This name looks like the name of an existing account (letters of "
                        "another alphabet or another case that look the same). Please choose "
                        "another one."
                    )
                },
                code="confusable",
            )

    def save(self, *args, **kwargs) -> None:
        self.username_skeleton = skeleton(self.username)
        if self._state.adding and self.is_active and self.email_confirmed_at is None:
            # Created active by staff, createsuperuser or the demo: nothing left to confirm.
            self.email_confirmed_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)

    @property
    def is_project_office(self) -> bool:
        return self.role == self.Role.PROJECT_OFFICE or self.is_superuser

    @property
    def is_municipal_staff(self) -> bool:
        return self.role == self.Role.STAFF and self.municipality_id is not None
