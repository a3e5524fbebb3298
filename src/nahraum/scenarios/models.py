"""Scenarios (Szenarien): named sets of changed inputs on top of the baseline."""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nahraum.region.fields import municipality_fk


class Scenario(models.Model):
    region = models.ForeignKey("region.Region", on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("A scenario may build on another one."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who may change, run and delete the scenario (the platform's ownership rule): staff of this
    # municipality, and the project office; empty = a joint scenario of the project office.
    municipality = municipality_fk(
        "scenarios", help_text=_("Empty: a joint scenario of both municipalities.")
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- changes
# Each kind of change is its own table with typed, validated fields (rather than one JSON blob),
# so that a bad value is rejected with the field it belongs to, and so that other parts (the
# strategy's measures) can ask "which scenarios close a GP practice?" with a plain query.

#: Weekly opening hours a mobile stop is compared with: a fixed facility open about 40 hours a
#: week (a full-time GP practice, a village shop) counts 1.0. A weekly 3-hour stop counts
#: 3/40 = 0.075 of its capacity in capacity-per-demand figures; in travel-time figures the stop
#: counts as a place people can reach (on its day), which the comparison page says next to it.
REFERENCE_WEEKLY_HOURS = 40.0


class PopulationProjection(models.Model):
    """Project every cell's people by age band to a target year (access.population_projection)."""

    scenario = models.OneToOneField(Scenario, on_delete=models.CASCADE, related_name="projection")
    base_year = models.PositiveSmallIntegerField(
        _("base year"), help_text=_("Year of the population figures in the region data.")
    )
    target_year = models.PositiveSmallIntegerField(_("target year"))
    cohort_ageing = models.BooleanField(_("age by cohort"), default=True)
    birth_rate = models.FloatField(_("births per person and year"), default=0.0082)
    top_band_mortality = models.FloatField(_("deaths per year among people aged 75+"), default=0.08)

    class Meta:
        verbose_name = _("population projection")
        verbose_name_plural = _("population projections")

    def __str__(self) -> str:
        return f"{self.base_year} → {self.target_year}"

    def assumptions(self):
        from nahraum.access.population_projection import ProjectionAssumptions

        return ProjectionAssumptions(
            base_year=self.base_year,
            target_year=self.target_year,
            cohort_ageing=self.cohort_ageing,
            birth_rate=self.birth_rate,
            top_band_mortality=self.top_band_mortality,
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from django.utils import timezone

        from nahraum.access.population_projection import ProjectionError

        if self.base_year is None or self.target_year is None:
            return  # the missing field has its own error already
        try:
            self.assumptions().validate(current_year=timezone.now().year)
        except ProjectionError as exc:
            field = "target_year" if "year" in str(exc) else None
            raise ValidationError({field: str(exc)} if field else str(exc)) from exc


class GrowthRate(models.Model):
    """An annual growth rate for one municipality or one district, overriding the default.

    Without a row the municipality's ``annual_growth_rate`` from the region data applies; a
    district row beats its municipality's row.
    """

    projection = models.ForeignKey(
        PopulationProjection, on_delete=models.CASCADE, related_name="rates"
    )
    municipality = models.ForeignKey(
        "region.Municipality", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "region.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    annual_rate = models.FloatField(
        _("annual change"), help_text=_("Fraction per year, e.g. -0.004 for −0.4 %.")
    )
    note = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("growth rate")
        verbose_name_plural = _("growth rates")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(municipality__isnull=False, district__isnull=True)
                    | models.Q(municipality__isnull=True, district__isnull=False)
                ),
                name="growth_rate_for_one_area",
            ),
            models.CheckConstraint(
                condition=models.Q(annual_rate__gt=-1.0, annual_rate__lte=1.0),
                name="growth_rate_possible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district or self.municipality}: {self.annual_rate:+.2%}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (self.municipality_id is None) == (self.district_id is None):
            raise ValidationError(_("Give either a municipality or a district."))
        if self.annual_rate is not None and not -1.0 < self.annual_rate <= 1.0:
            raise ValidationError(
                {
                    "annual_rate": _(
                        "An annual change of %(rate)s %% is impossible; it must lie between "
                        "−100 %% and +100 %%."
                    )
                    % {"rate": f"{self.annual_rate * 100:g}"}
                }
            )


class FacilityChange(models.Model):
    """A facility closed, opened, moved or changed in capacity."""

    class Action(models.TextChoices):
        CLOSE = "close", _("close")
        OPEN = "open", _("open")
        MOVE = "move", _("move")
        CAPACITY = "capacity", _("change capacity")

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="facility_changes"
    )
    action = models.CharField(_("change"), max_length=10, choices=Action.choices)
    facility = models.ForeignKey(
        "region.Facility",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The existing facility (close, move, change capacity)."),
    )
    facility_type = models.ForeignKey(
        "region.FacilityType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Type of the new facility (open)."),
    )
    name = models.CharField(_("name"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    capacity = models.FloatField(_("capacity"), null=True, blank=True)
    note = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("facility change")
        verbose_name_plural = _("facility changes")
        ordering = ["id"]

    def __str__(self) -> str:
        what = self.facility or self.name or self.facility_type
        return f"{self.get_action_display()}: {what}"

    def clean(self) -> None:
        """Check that the change names what its action needs, and that places lie in the region."""
        from django.core.exceptions import ValidationError

        from .geo import check_inside

        errors: dict[str, str] = {}
        needs_facility = self.action in (self.Action.CLOSE, self.Action.MOVE, self.Action.CAPACITY)
        if needs_facility and self.facility_id is None:
            errors["facility"] = _("Choose the facility to change.")
        if self.action == self.Action.OPEN and self.facility_type_id is None:
            errors["facility_type"] = _("Choose the type of the new facility.")
        if self.action == self.Action.CAPACITY and self.capacity is None:
            errors["capacity"] = _("Give the new capacity.")
        if self.capacity is not None and self.capacity < 0:
            errors["capacity"] = _("A capacity cannot be negative.")
        if errors:
            raise ValidationError(errors)
        if self.facility_id is not None and self.scenario_id is not None:
            if self.facility.municipality_id is not None and (
                self.facility.municipality.region_id != self.scenario.region_id
            ):
                raise ValidationError({"facility": _("This facility belongs to another region.")})
        if self.action in (self.Action.OPEN, self.Action.MOVE) and self.scenario_id is not None:
            label = self.name or (self.facility and str(self.facility)) or str(_("new facility"))
            check_inside(self.scenario.region_id, self.lon, self.lat, label)


class MobileService(models.Model):
    """A stop of a mobile service (mobile doctor, shop van, library bus) on a weekly schedule."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="mobile_services")
    facility_type = models.ForeignKey(
        "region.FacilityType", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=300)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    capacity = models.FloatField(
        _("capacity when open full-time"),
        null=True,
        blank=True,
        help_text=_("Counted with the stop's weight (weekly hours / 40)."),
    )

    class Meta:
        verbose_name = _("mobile service stop")
        verbose_name_plural = _("mobile service stops")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="stop_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M})"

    @property
    def weekly_hours(self) -> float:
        return (
            (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        ) / 60.0

    @property
    def weight(self) -> float:
        """Share of a full-time facility this stop counts as (see REFERENCE_WEEKLY_HOURS)."""
        return min(1.0, self.weekly_hours / REFERENCE_WEEKLY_HOURS)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .geo import check_inside

        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("The stop must end after it starts.")})
        if self.capacity is not None and self.capacity < 0:
            raise ValidationError({"capacity": _("A capacity cannot be negative.")})
        if self.scenario_id is not None:
            check_inside(self.scenario.region_id, self.lon, self.lat, self.name or str(_("stop")))


class TransportChange(models.Model):
    """A changed transport offer: faster or slower travel, or a demand-responsive service area."""

    class Kind(models.TextChoices):
        SPEED = "speed", _("change travel speed")
        DEMAND_RESPONSIVE = "drt", _("demand-responsive service area")

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="transport_changes"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    mode = models.CharField(
        _("mode"),
        max_length=10,
        default="car",
        help_text=_("walk, bike or car (for speed changes)"),
    )
    speed_factor = models.FloatField(
        _("speed factor"), null=True, blank=True, help_text=_("1.2 = 20 % faster, 0.8 = slower.")
    )
    districts = models.ManyToManyField(
        "region.District",
        blank=True,
        related_name="+",
        help_text=_("Ortsteile served by the demand-responsive service."),
    )
    wait_minutes = models.FloatField(
        _("mean waiting time (minutes)"),
        null=True,
        blank=True,
        help_text=_("From booking to pick-up, added to the ride."),
    )
    detour_factor = models.FloatField(
        _("ride time relative to the car"),
        default=1.3,
        help_text=_("Pooled rides take detours; 1.3 = 30 % longer than driving directly."),
    )
    note = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("transport change")
        verbose_name_plural = _("transport changes")
        ordering = ["id"]

    def __str__(self) -> str:
        if self.kind == self.Kind.SPEED:
            return f"{self.mode} × {self.speed_factor}"
        return str(self.get_kind_display())

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.SPEED:
            if self.mode not in ("walk", "bike", "car"):
                raise ValidationError({"mode": _("Choose walk, bike or car.")})
            if self.speed_factor is None or not 0.1 <= self.speed_factor <= 5:
                raise ValidationError({"speed_factor": _("Give a speed factor between 0.1 and 5.")})
        if self.kind == self.Kind.DEMAND_RESPONSIVE:
            if self.wait_minutes is None or not 0 <= self.wait_minutes <= 180:
                raise ValidationError(
                    {"wait_minutes": _("Give a waiting time between 0 and 180 minutes.")}
                )
            if not 1 <= self.detour_factor <= 5:
                raise ValidationError(
                    {"detour_factor": _("Give a ride-time factor between 1 and 5.")}
                )


#: A bus needs longer than a car between two stops: it accelerates and brakes more slowly,
#: halts at the stop and keeps to the speed limits of a heavy vehicle. Rural regional buses in
#: German timetables typically run 20-40 % slower than the car on the same road; 1.3 is the
#: default, every line may set its own factor, and the run log shows it.
BUS_CAR_TIME_FACTOR = 1.3


class BusLine(models.Model):
    """A new bus line: ordered stops, a headway, service hours, both directions.

    The scenario run turns it into trips added to a *copy* of the active timetable (see
    ``scenarios.busline``): a departure every ``headway_min`` minutes from ``first_departure``
    to ``last_departure`` (inclusive) at the first stop (and, with both directions, at the
    last). The time between two stops is the car time on the street network between them ×
    ``car_time_factor`` (straight line × 1.3 at 40 km/h where no car network is built),
    rounded up to whole minutes as in a printed timetable.
    """

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="bus_lines")
    name = models.CharField(_("line name"), max_length=100)
    stops = models.JSONField(
        _("stops in order"),
        default=list,
        help_text=_('A list of {"name", "lat", "lon"} from the first to the last stop.'),
    )
    headway_min = models.IntegerField(_("headway (minutes)"))
    first_departure = models.TimeField(_("first departure"))
    last_departure = models.TimeField(_("last departure"))
    both_directions = models.BooleanField(_("both directions"), default=True)
    car_time_factor = models.FloatField(
        _("running time relative to the car"),
        default=BUS_CAR_TIME_FACTOR,
        help_text=_("1.3 = the bus needs 30 % longer between stops than a car."),
    )
    note = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("new bus line")
        verbose_name_plural = _("new bus lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({len(self.stops or [])} stops, every {self.headway_min} min)"

    def clean(self) -> None:
        """Check stops (at least two, each with a place inside the region), headway and hours."""
        from django.core.exceptions import ValidationError

        from .geo import check_inside

        errors: dict[str, str] = {}
        stops = self.stops if isinstance(self.stops, list) else None
        if stops is None:
            errors["stops"] = _("Give the stops as a list.")
        elif len(stops) < 2:
            errors["stops"] = _("A bus line needs at least 2 stops; %(n)s given.") % {
                "n": len(stops)
            }
        else:
            for i, stop in enumerate(stops, start=1):
                try:
                    lat, lon = float(stop["lat"]), float(stop["lon"])
                except (TypeError, KeyError, ValueError):
                    errors["stops"] = _("Stop %(i)s: latitude and longitude must be numbers.") % {
                        "i": i
                    }
                    break
                if not (np.isfinite(lat) and np.isfinite(lon)):
                    errors["stops"] = _("Stop %(i)s: latitude and longitude must be numbers.") % {
                        "i": i
                    }
                    break
        if self.headway_min is not None and self.headway_min <= 0:
            errors["headway_min"] = _("The headway must be at least 1 minute; %(v)s given.") % {
                "v": self.headway_min
            }
        if (
            self.first_departure is not None
            and self.last_departure is not None
            and self.last_departure < self.first_departure
        ):
            errors["last_departure"] = _(
                "The last departure (%(last)s) lies before the first (%(first)s)."
            ) % {"last": f"{self.last_departure:%H:%M}", "first": f"{self.first_departure:%H:%M}"}
        if self.car_time_factor is not None and not 0.5 <= self.car_time_factor <= 5:
            errors["car_time_factor"] = _("Give a running-time factor between 0.5 and 5.")
        if errors:
            raise ValidationError(errors)
        if self.scenario_id is not None:
            for i, stop in enumerate(stops or [], start=1):
                label = _("Stop %(i)s (%(name)s)") % {"i": i, "name": stop.get("name") or "–"}
                try:
                    check_inside(
                        self.scenario.region_id, float(stop["lon"]), float(stop["lat"]), str(label)
                    )
                except ValidationError as exc:
                    raise ValidationError({"stops": exc.messages}) from exc


class ScenarioRun(models.Model):
    """A stored analysis run of a scenario, with the baseline it is compared with and its log.

    The log lists every change applied and every assumption made (growth rates and their
    source, mobile-stop weights, speed factors), so the comparison page can show them next to
    the figures they produced.
    """

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="scenario_runs")
    run = models.OneToOneField(
        "analysis.AnalysisRun", on_delete=models.CASCADE, related_name="scenario_run"
    )
    baseline = models.ForeignKey(
        "analysis.AnalysisRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The run this one is compared with by default."),
    )
    log = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("scenario run")
        verbose_name_plural = _("scenario runs")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.scenario} · {self.run}"
