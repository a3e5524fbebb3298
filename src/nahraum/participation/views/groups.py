"""Societal groups, their contact persons and the outreach log (staff only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nahraum.accounts.permissions import permission_required, require

from .. import selectors
from ..forms import ContactForm, OutreachForm, SocietalGroupForm
from ..models import SocietalGroup


@login_required
@permission_required("participation.view_groups")
def group_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind")
    groups = selectors.societal_groups(kind)
    return render(
        request,
        "participation/group_list.html",
        {"groups": groups, "kinds": SocietalGroup.Kind.choices, "kind": kind},
    )


@login_required
@permission_required("participation.add_group")
def group_create(request: HttpRequest) -> HttpResponse:
    return _group_form(request, SocietalGroup())


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(SocietalGroup, pk=pk)
    require(request, "participation.change_group", group)
    return _group_form(request, group)


def _group_form(request: HttpRequest, group: SocietalGroup) -> HttpResponse:
    form = SocietalGroupForm(request.POST or None, instance=group, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            group = form.save(commit=False)
            if group.pk is None:
                group.created_by = request.user
            group.full_clean()
            group.save()
            form.save_m2m()
            messages.success(request, _("The group is saved."))
            return redirect(group)
        messages.error(request, _("The group was not saved. Please correct the marked fields."))
    return render(
        request,
        "participation/group_form.html",
        {"form": form, "group": group},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("participation.view_groups")
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(selectors.group_with_place(), pk=pk)
    can_change = request.user.has_perm("participation.change_group", group)
    contact_form = ContactForm(prefix="contact")
    outreach_form = OutreachForm(prefix="outreach", group=group)
    if request.method == "POST":
        require(request, "participation.change_group", group)
        if "contact-name" in request.POST:
            contact_form = ContactForm(request.POST, prefix="contact")
            if contact_form.is_valid():
                contact = contact_form.save(commit=False)
                contact.group = group
                contact.save()
                messages.success(request, _("The contact is saved."))
                return redirect(group)
        else:
            outreach_form = OutreachForm(request.POST, prefix="outreach", group=group)
            if outreach_form.is_valid():
                action = outreach_form.save(commit=False)
                action.group = group
                action.recorded_by = request.user
                action.save()
                messages.success(request, _("The outreach log entry is saved."))
                return redirect(group)
        messages.error(request, _("Not saved. Please correct the marked fields."))
    return render(
        request,
        "participation/group_detail.html",
        {
            "group": group,
            "can_change": can_change,
            "contacts": group.contacts.all(),
            "outreach": selectors.group_outreach(group),
            "contact_form": contact_form,
            "outreach_form": outreach_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def contact_delete(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Delete a contact person's data (e.g. consent withdrawn); the outreach log stays."""
    group = get_object_or_404(SocietalGroup, pk=pk)
    require(request, "participation.change_group", group)
    contact = get_object_or_404(group.contacts, pk=contact_pk)
    contact.delete()
    messages.success(request, _("The contact person's data is deleted."))
    return redirect(group)
