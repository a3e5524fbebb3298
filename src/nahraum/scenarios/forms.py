"""Forms of the scenario editor and the location-planning page.

Change forms are ModelForms on an instance that already knows its scenario, so the model's own
``clean`` (place inside the region, what each action needs, possible growth rates) runs exactly
as it does for the command line.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahraum.access.locate import METHODS
from nahraum.accounts.rules import can_create_for
from nahraum.region.models import AGE_BANDS, District, Facility, FacilityType, Municipality

from .models import (
    BusLine,
    FacilityChange,
    MobileService,
    PopulationProjection,
    Scenario,
    TransportChange,
)

METHOD_LABELS = {
    "max_coverage": _("maximal coverage: most people within the norm with k sites"),
    "p_median": _("p-median: least total travel time with k sites"),
    "set_cover": _("set cover: fewest sites so that everybody is within the norm"),
}
MODE_CHOICES = [("walk", _("on foot")), ("bike", _("by bike")), ("car", _("by car"))]


class ScenarioForm(forms.ModelForm):
    """A new scenario, for a municipality the user may plan for (the ownership rule).

    The select offers exactly the municipalities ``can_create_for`` allows, and "joint" only to
    the project office; a forged value is refused by the same rule in ``clean_municipality``.
    """

    class Meta:
        model = Scenario
        fields = ["name", "description", "municipality", "parent"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, region=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["parent"].queryset = Scenario.objects.filter(region=region)
        self.fields["parent"].label = _("builds on")
        field = self.fields["municipality"]
        allowed = [
            m.pk for m in Municipality.objects.filter(region=region) if can_create_for(user, m.pk)
        ]
        field.queryset = Municipality.objects.filter(pk__in=allowed).order_by("name")
        field.required = not can_create_for(user, None)
        field.empty_label = _("both municipalities (joint)") if not field.required else None
        if field.required and len(allowed) == 1:
            field.initial = allowed[0]

    def clean_municipality(self) -> Municipality | None:
        municipality = self.cleaned_data.get("municipality")
        if not can_create_for(self.user, municipality.pk if municipality else None):
            raise ValidationError(
                _("You may not plan for %(who)s.")
                % {"who": municipality or _("both municipalities (joint)")}
            )
        return municipality


class CompareForm(forms.Form):
    """The comparison page's GET parameters: what to compare with, which service × mode."""

    pair = forms.CharField(required=False, max_length=100)

    def __init__(self, *args, others=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.others = others if others is not None else Scenario.objects.none()
        # "with" is a Python keyword, so the field is added under its URL name here
        self.fields["with"] = forms.CharField(required=False, max_length=20)

    def clean_with(self) -> Scenario | None:
        """Another run scenario of the region, or ``None`` for the baseline."""
        value = self.cleaned_data.get("with") or "baseline"
        if value == "baseline":
            return None
        other = self.others.filter(pk=int(value)).first() if value.isdigit() else None
        if other is None:
            raise ValidationError(_("No such scenario to compare with."))
        return other


class ProjectionForm(forms.ModelForm):
    class Meta:
        model = PopulationProjection
        fields = ["base_year", "target_year", "cohort_ageing", "birth_rate", "top_band_mortality"]

    def clean_target_year(self) -> int:
        year = self.cleaned_data["target_year"]
        now = timezone.now().year
        if year < now:
            raise ValidationError(
                _("The target year %(year)s lies in the past (it is %(now)s now).")
                % {"year": year, "now": now}
            )
        return year


def _area_choices(region) -> list[tuple[str, str]]:
    out = [(f"m:{m.pk}", f"{m.name}") for m in Municipality.objects.filter(region=region)]
    out += [
        (f"d:{d.pk}", f"{d.municipality.name} – {d.name}")
        for d in District.objects.filter(municipality__region=region).select_related("municipality")
    ]
    return out


class GrowthRateForm(forms.Form):
    area = forms.ChoiceField(label=_("municipality or district"))
    rate_percent = forms.FloatField(
        label=_("annual change (%)"), help_text=_("e.g. -0.4 for a shrinking town")
    )
    note = forms.CharField(label=_("reason"), required=False, max_length=300)

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _area_choices(region)

    def clean_rate_percent(self) -> float:
        value = self.cleaned_data["rate_percent"]
        if not -100 < value <= 100:
            raise ValidationError(
                _(
                    "An annual change of %(rate)s %% is impossible; it must lie between −100 %% "
                    "and +100 %%."
                )
                % {"rate": f"{value:g}"}
            )
        return value


class FacilityChangeForm(forms.ModelForm):
    class Meta:
        model = FacilityChange
        fields = ["action", "facility", "facility_type", "name", "lat", "lon", "capacity", "note"]

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = (
            Facility.objects.filter(municipality__region=region)
            .select_related("type")
            .order_by("type__order", "type__key", "name")
        )
        self.fields["facility"].label_from_instance = lambda f: f"{f.type.name}: {f.name or f.key}"
        self.fields["facility_type"].queryset = FacilityType.objects.all()


class MobileServiceForm(forms.ModelForm):
    class Meta:
        model = MobileService
        fields = ["facility_type", "name", "lat", "lon", "weekday", "start", "end", "capacity"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class TransportChangeForm(forms.ModelForm):
    class Meta:
        model = TransportChange
        fields = [
            "kind",
            "mode",
            "speed_factor",
            "districts",
            "wait_minutes",
            "detour_factor",
            "note",
        ]
        widgets = {"mode": forms.Select(choices=MODE_CHOICES)}

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["districts"].queryset = District.objects.filter(municipality__region=region)


class StopsField(forms.CharField):
    """Stops as text, one a line ``name; latitude; longitude``; cleaned to a list of dicts."""

    widget = forms.Textarea

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{s.get('name', '')}; {s.get('lat')}; {s.get('lon')}" for s in value)
        return value

    def to_python(self, value):
        from .services import parse_stops

        text = super().to_python(value)
        try:
            return parse_stops(text)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("stops", exc.messages)) from None


class BusLineForm(forms.ModelForm):
    stops = StopsField(
        label=_("stops in order"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One stop a line: name; latitude; longitude — or pick a place on the map and "
            "press “Add the place picked on the map”."
        ),
    )

    class Meta:
        model = BusLine
        fields = [
            "name",
            "stops",
            "headway_min",
            "first_departure",
            "last_departure",
            "both_directions",
            "car_time_factor",
            "note",
        ]
        widgets = {
            "first_departure": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "last_departure": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class RunForm(forms.Form):
    modes = forms.MultipleChoiceField(
        label=_("modes"),
        choices=MODE_CHOICES,
        initial=["walk", "bike", "car"],
        widget=forms.CheckboxSelectMultiple,
    )
    types = forms.ModelMultipleChoiceField(
        label=_("facility types (none: all)"),
        queryset=FacilityType.objects.all(),
        required=False,
        to_field_name="key",
    )


class QuickCheckForm(forms.Form):
    """One facility type, one mode: baseline vs scenario for the whole region, not stored."""

    quick_type = forms.ModelChoiceField(
        label=_("facility type"), queryset=FacilityType.objects.all(), to_field_name="key"
    )
    quick_mode = forms.ChoiceField(label=_("mode"), choices=MODE_CHOICES, initial="walk")


class LocateForm(forms.Form):
    facility_type = forms.ModelChoiceField(
        label=_("facility type"), queryset=FacilityType.objects.all(), to_field_name="key"
    )
    method = forms.ChoiceField(
        label=_("question"), choices=[(m, METHOD_LABELS[m]) for m in METHODS]
    )
    k = forms.IntegerField(
        label=_("number of sites k"), min_value=1, max_value=100, initial=3, required=False
    )
    mode = forms.ChoiceField(label=_("mode"), choices=MODE_CHOICES, initial="walk")
    norm_minutes = forms.FloatField(
        label=_("norm (minutes)"),
        min_value=0.5,
        max_value=240,
        required=False,
        help_text=_("Empty: the type's norm for the mode."),
    )
    target_bands = forms.MultipleChoiceField(
        label=_("target group (none: everybody)"),
        choices=[(b, b) for b in AGE_BANDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    candidate_source = forms.ChoiceField(
        label=_("candidate sites"),
        choices=[
            ("settled", _("all settled places (populated cells)")),
            ("list", _("my list below")),
            ("keep", _("the existing facilities: which to keep")),
        ],
        initial="settled",
    )
    candidates = forms.CharField(
        label=_("candidate list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One site a line: name; latitude; longitude"),
    )

    def clean(self):
        data = super().clean()
        if data.get("method") in ("max_coverage", "p_median") and not data.get("k"):
            self.add_error("k", _("Give the number of sites k."))
        if data.get("candidate_source") == "list" and not (data.get("candidates") or "").strip():
            self.add_error("candidates", _("Give at least one candidate site."))
        return data
