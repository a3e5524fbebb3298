"""The region as data: the cooperation, its municipalities, their Ortsteile, people and services.

Geometry is kept as GeoJSON (WGS 84, lon/lat) in JSON fields rather than in GeoDjango columns, so
that the demo runs on plain SQLite with no SpatiaLite or GDAL to set up; shapely does the
geometric work in Python and the analysis engine projects to the region's planar CRS itself
(``Region.crs``: the UTM zone of the region, EPSG:25832 for the bundled Lemgo region).

Every record points to a :class:`DataSource`: every figure the platform shows must trace to a
dataset, its date and its licence, and estimated or illustrative values carry ``is_estimate``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Age bands used everywhere (population, participants, norms). Chosen to separate the groups
#: the norms speak of: children of kita age (0–5), of primary-school age (6–9), older pupils,
#: working ages, young old and people aged 75+ (the GP-care target group).
AGE_BANDS: tuple[str, ...] = ("0-5", "6-9", "10-17", "18-29", "30-49", "50-64", "65-74", "75+")


def validate_age_structure(by_age: dict, population: int, where: str = "") -> None:
    """Raise ValidationError unless ``by_age`` uses known bands and sums to ``population``.

    Age structures are compared with the population they belong to so that no figure shown for
    one age group can silently disagree with the total.
    """
    if not by_age:
        return
    prefix = f"{where}: " if where else ""
    unknown = sorted(set(by_age) - set(AGE_BANDS))
    if unknown:
        raise ValidationError(
            f"{prefix}unknown age band(s) {', '.join(unknown)}; known: {', '.join(AGE_BANDS)}"
        )
    for band, value in by_age.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError(
                f"{prefix}age band {band} must be a whole number ≥ 0, got {value!r}"
            )
    total = sum(by_age.values())
    if total != population:
        raise ValidationError(
            f"{prefix}age bands sum to {total}, but the population is {population}"
        )


class DataSource(models.Model):
    """Where figures come from: publisher, licence, date and the file's checksum."""

    key = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    licence = models.CharField(_("licence"), max_length=200)
    url = models.URLField(_("address"), max_length=500, blank=True)
    date = models.DateField(_("date of the data"), null=True, blank=True)
    retrieved = models.DateTimeField(_("imported"), auto_now=True)
    checksum = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Estimated, generated or illustrative data, not an official figure."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A cooperation of municipalities (interkommunaler Verbund), e.g. Lemgo–Kalletal."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="regions")
    #: The planar CRS every engine run of the region works in (metres): the UTM zone the region
    #: lies in, chosen at import from its geometry (``nahraum.access.projection.utm_crs``).
    #: Stored, not derived on the fly, so that cells, stops and cached street networks of one
    #: region always share it even when a re-import moves the region's centre a little.
    crs = models.CharField(
        _("planar reference system"),
        max_length=20,
        default="EPSG:25832",
        help_text=_("The UTM zone of the region, e.g. EPSG:25832 (ETRS89 / UTM 32N)."),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


def planar_crs(region_id: int | None) -> str:
    """The planar CRS of the region with this id (EPSG:25832 if there is none): for code that
    holds a region's id, not the region (scenarios, analysis inputs)."""
    crs = Region.objects.filter(pk=region_id).values_list("crs", flat=True).first()
    return crs or Region._meta.get_field("crs").default


class Municipality(models.Model):
    """A Kommune / Gemeinde / Stadt, identified by its AGS (Amtlicher Gemeindeschlüssel)."""

    class Trend(models.TextChoices):
        SHRINKING = "shrinking", _("shrinking")
        STABLE = "stable", _("stable")
        GROWING = "growing", _("growing")

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="municipalities")
    ags = models.CharField(_("AGS"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=200)
    population = models.PositiveIntegerField(_("population"))
    population_date = models.DateField(_("population as of"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"))
    trend = models.CharField(_("trend"), max_length=10, choices=Trend.choices, default=Trend.STABLE)
    annual_growth_rate = models.FloatField(
        _("annual population change"),
        default=0.0,
        help_text=_("Fraction per year, e.g. -0.004 for −0.4 %; the default for scenarios."),
    )
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="+")
    boundary_source = models.ForeignKey(
        DataSource, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """An Ortsteil: the core town (Kernstadt / Hauptort) or a village."""

    class Kind(models.TextChoices):
        CORE = "core", _("core town")
        VILLAGE = "village", _("village")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="districts"
    )
    key = models.CharField(
        _("stable id"), max_length=100, unique=True, help_text=_("Stable across re-imports.")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    population = models.PositiveIntegerField(_("population"))
    population_by_age = models.JSONField(_("population by age band"), default=dict, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    centre_lat = models.FloatField(_("centre latitude"))
    centre_lon = models.FloatField(_("centre longitude"))
    is_estimate = models.BooleanField(_("estimate"), default=False)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("district (Ortsteil)")
        verbose_name_plural = _("districts (Ortsteile)")
        ordering = ["municipality__name", "kind", "name"]
        indexes = [models.Index(fields=["municipality", "kind"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_age_structure(self.population_by_age, self.population, self.name)


class PopulationCell(models.Model):
    """People at a place — a building, an address or a grid cell (e.g. census 100 m) — by age."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="cells")
    key = models.CharField(_("stable id"), max_length=100)
    lat = models.FloatField()
    lon = models.FloatField()
    population = models.PositiveIntegerField(_("population"))
    population_by_age = models.JSONField(_("population by age band"), default=dict, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="cells", null=True, blank=True
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="cells", null=True, blank=True
    )
    is_estimate = models.BooleanField(_("estimate"), default=False)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("population cell")
        verbose_name_plural = _("population cells")
        constraints = [
            models.UniqueConstraint(fields=["region", "key"], name="unique_cell_key_per_region")
        ]

    def __str__(self) -> str:
        return self.key


class InnovationField(models.Model):
    """One of the six fields of the strategy (Innovationsfeld)."""

    key = models.SlugField(unique=True)
    name_de = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    colour = models.CharField(max_length=7, default="#1f6f8b")

    class Meta:
        verbose_name = _("innovation field")
        verbose_name_plural = _("innovation fields")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name_de

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "de").startswith("en") else self.name_de


class FacilityType(models.Model):
    """A kind of service (Einrichtungsart) under one innovation field, with its planning norms."""

    key = models.SlugField(unique=True)
    field = models.ForeignKey(InnovationField, on_delete=models.PROTECT, related_name="types")
    name_de = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    capacity_unit = models.CharField(
        max_length=100, blank=True, help_text=_("e.g. 'places' for a kita, 'GPs' for a practice")
    )
    demand_age_bands = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Age bands whose people make up the demand (empty: everybody)."),
    )
    osm_tags = models.JSONField(
        default=list, blank=True, help_text=_("OSM tag filters, e.g. [{'amenity': 'pharmacy'}]")
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("facility type")
        verbose_name_plural = _("facility types")
        ordering = ["field__order", "order", "key"]

    def __str__(self) -> str:
        return self.name_de

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "de").startswith("en") else self.name_de


class Norm(models.Model):
    """A planning norm for a facility type: a threshold by mode, optionally per area kind and age.

    Kept as data with its source (as GOAT keeps method thresholds), so that planners can change
    a norm and see where the default came from.
    """

    class Mode(models.TextChoices):
        WALK = "walk", _("on foot")
        BIKE = "bike", _("by bike")
        CAR = "car", _("by car")
        TRANSIT = "transit", _("by bus and train")
        STRAIGHT = "straight", _("straight-line distance")

    class AreaKind(models.TextChoices):
        ANY = "any", _("everywhere")
        CORE = "core", _("core town")
        VILLAGE = "village", _("villages")

    facility_type = models.ForeignKey(FacilityType, on_delete=models.CASCADE, related_name="norms")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    max_minutes = models.FloatField(null=True, blank=True)
    max_metres = models.FloatField(null=True, blank=True)
    area_kind = models.CharField(max_length=10, choices=AreaKind.choices, default=AreaKind.ANY)
    age_bands = models.JSONField(default=list, blank=True)
    label_de = models.CharField(max_length=300)
    label_en = models.CharField(max_length=300)
    source = models.TextField(help_text=_("Where the figure comes from."))

    class Meta:
        verbose_name = _("norm")
        verbose_name_plural = _("norms")
        ordering = ["facility_type", "mode", "area_kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_minutes__isnull=False) | models.Q(max_metres__isnull=False),
                name="norm_has_a_threshold",
            )
        ]

    def __str__(self) -> str:
        return self.label_de


class Facility(models.Model):
    """A service people rely on (Einrichtung): a practice, a school, a shop, a stop, …"""

    key = models.CharField(
        _("stable id"),
        max_length=100,
        unique=True,
        help_text=_("Stable across re-imports, e.g. 'osm:node/123' or a register's id."),
    )
    type = models.ForeignKey(FacilityType, on_delete=models.PROTECT, related_name="facilities")
    name = models.CharField(_("name"), max_length=300, blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.FloatField(_("capacity"), null=True, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="facilities", null=True, blank=True
    )
    district = models.ForeignKey(
        District, on_delete=models.SET_NULL, related_name="facilities", null=True, blank=True
    )
    is_estimate = models.BooleanField(_("estimate"), default=False)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["type", "name"]
        indexes = [models.Index(fields=["type", "municipality"])]

    def __str__(self) -> str:
        return self.name or self.key
