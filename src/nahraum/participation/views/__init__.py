"""Views of the participation part, one module per feature (ideas, workshops, groups, …)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import selectors


def index(request: HttpRequest) -> HttpResponse:
    """The way into participation: open surveys, coming workshops, latest ideas."""
    now = timezone.now()
    context = {
        "ideas": selectors.latest_public_ideas(),
        "workshops": selectors.upcoming_workshops(now),
        "surveys": selectors.open_surveys(now),
    }
    return render(request, "participation/index.html", context)
