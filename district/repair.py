"""Names the server would have cleaned differently: kept and flagged, never refused.

What a kiosk confirmed to a visitor, the server keeps. A kiosk of another version may clean a
name in a way the server's rules (kiosk.text) do not accept: not normalised, or with a
character a newer rule no longer counts as a letter. The visit is then stored with the name as
the server cleans it and flagged for the office. A name the server's rules refuse outright
(digits, symbols, markup: no kiosk's rules accept those) is still refused, and every other
field is checked as strictly as before.
"""

from __future__ import annotations

from typing import Any

from district.schemas import VisitEvent, parse_event
from kiosk.text import MAX_NAME_LENGTH, MAX_STUDENT_NAME_LENGTH, NameProblem, clean_name

LIMITS = {"first_name": MAX_NAME_LENGTH, "last_name": MAX_NAME_LENGTH, "student_name": MAX_STUDENT_NAME_LENGTH}
NAMES = ("first_name", "last_name")  # always in a visit; the student's name only when picking up
PROBE = "A"  # a name every version accepts, to check the rest of the event


def server_name(value: str, limit: int = MAX_NAME_LENGTH) -> str | None:
    """The name as the server cleans it, or None when its rules refuse it (then the visit is refused)."""
    text = value
    for _ in range(3):  # until cleaning changes nothing more
        try:
            cleaned = clean_name(text, limit=limit)
        except NameProblem:
            return None
        if cleaned == text:
            return text
        text = cleaned
    return None


def repaired_visit(raw: Any) -> tuple[VisitEvent, str] | None:
    """A visit refused only because its names are not cleaned as the server cleans them: the event with the
    server's cleaning of them, and the office's flag. None for anything else (refused with its reason)."""
    if not isinstance(raw, dict) or raw.get("type") != "visit" or not all(isinstance(raw.get(k), str) for k in NAMES):
        return None
    keys = [*NAMES, *(["student_name"] if isinstance(raw.get("student_name"), str) else [])]
    names = {key: server_name(raw[key], LIMITS[key]) for key in keys}
    if any(name is None for name in names.values()):
        return None
    try:
        probe = parse_event({**raw, **dict.fromkeys(keys, PROBE)})
    except ValueError:
        return None  # something besides the names is wrong
    flag = "Name cleaned by the server: the kiosk sent it in another form"
    return probe.model_copy(update=names), flag  # type: ignore[return-value]
