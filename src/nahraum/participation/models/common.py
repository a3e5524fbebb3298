"""What every participation model shares: free-text size limits and ownership through a parent.

Kept apart from the models so forms, models and tests read the same limits from one place.
"""

from __future__ import annotations

#: Size limits for every free text, in characters. Kept in one place so forms, models and tests
#: agree; long enough for a real contribution, short enough that nobody pastes a book.
TITLE_MAX = 200
TEXT_MAX = 5000
COMMENT_MAX = 2000
REASON_MAX = 1000
RESULT_TEXT_MAX = 10000


def owned_via(parent: str, attr: str) -> property:
    """Read ownership (``municipality`` / ``municipality_id``) through the parent object.

    A contact or outreach action belongs to its group, a registration, invitation or result to
    its workshop; the permission rules ask every object the same question, so the answer is
    always the parent's and can never disagree with it.
    """
    return property(lambda obj: getattr(getattr(obj, parent), attr))
