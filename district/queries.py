"""Read-only queries behind the web pages: one campus's day, searches, exports, district totals.

Nothing here writes. Counting is done with GROUP BY in SQL, and every visit query names the
campus (or the list of campuses) and a local_day range, so it can use ix_visit_campus_day
(campus_id, local_day, checked_in_ms) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from district.models import Campus, Kiosk, Staff, User, Visit, WebSession

SEARCH_SCAN_LIMIT = 100_000  # rows a name search reads at most (a year of a busy campus is ~40,000)


# -- campuses and their clocks --------------------------------------------------------------
def zone_of(campus: Campus) -> ZoneInfo:
    """The campus's time zone; UTC if the stored name is unknown here, rather than a broken page."""
    try:
        return ZoneInfo(campus.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_now(campus: Campus, now_ms: int) -> datetime:
    return datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(zone_of(campus))


def campuses(db: Session) -> list[Campus]:
    return list(db.scalars(select(Campus).order_by(Campus.name)))


def campus(db: Session, campus_id: int) -> Campus | None:
    return db.get(Campus, campus_id)


# -- one campus's visits ----------------------------------------------------------------------
def visit(db: Session, visit_id: str) -> Visit | None:
    return db.get(Visit, visit_id)


def day_visits(db: Session, campus_id: int, day: date) -> list[Visit]:
    """The day's arrivals, newest first."""
    return list(
        db.scalars(
            select(Visit)
            .where(Visit.campus_id == campus_id, Visit.local_day == day.isoformat())
            .order_by(Visit.checked_in_ms.desc(), Visit.id.desc())
        )
    )


def day_fingerprint(db: Session, campus_id: int, day: date) -> tuple[int, int, int, int]:
    """Changes whenever the day's list does: a new visit raises the count, a sign-out takes the
    campus's next revision (service._sign_outs). One indexed aggregate, for the live page's ETag."""
    row = db.execute(
        select(
            func.count(),
            func.coalesce(func.max(Visit.checked_in_ms), 0),
            func.coalesce(func.max(Visit.revision), 0),
            func.count(Visit.signed_out_ms),
        ).where(Visit.campus_id == campus_id, Visit.local_day == day.isoformat())
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def office_sign_outs_since(db: Session, campus_id: int, day: date, since_ms: int) -> tuple[str, ...]:
    """The day's visits the office signed out after `since_ms` (those that still offer Undo), for the ETag."""
    return tuple(
        db.scalars(
            select(Visit.id).where(Visit.campus_id == campus_id, Visit.local_day == day.isoformat(),
                                   Visit.signed_out_by == "office", Visit.signed_out_ms > since_ms)
            .order_by(Visit.id)
        )
    )  # fmt: skip


def visits_between(db: Session, campus_id: int, first: date, last: date) -> list[Visit]:
    """Every visit of the campus from `first` to `last` (local days, inclusive), oldest first."""
    return list(
        db.scalars(
            select(Visit)
            .where(Visit.campus_id == campus_id, Visit.local_day.between(first.isoformat(), last.isoformat()))
            .order_by(Visit.local_day, Visit.checked_in_ms, Visit.id)
        )
    )


def fold(text: str) -> str:
    """Lower case without accents: "Núñez" -> "nunez", so a search for "nunez" finds it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_matches(words: Sequence[str], first_name: str, last_name: str) -> bool:
    """Each searched word starts some word of the name ("mar nu" finds "María Núñez")."""
    name_words = fold(f"{first_name} {last_name}").replace("-", " ").split()
    return all(any(n.startswith(w) for n in name_words) for w in words)


def search(db: Session, campus_id: int, text: str, first: date, last: date, limit: int = 200) -> list[Visit]:
    """Visits in the date range whose name matches `text` by word prefix, newest first.

    Accents and case are folded in Python, not SQL: SQLite's lower() knows only ASCII, and a
    folded copy of the names would need its own column. The date range (at most a year, one
    campus) bounds what is read, and only names are read before the matching rows are loaded.
    """
    words = fold(text).replace("-", " ").split()
    rows = db.execute(
        select(Visit.id, Visit.first_name, Visit.last_name)
        .where(Visit.campus_id == campus_id, Visit.local_day.between(first.isoformat(), last.isoformat()))
        .order_by(Visit.local_day.desc(), Visit.checked_in_ms.desc())
        .limit(SEARCH_SCAN_LIMIT)
    )
    ids: list[str] = []
    for visit_id, first_name, last_name in rows:
        if name_matches(words, first_name, last_name):
            ids.append(visit_id)
            if len(ids) >= limit:
                break
    if not ids:
        return []
    found = {v.id: v for v in db.scalars(select(Visit).where(Visit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


# -- the district --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayCounts:
    """Visits per campus per day: `counts[campus_id][i]` is the count on `days[i]`."""

    days: list[date]
    counts: dict[int, list[int]]

    def campus_total(self, campus_id: int) -> int:
        return sum(self.counts.get(campus_id, []))

    def day_totals(self) -> list[int]:
        return [sum(row[i] for row in self.counts.values()) for i in range(len(self.days))]

    @property
    def total(self) -> int:
        return sum(self.day_totals())


def visits_per_day(db: Session, campus_ids: Sequence[int], last: date, days: int = 14) -> DayCounts:
    """One GROUP BY over the campuses' last `days` days; naming the campuses lets it use the index."""
    span = [last - timedelta(days=days - 1 - i) for i in range(days)]
    counts = {cid: [0] * days for cid in campus_ids}
    if campus_ids:
        position = {d.isoformat(): i for i, d in enumerate(span)}
        rows = db.execute(
            select(Visit.campus_id, Visit.local_day, func.count())
            .where(Visit.campus_id.in_(campus_ids), Visit.local_day.between(span[0].isoformat(), last.isoformat()))
            .group_by(Visit.campus_id, Visit.local_day)
        )
        for campus_id, day, count in rows:
            counts[campus_id][position[day]] = int(count)
    return DayCounts(span, counts)


@dataclass(frozen=True)
class LanguageCount:
    code: str
    visits: int
    interpreter: int  # of those visits, how many asked for an interpreter
    percent: float


def languages_chosen(db: Session, campus_ids: Sequence[int], first: date, last: date) -> list[LanguageCount]:
    """The languages visitors chose at the kiosk, most chosen first."""
    if not campus_ids:
        return []
    rows = db.execute(
        select(Visit.language, func.count(), func.sum(case((Visit.interpreter, 1), else_=0)))
        .where(Visit.campus_id.in_(campus_ids), Visit.local_day.between(first.isoformat(), last.isoformat()))
        .group_by(Visit.language)
    ).all()
    total = sum(int(r[1]) for r in rows) or 1
    found = [LanguageCount(code, int(n), int(i or 0), 100.0 * int(n) / total) for code, n, i in rows]
    return sorted(found, key=lambda c: (-c.visits, c.code))


def kiosks(db: Session) -> list[tuple[Kiosk, str]]:
    """Every kiosk with its campus's name, by campus then kiosk name."""
    rows = db.execute(
        select(Kiosk, Campus.name).join(Campus, Kiosk.campus_id == Campus.id).order_by(Campus.name, Kiosk.name)
    )
    return [(k, name) for k, name in rows]


def flagged_per_kiosk(db: Session, since_ms: int) -> dict[str, int]:
    """How many visits each kiosk sent since then that the server kept but flagged (a wrong clock, a name)."""
    rows = db.execute(
        select(Visit.kiosk_id, func.count()).where(Visit.flag.is_not(None), Visit.received_ms >= since_ms)
        .group_by(Visit.kiosk_id)
    )  # fmt: skip
    return {kiosk_id: count for kiosk_id, count in rows if kiosk_id is not None}


def kiosk(db: Session, kiosk_id: str) -> Kiosk | None:
    return db.get(Kiosk, kiosk_id)


def kiosk_name_taken(db: Session, campus_id: int, name: str) -> bool:
    """Two kiosks of a campus with one name cannot be told apart on the district page; refusing
    the second also makes a reloaded "add kiosk" form harmless."""
    found = db.scalar(select(Kiosk.id).where(Kiosk.campus_id == campus_id, func.lower(Kiosk.name) == name.lower()))
    return found is not None


def staff_counts(db: Session) -> dict[int, int]:
    """Active staff per campus: how big each campus's directory is."""
    rows = db.execute(select(Staff.campus_id, func.count()).where(Staff.active.is_(True)).group_by(Staff.campus_id))
    return {campus_id: int(n) for campus_id, n in rows}


# -- users and sessions --------------------------------------------------------------------------
def users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.role, User.name)))


def user_by_email(db: Session, email: str) -> User | None:
    return db.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()


def signed_in(db: Session, token_hash: str) -> tuple[WebSession, User] | None:
    row = db.execute(
        select(WebSession, User).join(User, WebSession.user_id == User.id).where(WebSession.token_hash == token_hash)
    ).one_or_none()
    return (row[0], row[1]) if row else None
