"""Surveys: staff build a questionnaire; people answer once; results as charts and CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nahraum.accounts.permissions import permission_required, require
from nahraum.region.csvsafe import safe_row

from .. import selectors, services
from ..forms import QuestionForm, SurveyAnswerForm, SurveyForm
from ..models import Question, Survey
from ._common import create_page


def _visible_survey(request: HttpRequest, pk: int, surveys: Any = Survey.objects) -> Survey:
    """The survey ``pk``, or 404 for those who may not see it yet (a planned one: see rules).

    A 404, the same as for an id that does not exist, so that nobody learns from the answer
    that a survey is being prepared; every page of a survey starts here.
    """
    survey = get_object_or_404(surveys, pk=pk)
    if not request.user.has_perm("participation.view_survey", survey):
        raise Http404(_("No such survey."))
    return survey


def survey_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    surveys = selectors.surveys_with_answer_count()
    may_see_planned = request.user.has_perm("participation.view_planned_surveys")
    return render(
        request,
        "participation/survey_list.html",
        {
            "open": surveys.filter(opens_at__lte=now, closes_at__gt=now),
            "closed": surveys.filter(closes_at__lte=now),
            "planned": surveys.filter(opens_at__gt=now) if may_see_planned else [],
            "can_add": request.user.has_perm("participation.add_survey"),
        },
    )


@login_required
@permission_required("participation.add_survey")
def survey_create(request: HttpRequest) -> HttpResponse:
    return create_page(
        request,
        SurveyForm(request.POST or None, user=request.user),
        template="participation/survey_form.html",
        saved=_("The survey is created. Now add the questions."),
        not_saved=_("The survey was not saved. Please correct the marked fields."),
        then=lambda survey: reverse("participation:survey_questions", kwargs={"pk": survey.pk}),
    )


@login_required
def survey_questions(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _visible_survey(request, pk)
    require(request, "participation.change_survey", survey)
    form = QuestionForm(request.POST or None)
    if request.method == "POST":
        if survey.answers.exists():
            messages.error(request, _("People have answered already; the questions cannot change."))
            return redirect("participation:survey_questions", pk=survey.pk)
        if form.is_valid():
            try:
                services.add_question(survey, form.save(commit=False), form.cleaned_data["options"])
                messages.success(request, _("The question is added."))
            except services.Refused as exc:
                messages.error(request, str(exc))
            return redirect("participation:survey_questions", pk=survey.pk)
        messages.error(request, _("The question was not saved. Please correct the marked fields."))
    return render(
        request,
        "participation/survey_questions.html",
        {"survey": survey, "form": form, "questions": selectors.survey_questions(survey)},
        status=400 if form.errors else 200,
    )


def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _visible_survey(request, pk, selectors.survey_with_place())
    answered = (
        request.user.is_authenticated and survey.answers.filter(respondent=request.user).exists()
    )
    can_answer = request.user.has_perm("participation.answer_survey", survey) and not answered
    form = (
        SurveyAnswerForm(survey, request.POST or None)
        if can_answer or request.method == "POST"
        else None
    )
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/{request.LANGUAGE_CODE}/accounts/login/?next={request.path}")
        if answered:
            messages.error(request, _("You have answered this survey already."))
            return redirect(survey)
        require(request, "participation.answer_survey", survey)
        if form.is_valid():
            try:
                services.submit_survey_answer(survey, request.user, form.values())
            except services.Refused as exc:
                messages.error(request, str(exc))
                return redirect(survey)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                status = 400
            else:
                messages.success(request, _("Thank you for your answer."))
                return redirect(survey)
        else:
            messages.error(
                request, _("Your answer was not saved. Please correct the marked questions.")
            )
            status = 400
    return render(
        request,
        "participation/survey_detail.html",
        {
            "survey": survey,
            "form": form,
            "answered": answered,
            "can_answer": can_answer,
            "can_change": request.user.has_perm("participation.change_survey", survey),
            "can_see_results": request.user.has_perm("participation.view_survey_results", survey),
            "answer_count": survey.answers.count(),
        },
        status=status,
    )


def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _visible_survey(request, pk)
    if not request.user.is_authenticated and not request.user.has_perm(
        "participation.view_survey_results", survey
    ):
        return redirect_to_login(request.get_full_path())
    require(request, "participation.view_survey_results", survey)
    return render(
        request,
        "participation/survey_results.html",
        {
            "survey": survey,
            "results": selectors.survey_results_data(survey),
            "answer_count": survey.answers.count(),
            "can_export": request.user.has_perm("participation.export_survey", survey),
        },
    )


def survey_export(request: HttpRequest, pk: int) -> HttpResponse:
    """One row per answer, one column per question; no names (answers are anonymous).

    Cells go through the platform's one CSV neutralisation (``region.csvsafe``): answers are
    the public's words and must not run as formulas in a spreadsheet.
    """
    survey = _visible_survey(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require(request, "participation.export_survey", survey)
    questions = list(selectors.survey_questions(survey))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(safe_row(["answer", "submitted_at"] + [q.text for q in questions]))
    answers = selectors.survey_answers(survey)
    for n, answer in enumerate(answers, start=1):
        items = {item.question_id: item for item in answer.items.all()}
        row = [n, answer.submitted_at.isoformat()]
        for q in questions:
            item = items.get(q.pk)
            if item is None:
                row.append("")
            elif q.has_choices:
                row.append("; ".join(c.text for c in item.choices.all()))
            elif q.kind == Question.Kind.SCALE:
                row.append(item.scale)
            else:
                row.append(item.text)
        writer.writerow(safe_row(row))
    return response
