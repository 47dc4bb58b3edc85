"""The pickers of the campus forms: a time zone from the list Python knows (the United States' first), and
the languages the kiosk has catalogs for, each named in itself, instead of codes typed into a box."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from district import service
from kiosk.language import languages

US_FIRST = ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
            "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico")  # fmt: skip
NOT_PLACES = ("Etc/", "SystemV/", "posix/", "right/", "US/")  # aliases and offsets, not a school's place


@dataclass(frozen=True)
class Zone:
    name: str
    label: str  # "America/Chicago (UTC−06:00)"


def _us_zones() -> list[str]:
    """Every zone zone.tab lists for the US, where the system has one (Debian's tzdata does)."""
    for folder in zoneinfo.TZPATH:
        table = Path(folder) / "zone.tab"
        if table.is_file():
            rows = (line.split("\t") for line in table.read_text(encoding="utf-8").splitlines() if line[:2] == "US")
            return sorted(row[2] for row in rows if len(row) > 2)
    return []


def _label(name: str, now: datetime) -> str:
    offset = now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "−" if minutes < 0 else "+"
    return f"{name} (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})"


@functools.lru_cache(maxsize=4)
def zone_groups(day: str = "") -> tuple[tuple[str, tuple[Zone, ...]], ...]:
    """(group, zones): the United States' (the usual ones, then the rest), then everywhere else by name.
    Labelled with today's offset (`day` only keys the cache, so the offsets follow daylight saving)."""
    now = datetime.now(UTC)
    known = service.zone_names()
    us = [z for z in US_FIRST if z in known] + [z for z in _us_zones() if z in known and z not in US_FIRST]
    rest = sorted(z for z in known if z not in us and ("/" in z or z == "UTC") and not z.startswith(NOT_PLACES))
    return (("United States", tuple(Zone(z, _label(z, now)) for z in us)),
            ("Everywhere else", tuple(Zone(z, _label(z, now)) for z in rest)))  # fmt: skip


def zones_today() -> tuple[tuple[str, tuple[Zone, ...]], ...]:
    return zone_groups(datetime.now(UTC).date().isoformat())


@dataclass(frozen=True)
class LanguagePick:
    code: str
    name: str  # in itself: "Español"
    chosen: bool
    english: str = ""
    status: str = "drafted"  # the catalog's: drafted, reviewed (by a native speaker), or source


def language_picks(chosen: Sequence[str]) -> list[LanguagePick]:
    """The kiosk's languages, those chosen first in their (button) order, then the others."""
    known = languages()
    first = [c for c in dict.fromkeys(chosen) if c in known]
    return [LanguagePick(c, known[c].name, c in first, known[c].english, known[c].status)
            for c in first + [c for c in known if c not in first]]  # fmt: skip


def unlisted_zone(selected: str) -> str:
    """A stored or typed zone the picker does not list (an alias like US/Central), so it is kept, not lost."""
    listed = any(z.name == selected for _, zones in zones_today() for z in zones)
    return "" if listed or not selected else selected
