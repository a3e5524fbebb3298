"""The strategy and its implementation: vision → innovation field → goal → measure → project.

A measure is what the councils decided, a project is how it gets done. Each carries a responsible
municipality (Lemgo, Kalletal, or none = joint, which belongs to the project office), a phase and a
status whose history is append-only: the public and the funding body must be able to trust that a
date once recorded as "started" or "dropped" was not quietly rewritten later.

Measures keep their origin (workshop results, proposed measures, ideas, societal groups) and name
the supply indicators of the analysis they are meant to improve, with baseline and target.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from nahraum.region.fields import innovation_field_fk, municipality_fk


class Status(models.TextChoices):
    IDEA = "idea", _("idea")
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    PAUSED = "paused", _("paused")
    DROPPED = "dropped", _("dropped")


class Phase(models.TextChoices):
    STRATEGY = "strategy", _("strategy phase")
    IMPLEMENTATION = "implementation", _("implementation phase")


_WEIGHT_HELP = _(
    "Share in the parent's progress (weighted mean); 1 for all items means equal shares."
)


def _weight_field() -> models.FloatField:
    return models.FloatField(
        _("weight"), default=1.0, validators=[MinValueValidator(0.01)], help_text=_WEIGHT_HELP
    )


def _municipality_field(related_name: str) -> models.ForeignKey:
    return municipality_fk(
        related_name,
        verbose_name=_("responsible municipality"),
        help_text=_("Empty: joint, both municipalities (the project office)."),
    )


def _ends_after_start(prefix: str, name: str) -> models.CheckConstraint:
    """``<prefix>_end`` lies on or after ``<prefix>_start`` where both dates are known.

    Either date may still be open; the database refuses only a known end before a known start,
    so no import or admin edit can store a period that runs backwards.
    """
    start, end = f"{prefix}_start", f"{prefix}_end"
    return models.CheckConstraint(
        condition=models.Q(**{f"{end}__isnull": True})
        | models.Q(**{f"{start}__isnull": True})
        | models.Q(**{f"{end}__gte": models.F(start)}),
        name=name,
    )


class Vision(models.Model):
    """The strategy's vision and motto for one region."""

    region = models.OneToOneField(
        "region.Region", on_delete=models.CASCADE, related_name="strategy_vision"
    )
    title = models.CharField(_("title"), max_length=300)
    motto = models.CharField(_("motto"), max_length=300, blank=True)
    text = models.TextField(_("vision"))
    source = models.ForeignKey(
        "region.DataSource", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("vision")
        verbose_name_plural = _("visions")

    def __str__(self) -> str:
        return self.title


class Goal(models.Model):
    """A goal within one innovation field."""

    field = innovation_field_fk("strategy_goals")
    key = models.SlugField(_("stable id"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    weight = _weight_field()
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["field__order", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Measure(models.Model):
    """A measure (Maßnahme): what was decided to reach a goal."""

    goal = models.ForeignKey(
        Goal, on_delete=models.PROTECT, related_name="measures", verbose_name=_("goal")
    )
    key = models.SlugField(_("stable id"), max_length=100, unique=True, blank=True, null=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    municipality = _municipality_field("strategy_measures")
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.IMPLEMENTATION
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.IDEA,
        editable=False,
        help_text=_("Changed only through a dated status change (see the history)."),
    )
    quick_win = models.BooleanField(_("quick win"), default=False)
    weight = _weight_field()
    progress_percent = models.FloatField(
        _("progress (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Leave empty to compute it from the projects."),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where the measure came from (traceability); see also ``origin_note``.
    proposed_measures = models.ManyToManyField(
        "participation.ProposedMeasure",
        blank=True,
        related_name="strategy_measures",
        verbose_name=_("proposed measures"),
    )
    workshop_results = models.ManyToManyField(
        "participation.WorkshopResult",
        blank=True,
        related_name="strategy_measures",
        verbose_name=_("workshop results"),
    )
    ideas = models.ManyToManyField(
        "participation.Idea", blank=True, related_name="strategy_measures", verbose_name=_("ideas")
    )
    groups = models.ManyToManyField(
        "participation.SocietalGroup",
        blank=True,
        related_name="strategy_measures",
        verbose_name=_("societal groups involved"),
    )
    origin_note = models.TextField(_("origin (free text)"), blank=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["goal__field__order", "goal__order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_percent__isnull=True)
                | (models.Q(progress_percent__gte=0) & models.Q(progress_percent__lte=100)),
                name="measure_progress_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def field(self):
        return self.goal.field

    def clean(self) -> None:
        _check_place(self)


class Project(models.Model):
    """A project (Umsetzungsprojekt) carrying out a measure; a measure may have several."""

    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="projects", verbose_name=_("measure")
    )
    key = models.SlugField(_("stable id"), max_length=100, unique=True, blank=True, null=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    municipality = _municipality_field("strategy_projects")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED, editable=False
    )
    quick_win = models.BooleanField(_("quick win"), default=False)
    is_digital_offer = models.BooleanField(
        _("digital offer"),
        default=False,
        help_text=_("Shown on the Innovationslandkarte (apps, platforms, sensors, …)."),
    )
    weight = _weight_field()
    progress_percent = models.FloatField(
        _("progress (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Leave empty to compute it from the milestones."),
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    budget_planned = models.DecimalField(
        _("planned budget (EUR)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    budget_spent = models.DecimalField(
        _("spent (EUR)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    funding_source = models.CharField(_("funding source"), max_length=300, blank=True)
    url = models.URLField(_("web address"), blank=True)
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["measure", "planned_start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_planned__gte=0) & models.Q(budget_spent__gte=0),
                name="project_budget_not_negative",
            ),
            _ends_after_start("planned", "project_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError(
                {
                    "planned_end": _(
                        "The planned end (%(end)s) lies before the planned start (%(start)s)."
                    )
                    % {"end": self.planned_end, "start": self.planned_start}
                }
            )
        _check_place(self)


class Milestone(models.Model):
    """A step of a project with planned and actual dates; reached when it has an actual end."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=300)
    weight = _weight_field()
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end (reached)"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["planned_end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")),
                name="milestone_ends_after_start",
            ),
            _ends_after_start("actual", "milestone_actual_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reached(self) -> bool:
        return self.actual_end is not None

    def get_municipality_id(self) -> int | None:
        return self.project.municipality_id

    def clean(self) -> None:
        errors = {}
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = _(
                "Milestone “%(title)s”: the planned end (%(end)s) lies before the planned start "
                "(%(start)s)."
            ) % {"title": self.title, "end": self.planned_end, "start": self.planned_start}
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            errors["actual_end"] = _(
                "Milestone “%(title)s”: the actual end (%(end)s) lies before the actual start "
                "(%(start)s)."
            ) % {"title": self.title, "end": self.actual_end, "start": self.actual_start}
        if errors:
            raise ValidationError(errors)


class HistoryIsAppendOnly(Exception):
    """Raised on any attempt to change or delete a recorded status change."""


class StatusChangeQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D401
        raise HistoryIsAppendOnly("status history cannot be changed")

    def delete(self):
        raise HistoryIsAppendOnly("status history cannot be deleted")


class StatusChange(models.Model):
    """One dated entry of the status history of a measure or a project. Append-only.

    ``save`` refuses to update an existing row and ``delete`` refuses always (also in bulk), and the
    measure or project it belongs to cannot be deleted while it has history (PROTECT): a record of
    what was decided when stays as it was written.
    """

    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, null=True, blank=True, related_name="history"
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="history"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    date = models.DateField(_("date"), default=dt.date.today)
    note = models.TextField(_("note"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["date", "recorded", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(measure__isnull=False) & models.Q(project__isnull=True))
                | (models.Q(measure__isnull=True) & models.Q(project__isnull=False)),
                name="status_change_has_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_status_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding or self.pk is not None or kwargs.get("force_update"):
            raise HistoryIsAppendOnly("status history cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryIsAppendOnly("status history cannot be deleted")

    @property
    def subject(self) -> Measure | Project:
        return self.measure if self.measure_id else self.project

    def get_municipality_id(self) -> int | None:
        """The history belongs to whoever owns the measure or project it records."""
        return self.subject.municipality_id


class IndicatorTarget(models.Model):
    """A supply indicator of the analysis that a measure is meant to improve, with its target.

    The indicator is identified by its specification (metric, mode, facility type, level and place,
    age band), not by one stored value, so that it can be followed from run to run. The baseline is
    the value in the analysis run that was current when the target was decided.
    """

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="targets")
    label = models.CharField(_("label"), max_length=300, blank=True)
    level = models.CharField(_("level"), max_length=20)
    metric = models.CharField(_("metric"), max_length=50)
    mode = models.CharField(_("mode"), max_length=10, blank=True)
    facility_type = models.ForeignKey(
        "region.FacilityType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    municipality = models.ForeignKey(
        "region.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "region.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area_kind = models.CharField(max_length=10, blank=True)
    age_band = models.CharField(max_length=10, blank=True)
    baseline_run = models.ForeignKey(
        "analysis.AnalysisRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    baseline_value = models.FloatField(_("baseline"), null=True, blank=True)
    target_value = models.FloatField(_("target value"))
    target_date = models.DateField(_("target date"))
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        ordering = ["measure", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(metric="") & ~models.Q(level=""),
                name="indicator_target_names_an_indicator",
            )
        ]

    def __str__(self) -> str:
        return self.label or f"{self.metric} {self.mode}"

    def clean(self) -> None:
        if not self.metric or not self.level:
            raise ValidationError(_("An indicator target must name an indicator of the analysis."))

    def get_municipality_id(self) -> int | None:
        return self.measure.municipality_id

    @property
    def spec(self) -> dict:
        return {
            "level": self.level,
            "metric": self.metric,
            "mode": self.mode,
            "facility_type_id": self.facility_type_id,
            "municipality_id": self.municipality_id,
            "district_id": self.district_id,
            "area_kind": self.area_kind,
            "age_band": self.age_band,
        }


class Actor(models.Model):
    """An organisation or person in the network (Vernetzung) of the strategy."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("public body")
        BUSINESS = "business", _("business")
        ASSOCIATION = "association", _("club or association")
        RESEARCH = "research", _("research and education")
        HEALTH = "health", _("health and care")
        PERSON = "person", _("person")
        OTHER = "other", _("other")

    key = models.SlugField(_("stable id"), max_length=100, unique=True, blank=True, null=True)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    municipality = municipality_fk(
        "strategy_actors",
        verbose_name=_("based in"),
        help_text=_("Empty: both or outside the region."),
    )
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("web address"), blank=True)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Involvement(models.Model):
    """An actor's role in a measure, a project or a workshop."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        PARTNER = "partner", _("partner")
        FUNDER = "funder", _("funder")
        PROVIDER = "provider", _("provider")
        ADVISOR = "advisor", _("advisor")
        PARTICIPANT = "participant", _("participant")

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="involvements")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="involvements"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="involvements"
    )
    workshop = models.ForeignKey(
        "participation.Workshop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="strategy_involvements",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("involvement")
        verbose_name_plural = _("involvements")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(measure__isnull=False, project__isnull=True, workshop__isnull=True)
                    | models.Q(measure__isnull=True, project__isnull=False, workshop__isnull=True)
                    | models.Q(measure__isnull=True, project__isnull=True, workshop__isnull=False)
                ),
                name="involvement_has_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.actor} ({self.get_role_display()})"

    @property
    def subject(self):
        return self.measure or self.project or self.workshop

    def get_municipality_id(self) -> int | None:
        return self.subject.municipality_id


class DigitalOffer(models.Model):
    """A digital offer of the region (app, platform, sensor network, online service).

    Together with the digital projects it makes up the Innovationslandkarte.
    """

    key = models.SlugField(_("stable id"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    field = innovation_field_fk("digital_offers")
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("web address"), blank=True)
    municipality = municipality_fk("+", help_text=_("Empty: both municipalities."))
    provider = models.ForeignKey(
        Actor, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers"
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers"
    )
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("digital offer")
        verbose_name_plural = _("digital offers")
        ordering = ["field__order", "title"]

    def __str__(self) -> str:
        return self.title


def _check_place(obj) -> None:
    """Latitude and longitude come together and lie on the globe."""
    if (obj.lat is None) != (obj.lon is None):
        raise ValidationError(_("Give both latitude and longitude, or neither."))
    if obj.lat is not None and not (-90 <= obj.lat <= 90 and -180 <= obj.lon <= 180):
        raise ValidationError(
            _("The place lies outside the globe (latitude −90…90, longitude −180…180).")
        )
