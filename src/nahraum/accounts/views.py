"""Accounts: register with email confirmation, log in (throttled), profile, GDPR self-service."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from . import throttle
from .forms import DeleteAccountForm, LoginForm, ProfileForm, RegistrationForm
from .permissions import permission_required
from .privacy import StillResponsible, erase_account, personal_data
from .signals import TRUST_DEVICE_ATTR
from .tokens import email_confirmation_tokens, password_reset_tokens

User = get_user_model()

#: New registrations per address and hour: enough for a family or a library PC, not for a bot.
REGISTRATIONS_PER_HOUR = 5


def send_confirmation(request: HttpRequest, user) -> None:
    """Mail the link that activates the account (token bound to the user's state)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_confirmation_tokens.make_token(user)
    link = request.build_absolute_uri(reverse("accounts:confirm", args=[uid, token]))
    body = render_to_string("accounts/email_confirm.txt", {"user": user, "link": link})
    send_mail(
        _("nahraum: confirm your email address"), body, settings.DEFAULT_FROM_EMAIL, [user.email]
    )


def send_already_registered(request: HttpRequest, email: str) -> None:
    """Tell the owner of a taken address that somebody tried to register with it.

    The page shown is the same as for a new address, so a stranger learns nothing; the owner
    learns where to log in or reset the password (and that the attempt was not theirs, if so).
    """
    context = {
        "login": request.build_absolute_uri(reverse("accounts:login")),
        "reset": request.build_absolute_uri(reverse("accounts:password_reset")),
    }
    body = render_to_string("accounts/email_already_registered.txt", context)
    send_mail(
        _("nahraum: an account with your address exists already"),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        ip = throttle.client_address(request)
        if not throttle.allow("register", ip, REGISTRATIONS_PER_HOUR, 3600):
            messages.error(request, _("Too many registrations from your address; try again later."))
            return render(request, "accounts/register.html", {"form": form}, status=429)
        if form.is_valid():
            email = form.cleaned_data["email"]
            if form.email_taken():
                # Same work (a password hash) and the same page as a new registration.
                make_password(form.cleaned_data["password1"])
                send_already_registered(request, email)
                return render(request, "accounts/register_done.html", {"email": email})
            try:
                with transaction.atomic():
                    user = form.save()
                    send_confirmation(request, user)
            except IntegrityError:  # the same address registered a moment ago
                send_already_registered(request, email)
            return render(request, "accounts/register_done.html", {"email": email})
        messages.error(request, _("Please correct the marked fields."))
    return render(request, "accounts/register.html", {"form": form})


def confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        user = None
    # The token is valid only while the address is unconfirmed (see tokens.py): an account that
    # staff disabled after its confirmation is never re-activated by a mailed link.
    if (
        user is None
        or user.email_confirmed_at is not None
        or not email_confirmation_tokens.check_token(user, token)
    ):
        return render(request, "accounts/confirm_failed.html", status=400)
    user.is_active = True
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["is_active", "email_confirmed_at"])
    login(request, user, backend="nahraum.accounts.backends.ThrottledModelBackend")
    messages.success(request, _("Your email address is confirmed. Welcome!"))
    return redirect("accounts:profile")


class LoginView(auth_views.LoginView):
    """Django's login; the throttle acts in the backend and the form says why (429 then)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            return self.render_to_response(self.get_context_data(form=form), status=429)
        username = User.normalize_username(self.request.POST.get("username", ""))
        pending = User.objects.filter(
            username=username, is_active=False, email_confirmed_at__isnull=True
        ).first()
        if pending is not None and pending.check_password(self.request.POST.get("password", "")):
            messages.info(
                self.request, _("Please confirm your email address first (see the email we sent).")
            )
        return super().form_invalid(form)


def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out on POST (the header's form); a GET shows a button, so links cannot log people out."""
    if request.method == "POST":
        logout(request)
        messages.info(request, _("You are logged out."))
        return redirect("/")
    return render(request, "accounts/logout.html")


#: Password-reset mails per address and hour (each request sends a mail to someone).
RESETS_PER_HOUR = 5


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    token_generator = password_reset_tokens
    email_template_name = "accounts/email_password_reset.txt"
    subject_template_name = "accounts/email_password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        if not throttle.allow("reset", throttle.client_address(request), RESETS_PER_HOUR, 3600):
            messages.error(request, _("Too many requests from your address; try again later."))
            form = self.get_form()
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset with our own tokens; a completed reset lifts the account's login lock.

    Proving control of the account's email is the "unlock by mail" of the login throttle, and
    the browser that did it is remembered as the owner's (a device cookie).
    """

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    token_generator = password_reset_tokens

    def form_valid(self, form):
        response = super().form_valid(form)
        username = form.user.get_username()
        throttle.account_unlocked(username)
        setattr(self.request, TRUST_DEVICE_ATTR, username)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
        messages.error(request, _("Please correct the marked fields."))
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@permission_required("accounts.view_own_data")
def download_data(request: HttpRequest) -> HttpResponse:
    """Art. 15/20 GDPR: everything about me, as JSON."""
    payload = json.dumps(personal_data(request.user), ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="nahraum-{request.user.username}-data.json"'
    )
    return response


@login_required
@permission_required("accounts.delete_own_account")
def delete_account(request: HttpRequest) -> HttpResponse:
    """Art. 17 GDPR: delete the account; contributions stay, without a name (author set null)."""
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                erase_account(request.user)
            except StillResponsible:
                messages.error(
                    request,
                    _(
                        "Your account is still named as responsible for a planning object; "
                        "please ask the project office to hand it over first."
                    ),
                )
                return render(request, "accounts/delete.html", {"form": form}, status=409)
            logout(request)
            messages.success(
                request, _("Your account is deleted. Your contributions remain without your name.")
            )
            return redirect("/")
        messages.error(request, _("Please correct the marked fields."))
    return render(request, "accounts/delete.html", {"form": form})
