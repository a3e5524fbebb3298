"""Participation: who was reached, who took part, and what they said.

The strategy's first step is participation. These models keep three things apart that
participation platforms often mix up:

* *outreach* (SocietalGroup, Contact, OutreachAction, Invitation) — whom the office tried to
  reach on purpose, so that coverage can be shown per kind of group, Ortsteil and field;
* *taking part* (Workshop, Registration, Idea, Comment, Support, Survey, Answer) — what people
  did, so that participants can be compared with the population;
* *results* (WorkshopResult, ProposedMeasure) — what a focus group proposed; the strategy app
  turns a ProposedMeasure into a measure draft and keeps the link back on its side.

Ownership for permissions: every object that staff may change answers ``municipality``
(``None`` = joint, owned by the project office); see :mod:`nahraum.accounts.rules`.

Authors are ``SET_NULL`` everywhere: when a person deletes their account (DSGVO), what they wrote
stays, anonymised, because others have answered it and measures may rest on it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahraum.region.fields import innovation_field_fk, municipality_fk

#: Size limits for every free text, in characters. Kept in one place so forms, models and tests
#: agree; long enough for a real contribution, short enough that nobody pastes a book.
TITLE_MAX = 200
TEXT_MAX = 5000
COMMENT_MAX = 2000
REASON_MAX = 1000
RESULT_TEXT_MAX = 10000


def _owned_via(parent: str, attr: str) -> property:
    """Read ownership (``municipality`` / ``municipality_id``) through the parent object.

    A contact or outreach action belongs to its group, a registration, invitation or result to
    its workshop; the permission rules ask every object the same question, so the answer is
    always the parent's and can never disagree with it.
    """
    return property(lambda obj: getattr(getattr(obj, parent), attr))


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

    municipality = _owned_via("group", "municipality")
    municipality_id = _owned_via("group", "municipality_id")


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

    municipality_id = _owned_via("group", "municipality_id")
    municipality = _owned_via("group", "municipality")


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

    municipality_id = _owned_via("workshop", "municipality_id")


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

    municipality_id = _owned_via("workshop", "municipality_id")


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

    municipality_id = _owned_via("workshop", "municipality_id")
    municipality = _owned_via("workshop", "municipality")

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


class Survey(models.Model):
    """A questionnaire built by staff, open between two dates."""

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    field = innovation_field_fk("surveys", null=True, blank=True)
    municipality = municipality_fk(
        "surveys", help_text=_("Empty: a joint survey of the cooperation (project office).")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:survey_detail", args=[self.pk])

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The survey must close after it opens.")})

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.opens_at <= now < self.closes_at


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        TEXT = "text", _("free text")
        SCALE = "scale", _("scale 1–5")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("answer required"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def has_choices(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("choice"), max_length=TITLE_MAX)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Answer(models.Model):
    """One person's answer to a whole survey. At most one per person (DB constraint)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_answers",
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"], name="one_survey_answer_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} · #{self.pk}"


class AnswerItem(models.Model):
    """The answer to one question: chosen options, a free text or a scale value 1–5."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="items")
    choices = models.ManyToManyField(Choice, blank=True, related_name="items")
    text = models.TextField(max_length=COMMENT_MAX, blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer to a question")
        verbose_name_plural = _("answers to questions")
        constraints = [
            models.UniqueConstraint(fields=["answer", "question"], name="one_item_per_question"),
            models.CheckConstraint(
                condition=models.Q(scale__isnull=True) | models.Q(scale__gte=1, scale__lte=5),
                name="answer_scale_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.answer} · {self.question}"
