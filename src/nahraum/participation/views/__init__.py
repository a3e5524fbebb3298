"""Views of the participation part, one module per feature (ideas, workshops, groups, …)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..models import Idea, Survey, Workshop


def index(request: HttpRequest) -> HttpResponse:
    """The way into participation: open surveys, coming workshops, latest ideas."""
    now = timezone.now()
    context = {
        "ideas": Idea.objects.filter(is_hidden=False).select_related("field", "district")[:5],
        "workshops": Workshop.objects.filter(starts_at__gte=now)
        .select_related("field")
        .order_by("starts_at")[:5],
        "surveys": Survey.objects.filter(opens_at__lte=now, closes_at__gt=now)[:5],
    }
    return render(request, "participation/index.html", context)
