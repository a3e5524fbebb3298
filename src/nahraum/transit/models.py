"""An imported GTFS feed: summary rows for pages, the timetable itself as arrays.

Storage choice: stops and routes are rows (pages list, map and link them; they are few), but
trips and stop times are stored as one compressed ``.npz`` blob on :class:`Feed` (arrays from
``nahraum.access.gtfs``). A German state feed has tens of millions of stop times: as ORM rows they
would take minutes to write and read, while the engine needs flat arrays anyway (RAPTOR scans
trips by position). A blob in the same row keeps the import a single transaction — there is
never a feed row without its timetable, or a timetable file without its row — and the blob is
keyed by the file's SHA-256 (``Feed.checksum``), like the street-network cache.

Derived figures (departures per stop and hour, stop categories, the ÖV-Güteklasse of every
population cell) are stored too, so pages need no engine, and they name the service day and
window they were computed for.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Feed(models.Model):
    """One imported GTFS feed of a region; the newest active one is used by the analysis."""

    region = models.ForeignKey(
        "region.Region", on_delete=models.CASCADE, related_name="transit_feeds"
    )
    source = models.ForeignKey("region.DataSource", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=300)
    checksum = models.CharField(_("SHA-256 of the file"), max_length=64)
    imported = models.DateTimeField(_("imported"), auto_now_add=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    service_date = models.DateField(
        _("service day"), help_text=_("The day whose timetable the figures describe.")
    )
    window_start = models.PositiveIntegerField(
        _("departure window start (s after midnight)"), default=7 * 3600
    )
    window_end = models.PositiveIntegerField(
        _("departure window end (s after midnight)"), default=9 * 3600
    )
    is_active = models.BooleanField(_("active"), default=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    report = models.JSONField(
        _("import report"),
        default=dict,
        blank=True,
        help_text=_("What was dropped and why, and notes (e.g. interpolated times)."),
    )
    class_parameters = models.JSONField(default=dict, blank=True)
    day_type_windows = models.JSONField(
        _("time windows of the day types"),
        default=dict,
        blank=True,
        help_text=_(
            'e.g. {"morning": [21600, 32400]} (s after midnight); empty: 06–09, 11–14, 17–20.'
        ),
    )
    #: what the last day-type run used: dates per day type, windows, Land, sources, when
    day_types = models.JSONField(_("day types computed"), default=dict, blank=True)
    timetable = models.BinaryField(_("timetable arrays (npz)"))

    class Meta:
        verbose_name = _("timetable feed (GTFS)")
        verbose_name_plural = _("timetable feeds (GTFS)")
        ordering = ["-imported"]
        constraints = [
            models.UniqueConstraint(fields=["region", "checksum"], name="transit_feed_once")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def window_label(self) -> str:
        def hm(s: int) -> str:
            return f"{s // 3600:02d}:{s % 3600 // 60:02d}"

        return f"{hm(self.window_start)}–{hm(self.window_end)}"


class Stop(models.Model):
    """A stop or station of a feed, with its service level on the feed's service day."""

    class Group(models.TextChoices):
        RAIL = "A", _("rail")
        TRAM = "B", _("tram")
        BUS = "C", _("bus (incl. demand-responsive)")
        NONE = "", _("not served")

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveIntegerField(help_text=_("Index in the timetable arrays."))
    stop_id = models.CharField(_("stop id"), max_length=200)
    name = models.CharField(_("name"), max_length=300, blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    is_station = models.BooleanField(default=False)
    departures_by_hour = models.JSONField(_("departures per hour"), default=list, blank=True)
    departures_day = models.PositiveIntegerField(_("departures on the service day"), default=0)
    departures_window = models.FloatField(_("departures 06–20 per direction (station)"), default=0)
    service_group = models.CharField(max_length=1, choices=Group.choices, blank=True)
    interval_min = models.FloatField(_("mean interval (min)"), null=True, blank=True)
    category = models.PositiveSmallIntegerField(
        _("stop category (1 = I … 7 = VII)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        ordering = ["feed", "position"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "stop_id"], name="transit_stop_once")
        ]

    def __str__(self) -> str:
        return self.name or self.stop_id


class Route(models.Model):
    """A line of a feed."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="routes")
    route_id = models.CharField(max_length=200)
    short_name = models.CharField(_("line"), max_length=100, blank=True)
    long_name = models.CharField(_("name"), max_length=300, blank=True)
    route_type = models.PositiveIntegerField(_("GTFS route type"))
    service_group = models.CharField(max_length=1, choices=Stop.Group.choices, blank=True)
    agency = models.CharField(_("operator"), max_length=300, blank=True)
    trips_service_day = models.PositiveIntegerField(_("trips on the service day"), default=0)

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        ordering = ["feed", "service_group", "short_name"]

    def __str__(self) -> str:
        return self.short_name or self.route_id


class DemandResponsiveService(models.Model):
    """A demand-responsive service (Rufbus) without a timetable: area, hours, maximum wait.

    Drawn by hand by staff (``origin`` "hand", no feed) or imported from a feed's GTFS-Flex
    files (``origin`` "gtfs_flex", one row per zone and service window, ``feed`` set, ``source``
    the feed's DataSource): a re-import of the feed replaces its rows, never the hand-drawn ones,
    and only the active feed's flex areas count (see :mod:`nahraum.transit.drt`).
    """

    class Origin(models.TextChoices):
        HAND = "hand", _("drawn by hand")
        GTFS_FLEX = "gtfs_flex", _("from GTFS-Flex")

    region = models.ForeignKey(
        "region.Region", on_delete=models.CASCADE, related_name="demand_responsive_services"
    )
    name = models.CharField(_("name"), max_length=200)
    line = models.CharField(_("line"), max_length=50, blank=True)
    area = models.JSONField(_("service area (GeoJSON, WGS 84)"))
    weekdays = models.JSONField(
        _("weekdays (0 = Monday)"), default=list, help_text=_("e.g. [0, 1, 2, 3, 4]")
    )
    start = models.TimeField(_("first pick-up"))
    end = models.TimeField(_("last pick-up"))
    max_wait_min = models.PositiveIntegerField(_("maximum wait (min)"))
    speed_kmh = models.FloatField(_("mean speed (km/h)"), default=30.0)
    source = models.ForeignKey("region.DataSource", on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(
        _("origin"), max_length=10, choices=Origin.choices, default=Origin.HAND
    )
    feed = models.ForeignKey(
        Feed,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flex_areas",
        verbose_name=_("from feed"),
    )
    zone_id = models.CharField(_("zone id (locations.geojson)"), max_length=200, blank=True)
    service_dates = models.JSONField(
        _("service days"),
        default=list,
        blank=True,
        help_text=_("Dates from the feed's calendar (ISO); empty: the weekdays count."),
    )
    stops = models.JSONField(
        _("only these stops"),
        default=list,
        blank=True,
        help_text=_(
            "Stops of a GTFS-Flex location group ({stop_id, lon, lat}); empty: every stop "
            "inside the area."
        ),
    )
    booking = models.CharField(_("booking"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("demand-responsive service")
        verbose_name_plural = _("demand-responsive services")
        ordering = ["region", "line"]

    def __str__(self) -> str:
        return f"{self.line} {self.name}".strip()


class CellClass(models.Model):
    """The ÖV-Güteklasse (A–F, or none) of a population cell under a feed."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="cell_classes")
    cell = models.ForeignKey(
        "region.PopulationCell", on_delete=models.CASCADE, related_name="transit_classes"
    )
    klass = models.CharField(_("class"), max_length=1, blank=True)

    class Meta:
        verbose_name = _("ÖV-Güteklasse of a cell")
        verbose_name_plural = _("ÖV-Güteklassen of cells")
        constraints = [
            models.UniqueConstraint(fields=["feed", "cell"], name="transit_cell_class_once")
        ]

    def __str__(self) -> str:
        return f"{self.cell_id}: {self.klass or '–'}"


class TravelTimeSummary(models.Model):
    """Travel time by bus and train from a district to the nearest facility of a type.

    Per cell the median and the 90th percentile over the departure minutes of the feed's window;
    per district the population-weighted median of each over the cells; likewise the fastest
    minute (``best_min``). Written by
    ``nahraum transit times`` (and the demo), so that pages show the 90th percentile too — the
    analysis indicators (mode "transit") carry the medians.
    """

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="time_summaries")
    district = models.ForeignKey(
        "region.District", on_delete=models.CASCADE, related_name="transit_times"
    )
    facility_type = models.ForeignKey(
        "region.FacilityType", on_delete=models.CASCADE, related_name="+"
    )
    median_min = models.FloatField(_("median over departure minutes (min)"), null=True)
    p90_min = models.FloatField(_("90th percentile over departure minutes (min)"), null=True)
    walk_min = models.FloatField(_("on foot (min)"), null=True)
    #: the fastest departure minute per cell (someone who times the trip to the timetable):
    #: the median counts the wait, so with hourly buses it often equals walking
    best_min = models.FloatField(_("fastest connection in the window (min)"), null=True)
    population = models.PositiveIntegerField(_("inhabitants"), default=0)
    computed = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("travel time by bus and train")
        verbose_name_plural = _("travel times by bus and train")
        constraints = [
            models.UniqueConstraint(
                fields=["feed", "district", "facility_type"], name="transit_time_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district_id}/{self.facility_type_id}: {self.median_min}"


class DayType(models.TextChoices):
    """The day types of :mod:`nahraum.transit.daytypes` (same keys)."""

    SCHOOL_WEEKDAY = "school_weekday", _("school weekday")
    SATURDAY = "saturday", _("Saturday")
    SUNDAY = "sunday", _("Sunday/public holiday")
    HOLIDAY_WEEKDAY = "holiday_weekday", _("weekday in the school holidays")


class DayTypeService(models.Model):
    """An Ortsteil's service on one day type: departures and the last trip back from the core.

    ``departures`` counts the departures of the service day's own trips at the Ortsteil's stops
    (not the previous day's trips after midnight); ``last_back_s`` is the latest departure from a
    Kernstadt stop of a trip that calls at a stop of the Ortsteil later (direct, no change),
    seconds after midnight; None: there is none (or the Ortsteil is a Kernstadt itself).
    """

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="day_type_services")
    district = models.ForeignKey(
        "region.District", on_delete=models.CASCADE, related_name="transit_day_types"
    )
    day_type = models.CharField(_("day type"), max_length=20, choices=DayType.choices)
    service_date = models.DateField(_("date used"))
    departures = models.PositiveIntegerField(_("departures"), default=0)
    last_back_s = models.PositiveIntegerField(
        _("last direct trip back from the core town (s after midnight)"), null=True, blank=True
    )
    stops = models.PositiveIntegerField(_("stops in the district"), default=0)

    class Meta:
        verbose_name = _("service of a district on a day type")
        verbose_name_plural = _("service of districts on day types")
        constraints = [
            models.UniqueConstraint(
                fields=["feed", "district", "day_type"], name="transit_day_type_service_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district_id}/{self.day_type}: {self.departures}"


class DayTypeTime(models.Model):
    """Travel time by bus and train from an Ortsteil on one day type and in one window.

    ``target`` is "core" (the Kernstadt of the Ortsteil's municipality) or a facility type key
    (the nearest facility of that type); values are population-weighted medians over the
    Ortsteil's cells of the per-cell median (and fastest minute) over the window.
    """

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="day_type_times")
    district = models.ForeignKey(
        "region.District", on_delete=models.CASCADE, related_name="transit_day_type_times"
    )
    day_type = models.CharField(_("day type"), max_length=20, choices=DayType.choices)
    service_date = models.DateField(_("date used"))
    window = models.CharField(_("time window"), max_length=20)
    window_start = models.PositiveIntegerField()
    window_end = models.PositiveIntegerField()
    target = models.CharField(_("destination"), max_length=100)
    median_min = models.FloatField(_("median over departure minutes (min)"), null=True)
    best_min = models.FloatField(_("fastest connection in the window (min)"), null=True)
    population = models.PositiveIntegerField(_("inhabitants"), default=0)

    class Meta:
        verbose_name = _("travel time on a day type")
        verbose_name_plural = _("travel times on day types")
        constraints = [
            models.UniqueConstraint(
                fields=["feed", "district", "day_type", "window", "target"],
                name="transit_day_type_time_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.district_id}/{self.day_type}/{self.window}/{self.target}: {self.median_min}"
