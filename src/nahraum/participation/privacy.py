"""A person's participation data, for their GDPR download (registered in apps.py)."""

from __future__ import annotations

from typing import Any

from .models import AbuseReport, Answer, Comment, Idea, Registration, Support


def export_personal_data(user: Any) -> dict[str, list[dict]]:
    return {
        "ideas": [
            {
                "title": i.title,
                "text": i.text,
                "field": i.field.key,
                "district": i.district.name if i.district_id else None,
                "lat": i.lat,
                "lon": i.lon,
                "status": i.status,
                "created_at": i.created_at.isoformat(),
            }
            for i in Idea.objects.filter(author=user).select_related("field", "district")
        ],
        "comments": [
            {"idea": c.idea.title, "text": c.text, "created_at": c.created_at.isoformat()}
            for c in Comment.objects.filter(author=user).select_related("idea")
        ],
        "supports": [
            {"idea": s.idea.title, "created_at": s.created_at.isoformat()}
            for s in Support.objects.filter(user=user).select_related("idea")
        ],
        "workshop_registrations": [
            {
                "workshop": r.workshop.title,
                "status": r.status,
                "group": r.group.name if r.group_id else None,
                "attended": r.attended,
            }
            for r in Registration.objects.filter(user=user).select_related("workshop", "group")
        ],
        "survey_answers": [
            {
                "survey": a.survey.title,
                "submitted_at": a.submitted_at.isoformat(),
                "answers": [
                    {
                        "question": item.question.text,
                        "choices": [c.text for c in item.choices.all()],
                        "text": item.text,
                        "scale": item.scale,
                    }
                    for item in a.items.select_related("question").prefetch_related("choices")
                ],
            }
            for a in Answer.objects.filter(respondent=user).select_related("survey")
        ],
        "abuse_reports": [
            {"reason": r.reason, "created_at": r.created_at.isoformat()}
            for r in AbuseReport.objects.filter(reporter=user)
        ],
    }
