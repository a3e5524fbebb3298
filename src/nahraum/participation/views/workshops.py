"""Workshops (focus groups): create, register (waiting list), invite groups, attendance, result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nahraum.accounts.permissions import permission_required, require

from .. import models as pm
from .. import selectors, services
from ..forms import (
    InvitationForm,
    ProposedMeasureFormSet,
    RegistrationForm,
    WorkshopForm,
    WorkshopResultForm,
)
from ..models import Registration, Workshop
from ._common import create_page


def workshop_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    workshops = selectors.workshops_with_confirmed()
    return render(
        request,
        "participation/workshop_list.html",
        {
            "upcoming": workshops.filter(starts_at__gte=now).order_by("starts_at"),
            "past": workshops.filter(starts_at__lt=now).order_by("-starts_at"),
            "can_add": request.user.has_perm("participation.add_workshop"),
        },
    )


@login_required
@permission_required("participation.add_workshop")
def workshop_create(request: HttpRequest) -> HttpResponse:
    return create_page(
        request,
        WorkshopForm(request.POST or None, user=request.user),
        template="participation/workshop_form.html",
        saved=_("The workshop is created."),
        not_saved=_("The workshop was not saved. Please correct the marked fields."),
        then=lambda workshop: workshop,
    )


@login_required
def workshop_edit(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = get_object_or_404(Workshop, pk=pk)
    require(request, "participation.change_workshop", workshop)
    form = WorkshopForm(request.POST or None, instance=workshop, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            services.save_workshop(form)  # more places may move people up from the waiting list
            messages.success(request, _("The workshop is saved."))
            return redirect(workshop)
        messages.error(request, _("The workshop was not saved. Please correct the marked fields."))
    return render(
        request,
        "participation/workshop_form.html",
        {"form": form, "workshop": workshop},
        status=400 if form.errors else 200,
    )


def _strategy_link(proposed) -> str | None:
    """The strategy part's view that turns a proposed measure into a measure draft, if installed."""
    for name in ("strategy:derive",):
        try:
            return reverse(name, args=[proposed.pk])
        except NoReverseMatch:
            continue
    return None


def workshop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = get_object_or_404(selectors.workshop_with_place(), pk=pk)
    can_change = request.user.has_perm("participation.change_workshop", workshop)
    mine = selectors.registration_of(workshop, request.user)
    result = selectors.workshop_result(workshop)
    proposed = []
    if result:
        for proposal in selectors.result_proposals(result):
            proposed.append(
                {
                    "measure": proposal,
                    "strategy_url": _strategy_link(proposal) if can_change else None,
                }
            )
    context = {
        "workshop": workshop,
        "can_change": can_change,
        "can_register": request.user.has_perm("participation.register_workshop", workshop),
        "mine": mine,
        "registration_form": RegistrationForm(),
        "confirmed": workshop.confirmed_count,
        "result": result,
        "proposed": proposed,
        "took_part_by_group": selectors.took_part_by_group(workshop),
    }
    if can_change:
        context["registrations"] = selectors.workshop_registrations(workshop)
        context["invitations"] = selectors.workshop_invitations(workshop)
        context["invitation_form"] = InvitationForm(workshop=workshop)
        context["response_choices"] = pm.Invitation.Response.choices
    return render(request, "participation/workshop_detail.html", context)


@require_POST
@login_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = get_object_or_404(Workshop, pk=pk)
    require(request, "participation.register_workshop", workshop)
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a group from the list or none."))
        return redirect(workshop)
    try:
        reg = services.register_for_workshop(workshop, request.user, form.cleaned_data.get("group"))
    except services.Refused as exc:
        messages.error(request, str(exc))
        return redirect(workshop)
    if reg.status == Registration.Status.CONFIRMED:
        messages.success(request, _("You are registered."))
    else:
        messages.info(request, _("The workshop is full; you are on the waiting list."))
    return redirect(workshop)


@require_POST
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = get_object_or_404(Workshop, pk=pk)
    registration = get_object_or_404(Registration, workshop=workshop, user=request.user)
    try:
        services.cancel_registration(registration)
        messages.success(request, _("Your registration is cancelled."))
    except services.Refused as exc:
        messages.error(request, str(exc))
    return redirect(workshop)


@require_POST
@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff tick who attended (checkbox per confirmed registration)."""
    workshop = get_object_or_404(Workshop, pk=pk)
    require(request, "participation.change_workshop", workshop)
    present = {int(v) for v in request.POST.getlist("attended") if v.isdigit()}
    services.record_attendance(workshop, present)
    messages.success(request, _("Attendance is saved."))
    return redirect(workshop)


@require_POST
@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = get_object_or_404(Workshop, pk=pk)
    require(request, "participation.change_workshop", workshop)
    form = InvitationForm(request.POST, workshop=workshop)
    if form.is_valid():
        invitation = services.record_invitation(form.save(commit=False), request.user)
        url = request.build_absolute_uri(workshop.get_absolute_url())
        if services.mail_invitation(invitation, url):
            messages.success(request, _("The group is invited; the invitation was emailed."))
        else:
            messages.success(request, _("The group is invited."))
    else:
        messages.error(request, _("Invitation not saved: choose a group not yet invited."))
    return redirect(workshop)


@require_POST
@login_required
def invitation_response(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """Staff record a group's answer to an invitation (accepted, declined)."""
    workshop = get_object_or_404(Workshop, pk=pk)
    require(request, "participation.change_workshop", workshop)
    invitation = get_object_or_404(pm.Invitation, pk=invitation_pk, workshop=workshop)
    try:
        services.record_invitation_response(invitation, request.POST.get("response"), request.user)
    except services.Refused as exc:
        messages.error(request, str(exc))
        return redirect(workshop)
    messages.success(request, _("The answer is saved."))
    return redirect(workshop)


@login_required
def result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the structured result and the proposed measures, all in one transaction."""
    workshop = get_object_or_404(selectors.workshop_with_place(), pk=pk)
    require(request, "participation.record_result", workshop)
    result = services.result_for(workshop)
    data = request.POST if request.method == "POST" else None
    form = WorkshopResultForm(data, instance=result)
    formset = ProposedMeasureFormSet(
        data,
        instance=result,
        prefix="measures",
        form_kwargs={"default_field": workshop.field_id},
    )
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            services.record_result(form, formset, workshop, request.user)
            messages.success(request, _("The result is saved."))
            return redirect(workshop)
        messages.error(request, _("The result was not saved. Please correct the marked fields."))
    return render(
        request,
        "participation/result_form.html",
        {"workshop": workshop, "form": form, "formset": formset},
        status=400 if request.method == "POST" else 200,
    )
