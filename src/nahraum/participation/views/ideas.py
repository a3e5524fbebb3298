"""Ideas: submit, list with filters and map, comment, support, report, moderate, answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nahraum.accounts.permissions import permission_required, require

from .. import selectors, services, specs
from ..forms import (
    CommentForm,
    IdeaAnswerForm,
    IdeaFilterForm,
    IdeaForm,
    ModerationForm,
    ReportForm,
)
from ..models import Comment, Idea
from ._common import within_rate_limit


def idea_list(request: HttpRequest) -> HttpResponse:
    form = IdeaFilterForm(request.GET or None)
    ideas = selectors.idea_list(request.user, form.cleaned_data if form.is_valid() else None)
    fields = selectors.innovation_fields()
    by_field = selectors.ideas_by_field(ideas, fields)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "participation/idea_list.html",
        {
            "form": form,
            "page": Paginator(ideas, 25).get_page(request.GET.get("page")),
            "map_spec": specs.ideas_map_spec(ideas, fields),
            "by_field": by_field,
            "chart_spec": specs.ideas_by_field_chart(by_field),
            "query": query.urlencode(),
            "total": ideas.count(),
        },
    )


@login_required
@permission_required("participation.add_idea")
def idea_create(request: HttpRequest) -> HttpResponse:
    form = IdeaForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and not within_rate_limit(request, "idea"):
        status = 429
    elif request.method == "POST":
        if form.is_valid():
            idea = form.save(commit=False)
            idea.author = request.user
            idea.save()
            messages.success(request, _("Thank you! Your idea is published."))
            return redirect(idea)
        messages.error(request, _("Your idea was not saved. Please correct the marked fields."))
    return render(
        request,
        "participation/idea_form.html",
        {"form": form, "map_spec": specs.region_map_spec()},
        status=status,
    )


def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_object_or_404(selectors.idea_with_details(), pk=pk)
    is_moderator = request.user.has_perm("participation.moderate")
    if idea.is_hidden and not is_moderator:
        return render(request, "participation/idea_hidden.html", {"idea": idea}, status=404)
    supported = request.user.is_authenticated and idea.supports.filter(user=request.user).exists()
    context = {
        "idea": idea,
        "comments": selectors.idea_comments(idea),
        "support_count": idea.supports.count(),
        "supported": supported,
        "comment_form": CommentForm(),
        "report_form": ReportForm(),
        "moderation_form": ModerationForm(),
        "answer_form": IdeaAnswerForm(instance=idea),
        "can_answer": request.user.has_perm("participation.answer_idea", idea),
        "is_moderator": is_moderator,
        "last_moderation": idea.moderation.first(),
        "map_spec": specs.idea_map_spec(idea),
    }
    return render(request, "participation/idea_detail.html", context)


@require_POST
@login_required
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk, is_hidden=False)
    require(request, "participation.comment_idea")
    if not within_rate_limit(request, "comment"):
        return redirect(idea)
    form = CommentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, _("Comment not saved: %(error)s") % {"error": error})
        return redirect(f"{idea.get_absolute_url()}#comments")
    try:
        comment = services.add_comment(
            idea, form.save(commit=False), request.user, form.cleaned_data.get("parent")
        )
    except services.Refused as exc:
        messages.error(request, str(exc))
        return redirect(idea)
    messages.success(request, _("Your comment is published."))
    return redirect(comment)


@require_POST
@login_required
def support(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk)
    require(request, "participation.support_idea")
    if not within_rate_limit(request, "support"):
        return redirect(idea)
    try:
        services.support_idea(idea, request.user)
        messages.success(request, _("You support this idea."))
    except services.Refused as exc:
        messages.error(request, str(exc))
    return redirect(idea)


@require_POST
@login_required
def withdraw_support(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk)
    if services.withdraw_support(idea, request.user):
        messages.success(request, _("Your support is withdrawn."))
    return redirect(idea)


@require_POST
@login_required
def report(request: HttpRequest, pk: int, comment_pk: int | None = None) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk)
    require(request, "participation.report_abuse")
    if not within_rate_limit(request, "report"):
        return redirect(idea)
    form = ReportForm(request.POST)
    if form.is_valid():
        comment = (
            get_object_or_404(Comment, pk=comment_pk, idea=idea) if comment_pk is not None else None
        )
        services.report_abuse(form.save(commit=False), request.user, idea, comment)
        messages.success(request, _("Thank you. A moderator will look at it."))
    else:
        messages.error(
            request, _("Report not sent: please say what is wrong (at most 1000 characters).")
        )
    return redirect(idea)


@require_POST
@login_required
def moderate(
    request: HttpRequest, pk: int, action: str, comment_pk: int | None = None
) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk)
    require(request, "participation.moderate")
    target = get_object_or_404(Comment, pk=comment_pk, idea=idea) if comment_pk else idea
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the moderation (at most 1000 characters)."))
        return redirect(idea)
    try:
        services.moderate(target, request.user, action == "hide", form.cleaned_data["reason"])
        messages.success(request, _("Hidden.") if action == "hide" else _("Restored."))
    except services.Refused as exc:
        messages.error(request, str(exc))
    return redirect(idea)


@require_POST
@login_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff set the status and publish an answer (ideas of their municipality; joint: office)."""
    idea = get_object_or_404(Idea, pk=pk)
    require(request, "participation.answer_idea", idea)
    form = IdeaAnswerForm(request.POST, instance=idea)
    if form.is_valid():
        idea = services.answer_idea(form.save(commit=False), request.user)
        messages.success(request, _("Status and answer are published."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(idea)


@login_required
@permission_required("participation.moderate")
def moderation_queue(request: HttpRequest) -> HttpResponse:
    """Open abuse reports and hidden items, for moderators."""
    reports = selectors.open_abuse_reports()
    log = selectors.moderation_log()
    return render(request, "participation/moderation.html", {"reports": reports, "log": log})


@require_POST
@login_required
@permission_required("participation.moderate")
def dismiss_report(request: HttpRequest, report_pk: int) -> HttpResponse:
    services.dismiss_report(report_pk, request.user)
    messages.success(request, _("Report dismissed."))
    return redirect("participation:moderation")
