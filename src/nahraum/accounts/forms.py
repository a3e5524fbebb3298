"""Forms of the accounts app: registration, login, profile with consented demographics, deletion."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from nahraum.region.models import AGE_BANDS, District

from . import throttle
from .models import User


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS, skipped by screen readers) but bots fill in."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self) -> dict:
        # A form-wide error, because the field itself is invisible to people.
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("This form was filled in automatically; not accepted."))
        return data


class RegistrationForm(HoneypotMixin, forms.ModelForm):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_privacy = forms.BooleanField(
        label=_("I have read how nahraum uses my data (privacy notice)."), required=True
    )

    class Meta:
        model = User
        fields = ("username", "email")

    def clean_email(self) -> str:
        """Normalised; whether it has an account already is *not* said here (see the view)."""
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def validate_unique(self) -> None:
        # The email's uniqueness is left to the view, which answers a taken address exactly like
        # a new one (and mails its owner instead): the form must not tell a stranger that an
        # address has an account. Password reset already behaves so.
        exclude = {*self._get_validation_exclusions(), "email"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as exc:
            self._update_errors(exc)

    def email_taken(self) -> bool:
        return User.objects.filter(email__iexact=self.cleaned_data["email"]).exists()

    def clean(self) -> dict:
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            candidate = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        user.is_active = False  # until the email address is confirmed
        user.role = User.Role.CITIZEN
        if commit:
            user.save()
        return user


class ThrottledLoginMixin:
    """Says *why* a login is refused when the throttle refuses it.

    The refusal itself happens in the authentication backend (every login path); this only turns
    it into a form error with the code ``"throttled"`` before the password is checked, so people
    read "wait 15 minutes or reset your password" instead of "wrong password".
    """

    def clean(self) -> dict:
        username = self.data.get("username", "") if self.data else ""
        if self.request is not None and username:
            refusal = throttle.login_refusal(self.request, username)
            if refusal is not None:
                raise forms.ValidationError(refusal.message, code="throttled")
        return super().clean()


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """Django's login form with the throttle's message; the view adds the 'confirm first' hint."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The Django admin's login form under the same throttle as the site's."""


class ProfileForm(forms.ModelForm):
    age_band = forms.ChoiceField(
        label=_("Age band"),
        required=False,
        choices=[("", _("not stated"))] + [(b, b) for b in AGE_BANDS],
    )

    class Meta:
        model = User
        fields = ("first_name", "last_name", "demographics_consent", "age_band", "district")
        labels = {"district": _("Ortsteil where I live")}
        help_texts = {
            "demographics_consent": _(
                "Optional. Used only in aggregate, to see whether the people taking part look "
                "like the people who live here. You can withdraw it at any time."
            )
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.select_related("municipality")
        self.fields["district"].label_from_instance = lambda d: f"{d.name} ({d.municipality.name})"
        self.fields["district"].required = False

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("demographics_consent"):
            # Without consent nothing is kept: withdrawing consent deletes the values.
            data["age_band"] = ""
            data["district"] = None
        return data


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not right."))
        return password
