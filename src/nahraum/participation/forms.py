"""Forms of the participation part. Every text has a size limit; every public form a honeypot."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from nahraum.accounts.forms import HoneypotMixin
from nahraum.accounts.rules import can_create_for, is_project_office
from nahraum.region.models import District, InnovationField, Municipality

from . import models as m


class OwnedByMunicipalityForm(forms.ModelForm):
    """A form for an object owned by a municipality or jointly (empty = project office).

    Staff may only choose their own municipality; the project office may choose any or none.
    """

    def __init__(self, *args, user=None, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        if user is not None and not is_project_office(user):
            field.queryset = Municipality.objects.filter(pk=user.municipality_id)
            field.required = True
            field.empty_label = None
        else:
            field.empty_label = _("joint (project office)")

    def clean_municipality(self):
        municipality = self.cleaned_data.get("municipality")
        if self.user is not None and not can_create_for(
            self.user, municipality.pk if municipality else None
        ):
            raise forms.ValidationError(_("You may only act for your own municipality."))
        return municipality


class IdeaForm(HoneypotMixin, forms.ModelForm):
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )

    class Meta:
        model = m.Idea
        fields = ("title", "text", "field", "district", "lat", "lon")
        help_texts = {
            "lat": _("Optional: click on the map, or type the coordinates."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.select_related("municipality")
        self.fields["district"].label_from_instance = lambda d: f"{d.name} ({d.municipality.name})"
        self.fields["district"].required = False
        self.fields["field"].label_from_instance = lambda f: f.name

    def clean(self) -> dict:
        data = super().clean()
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            raise forms.ValidationError(_("Give both coordinates of the point, or none."))
        if lat is not None and not self.errors:
            district = data.get("district") or _district_at(lat, lon)
            if district is None and not _near_region(lat, lon):
                self.add_error("lat", _("The point lies outside the region."))
            data["district"] = district
        return data

    def save(self, commit: bool = True) -> m.Idea:
        idea = super().save(commit=False)
        idea.municipality = idea.district.municipality if idea.district_id else None
        if commit:
            idea.save()
        return idea


def _district_at(lat: float, lon: float) -> District | None:
    """The Ortsteil whose boundary contains the point, if the region data has boundaries."""
    from shapely.geometry import Point, shape

    point = Point(lon, lat)
    for district in District.objects.exclude(boundary=None).select_related("municipality"):
        try:
            if shape(district.boundary).covers(point):
                return district
        except (ValueError, TypeError, AttributeError, KeyError):
            continue
    return None


def _near_region(lat: float, lon: float, margin: float = 0.05) -> bool:
    """Within the bounding box of the Ortsteile's centres, plus a margin (about 5 km)."""
    centres = list(District.objects.values_list("centre_lat", "centre_lon"))
    if not centres:
        return True
    lats = [c[0] for c in centres]
    lons = [c[1] for c in centres]
    return (min(lats) - margin <= lat <= max(lats) + margin) and (
        min(lons) - margin <= lon <= max(lons) + margin
    )


class CommentForm(HoneypotMixin, forms.ModelForm):
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = m.Comment
        fields = ("text",)
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class ReportForm(forms.ModelForm):
    class Meta:
        model = m.AbuseReport
        fields = ("reason",)
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}
        labels = {"reason": _("What is wrong with it?")}


class ModerationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=m.REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class IdeaAnswerForm(forms.ModelForm):
    class Meta:
        model = m.Idea
        fields = ("status", "public_answer")
        widgets = {"public_answer": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Offer only the steps the workflow allows from the stored status.
        allowed = m.Idea.TRANSITIONS.get(self.instance.status, set(m.Idea.Status.values))
        self.fields["status"].choices = [
            (value, label) for value, label in m.Idea.Status.choices if value in allowed
        ]

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("status") in (m.Idea.Status.ACCEPTED, m.Idea.Status.REJECTED)
            and not (data.get("public_answer") or "").strip()
        ):
            self.add_error("public_answer", _("A decision needs a public answer."))
        return data


class IdeaFilterForm(forms.Form):
    SORTS = (("new", _("newest first")), ("support", _("most supported first")))
    field = forms.ModelChoiceField(
        label=_("Innovation field"),
        queryset=InnovationField.objects.all(),
        required=False,
        empty_label=_("all"),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        required=False,
        empty_label=_("all"),
    )
    district = forms.ModelChoiceField(
        label=_("Ortsteil"), queryset=District.objects.all(), required=False, empty_label=_("all")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("all"))] + list(m.Idea.Status.choices), required=False
    )
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].label_from_instance = lambda f: f.name


class WorkshopForm(OwnedByMunicipalityForm):
    online_link = forms.URLField(
        label=_("online link"), required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = m.Workshop
        fields = (
            "title",
            "field",
            "municipality",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "online_link",
            "capacity",
            "registration_open",
        )
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].label_from_instance = lambda f: f.name
        self.fields["capacity"].min_value = 1
        self.fields["capacity"].widget.attrs["min"] = 1


class RegistrationForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("I take part for a group (optional)"),
        queryset=m.SocietalGroup.objects.all(),
        required=False,
        empty_label=_("for myself"),
    )


