"""Surveys: questionnaires built by staff and the answers people gave."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahraum.region.fields import innovation_field_fk, municipality_fk

from .common import COMMENT_MAX, TEXT_MAX, TITLE_MAX


class Survey(models.Model):
    """A questionnaire built by staff, open between two dates."""

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    field = innovation_field_fk("surveys", null=True, blank=True)
    municipality = municipality_fk(
        "surveys", help_text=_("Empty: a joint survey of the cooperation (project office).")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:survey_detail", args=[self.pk])

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The survey must close after it opens.")})

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.opens_at <= now < self.closes_at


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        TEXT = "text", _("free text")
        SCALE = "scale", _("scale 1–5")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("answer required"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def has_choices(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("choice"), max_length=TITLE_MAX)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Answer(models.Model):
    """One person's answer to a whole survey. At most one per person (DB constraint)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_answers",
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"], name="one_survey_answer_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} · #{self.pk}"


class AnswerItem(models.Model):
    """The answer to one question: chosen options, a free text or a scale value 1–5."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="items")
    choices = models.ManyToManyField(Choice, blank=True, related_name="items")
    text = models.TextField(max_length=COMMENT_MAX, blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer to a question")
        verbose_name_plural = _("answers to questions")
        constraints = [
            models.UniqueConstraint(fields=["answer", "question"], name="one_item_per_question"),
            models.CheckConstraint(
                condition=models.Q(scale__isnull=True) | models.Q(scale__gte=1, scale__lte=5),
                name="answer_scale_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.answer} · {self.question}"
