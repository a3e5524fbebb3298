"""Participation: who was reached, who took part, and what they said.

The strategy's first step is participation. These models keep three things apart that
participation platforms often mix up:

* *outreach* (SocietalGroup, Contact, OutreachAction, Invitation) — whom the office tried to
  reach on purpose, so that coverage can be shown per kind of group, Ortsteil and field;
* *taking part* (Workshop, Registration, Idea, Comment, Support, Survey, Answer) — what people
  did, so that participants can be compared with the population;
* *results* (WorkshopResult, ProposedMeasure) — what a focus group proposed; the strategy app
  turns a ProposedMeasure into a measure draft and keeps the link back on its side.

One module per concept (``groups``, ``workshops``, ``ideas``, ``surveys``); every model is
re-exported here, so ``from nahraum.participation.models import Idea`` is the one way to name it.

Ownership for permissions: every object that staff may change answers ``municipality``
(``None`` = joint, owned by the project office); see :mod:`nahraum.accounts.rules`.

Authors are ``SET_NULL`` everywhere: when a person deletes their account (DSGVO), what they wrote
stays, anonymised, because others have answered it and measures may rest on it.
"""

from .common import COMMENT_MAX, REASON_MAX, RESULT_TEXT_MAX, TEXT_MAX, TITLE_MAX
from .groups import Contact, OutreachAction, SocietalGroup
from .ideas import AbuseReport, Comment, Idea, ModerationAction, Support
from .surveys import Answer, AnswerItem, Choice, Question, Survey
from .workshops import Invitation, ProposedMeasure, Registration, Workshop, WorkshopResult

__all__ = [
    "COMMENT_MAX",
    "REASON_MAX",
    "RESULT_TEXT_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "AbuseReport",
    "Answer",
    "AnswerItem",
    "Choice",
    "Comment",
    "Contact",
    "Idea",
    "Invitation",
    "ModerationAction",
    "OutreachAction",
    "ProposedMeasure",
    "Question",
    "Registration",
    "SocietalGroup",
    "Support",
    "Survey",
    "Workshop",
    "WorkshopResult",
]