class InvitationForm(forms.ModelForm):
    class Meta:
        model = m.Invitation
        fields = ("group", "channel")
        labels = {"group": _("Group")}

    def __init__(self, *args, workshop=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.workshop = workshop
        if workshop is not None:
            self.fields["group"].queryset = m.SocietalGroup.objects.exclude(
                invitations__workshop=workshop
            )

    def save(self, commit: bool = True) -> m.Invitation:
        invitation = super().save(commit=False)
        invitation.workshop = self.workshop
        invitation.contact = invitation.group.contacts.filter(consent_given=True).first()
        if commit:
            invitation.save()
        return invitation


class WorkshopResultForm(forms.ModelForm):
    class Meta:
        model = m.WorkshopResult
        fields = ("needs", "ideas", "action_fields", "groups_present", "participants_count")
        widgets = {
            "needs": forms.Textarea(attrs={"rows": 5}),
            "ideas": forms.Textarea(attrs={"rows": 5}),
            "action_fields": forms.Textarea(attrs={"rows": 3}),
            "groups_present": forms.CheckboxSelectMultiple,
        }


class ProposedMeasureForm(forms.ModelForm):
    class Meta:
        model = m.ProposedMeasure
        fields = ("title", "description", "action_field", "field")
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, default_field: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].label_from_instance = lambda f: f.name
        if default_field is not None and self.instance.pk is None:
            self.fields["field"].initial = default_field


ProposedMeasureFormSet = inlineformset_factory(
    m.WorkshopResult,
    m.ProposedMeasure,
    form=ProposedMeasureForm,
    extra=2,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


class SocietalGroupForm(OwnedByMunicipalityForm):
    class Meta:
        model = m.SocietalGroup
        fields = ("name", "kind", "municipality", "district", "fields", "members_estimate", "note")
        widgets = {
            "fields": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fields"].label_from_instance = lambda f: f.name
        self.fields["district"].queryset = District.objects.select_related("municipality")
        self.fields["district"].label_from_instance = lambda d: f"{d.name} ({d.municipality.name})"


class ContactForm(forms.ModelForm):
    class Meta:
        model = m.Contact
        fields = ("name", "role", "email", "phone", "consent_given", "consent_date", "consent_note")
        widgets = {"consent_date": forms.DateInput(attrs={"type": "date"})}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("consent_given") and not data.get("consent_date"):
            self.add_error("consent_date", _("Record when consent was given."))
        if not data.get("consent_given") and (data.get("email") or data.get("phone")):
            self.add_error(
                "consent_given",
                _("Email or phone may only be kept with the person's recorded consent."),
            )
        return data


class OutreachForm(forms.ModelForm):
    class Meta:
        model = m.OutreachAction
        fields = ("outcome", "channel", "date", "field", "workshop", "contact", "note")
        labels = {"workshop": _("Workshop"), "contact": _("Contact person")}
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, group=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].label_from_instance = lambda f: f.name
        if group is not None:
            self.fields["contact"].queryset = group.contacts.all()


class SurveyForm(OwnedByMunicipalityForm):
    class Meta:
        model = m.Survey
        fields = ("title", "description", "field", "municipality", "opens_at", "closes_at")
        widgets = {
            "opens_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "closes_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].label_from_instance = lambda f: f.name


class QuestionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("Options (one per line, for single and multiple choice)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = m.Question
        fields = ("text", "kind", "required")

    def clean(self) -> dict:
        data = super().clean()
        options = [
            line.strip() for line in (data.get("choices_text") or "").splitlines() if line.strip()
        ]
        if data.get("kind") in (m.Question.Kind.SINGLE, m.Question.Kind.MULTIPLE):
            if len(options) < 2:
                self.add_error("choices_text", _("Give at least two options."))
            if any(len(o) > m.TITLE_MAX for o in options):
                self.add_error(
                    "choices_text",
                    _("An option is longer than %(n)d characters.") % {"n": m.TITLE_MAX},
                )
            if len(set(options)) != len(options):
                self.add_error("choices_text", _("Options repeat."))
        elif options:
            self.add_error("choices_text", _("Only choice questions have options."))
        data["options"] = options
        return data


SCALE_CHOICES = [(i, str(i)) for i in range(1, 6)]


class SurveyAnswerForm(HoneypotMixin, forms.Form):
    """Built from the survey's questions: one field per question, named ``q<id>``."""

    def __init__(self, survey: m.Survey, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.questions = list(survey.questions.prefetch_related("choices"))
        for q in self.questions:
            name = f"q{q.pk}"
            if q.kind == m.Question.Kind.SINGLE:
                field = forms.ChoiceField(
                    choices=[(c.pk, c.text) for c in q.choices.all()], widget=forms.RadioSelect
                )
            elif q.kind == m.Question.Kind.MULTIPLE:
                field = forms.MultipleChoiceField(
                    choices=[(c.pk, c.text) for c in q.choices.all()],
                    widget=forms.CheckboxSelectMultiple,
                )
            elif q.kind == m.Question.Kind.SCALE:
                field = forms.TypedChoiceField(
                    choices=SCALE_CHOICES,
                    coerce=int,
                    widget=forms.RadioSelect,
                    help_text=_("1 = not at all, 5 = very much"),
                )
            else:
                field = forms.CharField(
                    max_length=m.COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
                )
            field.label = q.text
            field.required = q.required
            self.fields[name] = field
        self.order_fields([f"q{q.pk}" for q in self.questions] + ["website"])

    def values(self) -> dict[int, object]:
        out: dict[int, object] = {}
        for q in self.questions:
            value = self.cleaned_data.get(f"q{q.pk}")
            if q.kind == m.Question.Kind.SINGLE and value not in (None, ""):
                value = [value]
            out[q.pk] = value
        return out
