"""Analysis runs and the indicator values they produced.

A run records everything needed to reproduce and to trust its figures: the input checksums, the
parameters, the scenario (None for the baseline) and the timings. Indicator values are stored per
district, municipality, area kind (core town / villages), innovation field and region, so that a
measure of the strategy can point at one figure and follow it from run to run.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnalysisRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    region = models.ForeignKey("region.Region", on_delete=models.CASCADE, related_name="runs")
    scenario = models.ForeignKey(
        "scenarios.Scenario", on_delete=models.CASCADE, null=True, blank=True, related_name="runs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    input_checksums = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    is_estimate = models.BooleanField(
        default=False, help_text=_("True when any input was estimated or illustrative.")
    )
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")
        ordering = ["-started"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.started:%Y-%m-%d %H:%M}"


class IndicatorValue(models.Model):
    """One figure of a run: e.g. the share of Kalletal's people aged 75+ within the GP norm."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("district")
        MUNICIPALITY = "municipality", _("municipality")
        AREA_KIND = "area_kind", _("core town / villages")
        REGION = "region", _("region")

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="values")
    level = models.CharField(max_length=20, choices=Level.choices)
    metric = models.CharField(
        max_length=50,
        help_text=_(
            "mean_minutes, median_minutes, p90_minutes, share_within_norm, "
            "capacity_per_demand, cross_border_share, …"
        ),
    )
    mode = models.CharField(max_length=10)
    facility_type = models.ForeignKey(
        "region.FacilityType", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    field = models.ForeignKey(
        "region.InnovationField", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    municipality = models.ForeignKey(
        "region.Municipality", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "region.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    area_kind = models.CharField(max_length=10, blank=True)
    age_band = models.CharField(max_length=10, blank=True, help_text=_("Empty: all ages."))
    value = models.FloatField(null=True)
    population = models.FloatField(default=0, help_text=_("People the value is about."))
    is_estimate = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        indexes = [
            models.Index(fields=["run", "level", "metric", "mode"]),
            models.Index(fields=["run", "facility_type", "district"]),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.mode} {self.age_band or 'all'} = {self.value}"


class CellResults(models.Model):
    """Per-cell travel times of a run, one compressed NumPy archive (``.npz``) per run.

    Why a binary field in the database rather than a file under the data directory: the blob is
    written in the same transaction as the run and its indicator values, so a failed run leaves
    nothing behind and a backup of the database is a backup of every result; several web workers
    on different machines (PostgreSQL deployments) all see it. Why not one row per cell: a run on
    the bundled region holds about 2,600 cells × 60 (mode, type) pairs; 160,000 rows per run
    would dominate the run's time, while the whole archive is a few hundred kilobytes and a page
    reads it in milliseconds. Arrays: ``cell_key``, ``lon``, ``lat``, ``district_id``,
    ``population``, ``pairs`` ("mode/type"), ``time_s`` and ``distance_m`` (float32
    [pairs, cells], inf where unreachable), ``facility`` (int32 index into ``facility_key``, -1
    where none).
    """

    run = models.OneToOneField(AnalysisRun, on_delete=models.CASCADE, related_name="cell_results")
    data = models.BinaryField()
    n_cells = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("per-cell results")
        verbose_name_plural = _("per-cell results")

    def __str__(self) -> str:
        return f"cells of run #{self.run_id}"


class CrossBorderFlow(models.Model):
    """Who serves whom: people of a home municipality whose nearest facility lies in another."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="flows")
    mode = models.CharField(max_length=10)
    facility_type = models.ForeignKey(
        "region.FacilityType", on_delete=models.CASCADE, related_name="+"
    )
    home = models.ForeignKey("region.Municipality", on_delete=models.CASCADE, related_name="+")
    serving = models.ForeignKey(
        "region.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: a facility outside the region's municipalities."),
    )
    people = models.FloatField()

    class Meta:
        verbose_name = _("cross-border flow")
        verbose_name_plural = _("cross-border flows")
        indexes = [models.Index(fields=["run", "mode", "facility_type"])]

    def __str__(self) -> str:
        return f"{self.home_id} → {self.serving_id}: {self.people:g}"
