"""Staff forms of the strategy. Each validates fully before anything is saved."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from nahraum.accounts.rules import can_create_for
from nahraum.region.models import Municipality

from . import indicators
from .models import Goal, Measure, Milestone, Project, Status


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MunicipalityChoiceMixin:
    """A 'responsible municipality' select where empty means joint, limited by the user's role."""

    def _setup_municipality(self, user, field_name: str = "municipality") -> None:
        self.user = user
        field = self.fields[field_name]
        field.queryset = Municipality.objects.order_by("name")
        field.required = False
        field.empty_label = _("both municipalities (joint)")
        field.label = _("Responsible municipality")

    def _check_municipality(self, municipality) -> None:
        if not can_create_for(self.user, municipality.pk if municipality else None):
            raise ValidationError(
                _("You may not act for %(who)s.")
                % {"who": municipality or _("both municipalities (joint)")}
            )


class DeriveMeasureForm(MunicipalityChoiceMixin, forms.Form):
    """Make a measure draft from a workshop's proposed measure."""

    goal = forms.ModelChoiceField(queryset=Goal.objects.none(), label=_("Goal"))
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False, max_length=5000
    )
    municipality = forms.ModelChoiceField(queryset=Municipality.objects.none())
    quick_win = forms.BooleanField(label=_("Quick win"), required=False)

    def __init__(self, *args, proposal, user, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("title", proposal.title)
        initial.setdefault("description", proposal.description)
        initial.setdefault("municipality", proposal.municipality_id)
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        self.fields["goal"].queryset = Goal.objects.filter(field_id=proposal.field_id)
        self.fields["goal"].help_text = _("Goals of the innovation field “%(field)s”.") % {
            "field": proposal.field
        }
        self._setup_municipality(user)

    def clean_municipality(self):
        municipality = self.cleaned_data.get("municipality")
        self._check_municipality(municipality)
        return municipality


class TargetForm(forms.Form):
    """Attach a supply indicator of the analysis with a target value and date."""

    indicator = forms.ChoiceField(label=_("Indicator"), choices=())
    target_value = forms.FloatField(
        label=_("Target value"),
        help_text=_("Shares in percent (0–100); other indicators in their own unit (minutes, …)."),
    )
    target_date = forms.DateField(label=_("Target date"), widget=DateInput())
    label = forms.CharField(label=_("Label (optional)"), max_length=300, required=False)

    def __init__(self, *args, run=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.run = run
        self.fields["indicator"].choices = [
            ("", _("— choose an indicator —"))
        ] + indicators.available_specs(run)
        self.fields["indicator"].error_messages["required"] = _(
            "Choose the indicator of the analysis the target is about."
        )

    def clean(self):
        data = super().clean()
        spec, value = data.get("indicator"), data.get("target_value")
        if (
            spec
            and value is not None
            and indicators.is_share(spec["metric"])
            and not 0 <= value <= 100
        ):
            self.add_error("target_value", _("A share lies between 0 and 100 %."))
        return data

    def clean_indicator(self):
        key = self.cleaned_data["indicator"]
        try:
            return indicators.parse_spec_key(key)
        except ValueError as exc:
            raise ValidationError(
                _("Not an indicator of the analysis: %(e)s") % {"e": exc}
            ) from None


class MeasureForm(MunicipalityChoiceMixin, forms.ModelForm):
    """Edit a measure's description, responsibility, phase, weight and place (not its status)."""

    class Meta:
        model = Measure
        fields = [
            "title",
            "description",
            "goal",
            "municipality",
            "phase",
            "quick_win",
            "weight",
            "progress_percent",
            "decided_on",
            "place_name",
            "lat",
            "lon",
            "origin_note",
        ]
        widgets = {"decided_on": DateInput(), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.filter(field_id=self.instance.goal.field_id)
        self._setup_municipality(user)

    def clean_municipality(self):
        municipality = self.cleaned_data.get("municipality")
        self._check_municipality(municipality)
        return municipality


class ProjectForm(MunicipalityChoiceMixin, forms.ModelForm):
    url = forms.URLField(label=_("web address"), required=False, assume_scheme="https")

    class Meta:
        model = Project
        fields = [
            "title",
            "description",
            "municipality",
            "quick_win",
            "is_digital_offer",
            "weight",
            "progress_percent",
            "planned_start",
            "planned_end",
            "budget_planned",
            "budget_spent",
            "funding_source",
            "url",
            "place_name",
            "lat",
            "lon",
        ]
        widgets = {
            "planned_start": DateInput(),
            "planned_end": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, measure, **kwargs):
        if kwargs.get("instance") is None:
            kwargs.setdefault("initial", {}).setdefault("municipality", measure.municipality_id)
        super().__init__(*args, **kwargs)
        self.measure = measure
        self._setup_municipality(user)

    def clean_municipality(self):
        municipality = self.cleaned_data.get("municipality")
        self._check_municipality(municipality)
        return municipality

    def clean_budget_planned(self):
        return _non_negative(self.cleaned_data.get("budget_planned"), _("planned budget"))

    def clean_budget_spent(self):
        return _non_negative(self.cleaned_data.get("budget_spent"), _("spent"))


def _non_negative(value, what):
    if value is not None and value < 0:
        raise ValidationError(
            _("The %(what)s must not be negative (got %(value)s).") % {"what": what, "value": value}
        )
    return value


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "weight", "planned_start", "planned_end", "actual_start", "actual_end"]
        widgets = {
            name: DateInput()
            for name in ("planned_start", "planned_end", "actual_start", "actual_end")
        }


MilestoneFormSet = inlineformset_factory(
    Project, Milestone, form=MilestoneForm, extra=3, can_delete=True
)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=dt.date.today)
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
