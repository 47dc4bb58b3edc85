"""Showing things as people read them: clock times, days, durations, sizes, language and reason names."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError

from kiosk.language import languages
from kiosk.reasons import BY_CODE


def clock_time(moment: datetime) -> str:
    """Like "9:05 AM", as a US front office reads a clock (strftime's %-I is not portable)."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def at(ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)


def long_day(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def short_day(day: date) -> str:
    return f"{day:%b} {day.day}"


def duration(ms: int) -> str:
    minutes = max(0, ms) // 60_000
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def ago(ms: int | None, now: int) -> str:
    if ms is None:
        return "never"
    seconds = max(0, now - ms) // 1000
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def size(n: int | None) -> str:
    if n is None:
        return "–"
    for unit, scale in (("TB", 10**12), ("GB", 10**9)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n // 10**6} MB"


@functools.lru_cache(maxsize=512)
def language_names(code: str) -> tuple[str, str]:
    """(the language's own name, its English name or ""): the kiosk's list first, then CLDR via
    Babel for languages the kiosk does not offer yet, then the code itself."""
    known = languages().get(code)
    if known is not None:
        return known.name, "" if known.english == known.name else known.english
    try:
        locale = Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return code, ""
    own, english = locale.get_display_name(locale) or code, locale.get_display_name("en") or ""
    own = own[:1].upper() + own[1:]
    return own, "" if english == own else english


def reason_label(code: str) -> str:
    reason = BY_CODE.get(code)
    return reason.label if reason else code
