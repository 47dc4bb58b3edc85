"""Which check-in step follows which, for this visitor: one table the screens read.

The steps are named as the screens that show them. A reason decides the steps in between: meeting a
staff member asks whom, picking up a student asks which student. A QR pass or an interpreter
question later adds or skips steps here, not in the screens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.reasons import BY_CODE

if TYPE_CHECKING:
    from kiosk.checkin import Draft

STEPS = ("name", "reason", "host", "student", "review")
NUMBERED = {"name": 1, "reason": 2, "host": 2, "student": 2, "review": 3}  # "Step 2 of 3": the asides share a number
TOTAL = 3


def applies(step: str, draft: Draft | None) -> bool:
    reason = BY_CODE.get((draft.reason if draft else None) or "")
    if step == "host":
        return bool(reason and reason.needs_host)
    if step == "student":
        return bool(reason and reason.needs_student)
    return True


def after(step: str, draft: Draft | None) -> str:
    """The step that follows `step` for this draft."""
    later = STEPS[STEPS.index(step) + 1 :]
    return next(s for s in later if applies(s, draft))


def before(step: str, draft: Draft | None) -> str:
    """The step Back goes to from `step`; from the first, the welcome screen."""
    earlier = STEPS[: STEPS.index(step)]
    return next((s for s in reversed(earlier) if applies(s, draft)), "welcome")
