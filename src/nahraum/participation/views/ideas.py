"""Ideas: submit, list with filters and map, comment, support, report, moderate, answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nahraum.region.models import InnovationField

from .. import services
from ..forms import (
    CommentForm,
    IdeaAnswerForm,
    IdeaFilterForm,
    IdeaForm,
    ModerationForm,
    ReportForm,
)
from ..models import Comment, Idea
from ._common import require, with_tiles, within_rate_limit


def _visible_ideas(user) -> Q:
    """Hidden ideas are shown to moderators only (with their reason)."""
    if user.has_perm("participation.moderate"):
        return Q()
    return Q(is_hidden=False)


def idea_list(request: HttpRequest) -> HttpResponse:
    form = IdeaFilterForm(request.GET or None)
    ideas = (
        Idea.objects.filter(_visible_ideas(request.user))
        .select_related("field", "district", "municipality")
        .annotate(support_count=Count("supports", distinct=True))
    )
    sort = "new"
    if form.is_valid():
        data = form.cleaned_data
        for name in ("field", "municipality", "district"):
            if data.get(name):
                ideas = ideas.filter(**{name: data[name]})
        if data.get("status"):
            ideas = ideas.filter(status=data["status"])
        sort = data.get("sort") or "new"
    ideas = (
        ideas.order_by("-support_count", "-created_at")
        if sort == "support"
        else ideas.order_by("-created_at", "-pk")
    )
    fields = list(InnovationField.objects.all())
    points = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [i.lon, i.lat]},
                "properties": {
                    "name": i.title,
                    "url": i.get_absolute_url(),
                    "field": i.field.key,
                    "supports": i.support_count,
                },
            }
            for i in ideas
            if i.lat is not None
        ],
    }
    map_spec = {
        "label": _("Map of the ideas with a place"),
        "layers": _outline_layer()
        + [
            {
                "type": "points",
                "data": points,
                "category": "field",
                "categories": [{"key": f.key, "label": f.name, "colour": f.colour} for f in fields],
                "fields": [{"key": "supports", "label": _("supports")}],
            }
        ],
    }
    page = Paginator(ideas, 25).get_page(request.GET.get("page"))
    by_field = [
        {"name": f.name, "count": sum(1 for i in ideas if i.field_id == f.pk)} for f in fields
    ]
    chart_spec = {
        "type": "bar",
        "data": {
            "labels": [row["name"] for row in by_field],
            "datasets": [{"label": _("ideas"), "data": [row["count"] for row in by_field]}],
        },
        "options": {"yLabel": _("ideas"), "horizontal": True},
    }
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "participation/idea_list.html",
        {
            "form": form,
            "page": page,
            "map_spec": with_tiles(map_spec),
            "by_field": by_field,
            "chart_spec": chart_spec,
            "query": query.urlencode(),
            "total": ideas.count(),
        },
    )


@login_required
def idea_create(request: HttpRequest) -> HttpResponse:
    require(request, "participation.add_idea")
    form = IdeaForm(request.POST or None)
    if request.method == "POST":
        if not within_rate_limit(request, "idea"):
            return render(
                request,
                "participation/idea_form.html",
                {"form": form, "map_spec": with_tiles(_region_map_spec())},
                status=429,
            )
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
        {"form": form, "map_spec": with_tiles(_region_map_spec())},
        status=400 if form.errors else 200,
    )


def _outline_layer(districts=None) -> list[dict]:
    """The Ortsteile as a plain background layer, so that points have a place around them."""
    from nahraum.region.models import District

    districts = District.objects.exclude(boundary=None) if districts is None else districts
    features = [
        {"type": "Feature", "geometry": d.boundary, "properties": {"name": d.name}}
        for d in districts
        if d.boundary
    ]
    if not features:
        return []
    return [
        {
            "type": "choropleth",
            "data": {"type": "FeatureCollection", "features": features},
            "legend": False,
            "property": "none",
        }
    ]


def _region_map_spec() -> dict:
    return {"label": _("Map: click to mark the place of your idea"), "layers": _outline_layer()}


def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_object_or_404(
        Idea.objects.select_related("field", "district", "municipality", "author"), pk=pk
    )
    is_moderator = request.user.has_perm("participation.moderate")
    if idea.is_hidden and not is_moderator:
        return render(request, "participation/idea_hidden.html", {"idea": idea}, status=404)
    comments = (
        idea.comments.filter(parent=None)
        .select_related("author")
        .prefetch_related(
            Prefetch("replies", queryset=Comment.objects.select_related("author")),
            "moderation",
        )
    )
    supported = request.user.is_authenticated and idea.supports.filter(user=request.user).exists()
    context = {
        "idea": idea,
        "comments": comments,
        "support_count": idea.supports.count(),
        "supported": supported,
        "comment_form": CommentForm(),
        "report_form": ReportForm(),
        "moderation_form": ModerationForm(),
        "answer_form": IdeaAnswerForm(instance=idea),
        "can_answer": request.user.has_perm("participation.answer_idea", idea),
        "is_moderator": is_moderator,
        "last_moderation": idea.moderation.first(),
        "map_spec": with_tiles(
            {
                "label": _("Map: place of the idea"),
                "zoom": 15,
                "center": [idea.lat, idea.lon],
                "layers": _outline_layer([idea.district] if idea.district else [])
                + [
                    {
                        "type": "points",
                        "category": "field",
                        "categories": [
                            {
                                "key": idea.field.key,
                                "label": idea.field.name,
                                "colour": idea.field.colour,
                            }
                        ],
                        "data": {
                            "type": "FeatureCollection",
                            "features": [
                                {
                                    "type": "Feature",
                                    "geometry": {
                                        "type": "Point",
                                        "coordinates": [idea.lon, idea.lat],
                                    },
                                    "properties": {"name": idea.title, "field": idea.field.key},
                                }
                            ],
                        },
                    }
                ],
            }
        )
        if idea.lat is not None
        else None,
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
    if form.is_valid():
        comment = form.save(commit=False)
        comment.idea = idea
        comment.author = request.user
        parent_id = form.cleaned_data.get("parent")
        if parent_id:
            comment.parent = Comment.objects.filter(pk=parent_id, idea=idea).first()
            if comment.parent is None:
                messages.error(request, _("The comment you answer does not exist."))
                return redirect(idea)
        try:
            comment.full_clean()
        except ValidationError as exc:  # e.g. the one-level rule for replies
            messages.error(request, " ".join(exc.messages))
            return redirect(idea)
        comment.save()
        messages.success(request, _("Your comment is published."))
        return redirect(comment)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, _("Comment not saved: %(error)s") % {"error": error})
    return redirect(f"{idea.get_absolute_url()}#comments")


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
    deleted, _rows = idea.supports.filter(user=request.user).delete()
    if deleted:
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
        report = form.save(commit=False)
        report.reporter = request.user
        if comment_pk is not None:
            report.comment = get_object_or_404(Comment, pk=comment_pk, idea=idea)
        else:
            report.idea = idea
        report.save()
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
        with transaction.atomic():
            services.moderate(target, request.user, action == "hide", form.cleaned_data["reason"])
            # Reports about the target are settled by the moderation.
            target.reports.filter(resolved_at=None).update(
                resolved_at=timezone.now(), resolved_by=request.user
            )
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
        idea = form.save(commit=False)
        idea.answered_at = timezone.now()
        idea.answered_by = request.user
        idea.save()
        messages.success(request, _("Status and answer are published."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(idea)


@login_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    """Open abuse reports and hidden items, for moderators."""
    from ..models import AbuseReport, ModerationAction

    require(request, "participation.moderate")
    reports = AbuseReport.objects.filter(resolved_at=None).select_related("idea", "comment__idea")
    log = ModerationAction.objects.select_related("moderator", "idea", "comment__idea")[:50]
    return render(request, "participation/moderation.html", {"reports": reports, "log": log})


@require_POST
@login_required
def dismiss_report(request: HttpRequest, report_pk: int) -> HttpResponse:
    from ..models import AbuseReport

    require(request, "participation.moderate")
    AbuseReport.objects.filter(pk=report_pk, resolved_at=None).update(
        resolved_at=timezone.now(), resolved_by=request.user
    )
    messages.success(request, _("Report dismissed."))
    return redirect("participation:moderation")
