"""Accounts: register with email confirmation, log in (throttled), profile, GDPR self-service."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from . import throttle
from .forms import DeleteAccountForm, LoginForm, ProfileForm, RegistrationForm
from .permissions import permission_required
from .privacy import StillResponsible, erase_account, personal_data

User = get_user_model()

#: New registrations per address and hour: enough for a family or a library PC, not for a bot.
REGISTRATIONS_PER_HOUR = 5


def send_confirmation(request: HttpRequest, user) -> None:
    """Mail the link that activates the account (token bound to the user's state)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = request.build_absolute_uri(reverse("accounts:confirm", args=[uid, token]))
    body = render_to_string("accounts/email_confirm.txt", {"user": user, "link": link})
    send_mail(
        _("nahraum: confirm your email address"), body, settings.DEFAULT_FROM_EMAIL, [user.email]
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
            with transaction.atomic():
                user = form.save()
                send_confirmation(request, user)
            return render(request, "accounts/register_done.html", {"email": user.email})
        messages.error(request, _("Please correct the marked fields."))
    return render(request, "accounts/register.html", {"form": form})


def confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/confirm_failed.html", status=400)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your email address is confirmed. Welcome!"))
    return redirect("accounts:profile")


class LoginView(auth_views.LoginView):
    """Django's login with throttling per username and address."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if throttle.login_blocked(request, username):
            messages.error(
                request,
                _(
                    "Too many failed attempts. "
                    "Please wait %(minutes)d minutes or reset your password."
                )
                % {"minutes": throttle.LOGIN_WINDOW_SECONDS // 60},
            )
            form = self.get_form()
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        throttle.login_succeeded(self.request, form.get_user().get_username())
        return super().form_valid(form)

    def form_invalid(self, form):
        username = self.request.POST.get("username", "")
        throttle.login_failed(self.request, username)
        pending = User.objects.filter(username=username, is_active=False).first()
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
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


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
