"""What the district server does, apart from HTTP: the API and the web pages both call here.

Every function takes an open SQLAlchemy Session and leaves committing to the caller's unit
of work (`with sessions.begin():`), so one request is one transaction; except a kiosk's push,
which apply_in_parts writes a part at a time.
"""

from __future__ import annotations

import functools
import re
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from district import queries, repair, security, timing
from district.alerts.queue import plan_arrivals, queue_arrivals
from district.models import Campus, Kiosk, Office, Staff, User, Visit, VisitorPass, WebSession
from district.schemas import LANGUAGE_PATTERN, SignOutEvent, VisitEvent, parse_event
from kiosk import wire
from kiosk.directory import StaffMember, host_name
from kiosk.ids import new_id
from kiosk.language import languages as installed_languages
from kiosk.pin import hash_secret
from kiosk.text import NameProblem, clean_label, short_name

ENROLLMENT_HOURS = 24


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class NotFound(LookupError):
    pass


class Refused(ValueError):
    """A request that is understood but not allowed (an expired code, a revoked kiosk)."""


# -- revisions: what a kiosk pulls --------------------------------------------------------
def take_revisions(db: Session, campus_id: int, count: int = 1) -> int:
    """Reserve `count` revision numbers for a campus; returns the first. Holds the campus row lock
    until commit, so a kiosk that sees revision N also sees every change numbered below N."""
    last = db.execute(
        update(Campus).where(Campus.id == campus_id).values(revision=Campus.revision + count).returning(Campus.revision)
    ).scalar_one()
    return last - count + 1


# -- campuses and kiosks ------------------------------------------------------------------
MAX_CAMPUS_NAME = 200  # the columns' lengths
MAX_KIOSK_NAME = 100
MAX_USER_NAME = 200
MIN_PASSWORD = 10
MAX_PASSWORD = 1000  # scrypt hashes any length; this only bounds the work a request can ask for


@functools.cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def label(raw: str, limit: int, empty: str) -> str:
    """A name people read (a campus's on every kiosk's welcome screen and in alerts, a kiosk's, a
    user's), by the kiosk's one rule for such names: invisible and control characters removed.
    Refused with `empty`, or saying the limit, when nothing visible is left or too much is."""
    try:
        return clean_label(raw, limit)
    except NameProblem as problem:
        if problem.code == NameProblem.EMPTY:
            raise Refused(empty) from None
        raise Refused(f"The name is too long: at most {limit} characters.") from None


def check_campus(db: Session, name: str, timezone: str, languages: Sequence[str], default_language: str,
                 campus_id: int | None = None) -> str:  # fmt: skip
    """The campus's name as it is stored; Refused, saying what to correct, unless these settings can be a
    campus's (the pages and the command)."""
    name = label(name, MAX_CAMPUS_NAME, "Give the campus a name.")
    same_name = db.scalars(select(Campus).where(func.lower(Campus.name) == name.lower())).first()
    if same_name is not None and same_name.id != campus_id:
        raise Refused(f"There is already a campus named “{name}”.")
    if timezone not in zone_names():
        raise Refused(f"“{timezone}” is not a time zone name like America/Chicago.")
    offered = ", ".join(installed_languages())
    if not languages:
        raise Refused(f"Give at least one language for the kiosk's buttons: it offers {offered}.")
    unknown = [c for c in languages if not re.match(LANGUAGE_PATTERN, c) or c not in installed_languages()]
    if unknown:
        raise Refused(f"The kiosk does not offer {', '.join(unknown)}; it offers {offered}.")
    if default_language not in languages:
        raise Refused(f"The default language must be one of those offered: {', '.join(languages)}.")
    return name


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Refused(f"The password must be at least {MIN_PASSWORD} characters long.")


def add_campus(db: Session, name: str, timezone: str, languages: Sequence[str] = ("en", "es"),
               default_language: str = "en", oneroster_org: str | None = None) -> Campus:  # fmt: skip
    name = check_campus(db, name, timezone, languages, default_language)
    campus = Campus(
        name=name, timezone=timezone, languages=" ".join(languages), default_language=default_language,
        oneroster_org=oneroster_org, revision=1, settings_revision=1, created_ms=now_ms(),
    )  # fmt: skip
    db.add(campus)
    db.flush()
    db.add_all(Office(campus_id=campus.id, key=key, alert_urls="", alert_language="") for key in wire.OFFICES)
    db.flush()
    return campus


@dataclass(frozen=True)
class NewKiosk:
    kiosk: Kiosk
    code: str  # shown once, never stored


def kiosk_name(raw: str) -> str:
    return label(raw, MAX_KIOSK_NAME, "Give the kiosk a name, like “Front door”.")


def add_kiosk(db: Session, campus_id: int, name: str) -> NewKiosk:
    name = kiosk_name(name)
    if db.get(Campus, campus_id) is None:
        raise NotFound(f"no campus {campus_id}")
    kiosk = Kiosk(id=str(uuid.uuid4()), campus_id=campus_id, name=name, created_ms=now_ms())
    db.add(kiosk)
    return NewKiosk(kiosk, issue_code(db, kiosk))


def issue_code(db: Session, kiosk: Kiosk) -> str:
    """A new one-time code for a kiosk; using it replaces the kiosk's token (re-imaging a Pi)."""
    code = security.new_enrollment_code()
    kiosk.enrollment_code_hash = security.digest(security.normalise_code(code))
    kiosk.enrollment_expires_ms = now_ms() + ENROLLMENT_HOURS * 3600 * 1000
    kiosk.revoked_ms = None
    db.flush()
    return code


def enroll(db: Session, code: str, version: str = "") -> tuple[Kiosk, str]:
    """Trade a one-time code for the kiosk's token; Refused if the code is unknown, used or expired."""
    kiosk = db.scalars(
        select(Kiosk).where(Kiosk.enrollment_code_hash == security.digest(security.normalise_code(code)))
    ).one_or_none()
    if kiosk is None or (kiosk.enrollment_expires_ms or 0) < now_ms():
        raise Refused("this enrollment code is unknown, used or expired: ask for a new one")
    token = security.new_token()
    kiosk.token_hash = security.digest(token)
    kiosk.enrollment_code_hash = None
    kiosk.enrollment_expires_ms = None
    kiosk.enrolled_ms = now_ms()
    kiosk.version = version or kiosk.version
    return kiosk, token


def revoke(db: Session, kiosk_id: str) -> None:
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFound(f"no kiosk {kiosk_id}")
    kiosk.token_hash = None
    kiosk.enrollment_code_hash = None
    kiosk.revoked_ms = now_ms()


def kiosk_for_token(db: Session, token: str) -> Kiosk | None:
    return db.scalars(select(Kiosk).where(Kiosk.token_hash == security.digest(token))).one_or_none()


def record_heartbeat(db: Session, token: str, beat: dict[str, Any]) -> bool:
    """Authenticate and record in one statement (2,000 kiosks beat every 30 s); False for an unknown token.
    The kiosk's clock is measured against the server's here, whatever the kiosk thinks of it."""
    table = Kiosk.__table__
    received = now_ms()
    values = dict(beat)
    sent = values.pop("sent_ms", None)
    values["clock_offset_ms"] = None if sent is None else sent - received
    found = db.execute(
        update(table).where(table.c.token_hash == security.digest(token))
        .values(last_seen_ms=received, **values).returning(table.c.id)
    ).first()  # fmt: skip
    return found is not None


# -- visits up ----------------------------------------------------------------------------
UNDO_MS = 10_000  # the office page offers Undo this long after an office sign-out
UNDO_ACCEPTED_MS = 15_000  # an Undo clicked at the last moment, over a slow network, still counts
HELD_MS = 17_000  # kiosks learn of an office sign-out once it can no longer be undone (with a margin)
PUSH_PART = 100  # events per transaction in a push (apply_in_parts)


def _insert(db: Session):  # type: ignore[no-untyped-def]
    dialect = db.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect, insert)


def apply_events(db: Session, kiosk_id: str | None, campus_id: int, raw_events: list[Any]) -> list[dict[str, str]]:
    """Apply a pushed batch in the caller's transaction (see apply_in_parts)."""
    return apply_in_parts(lambda: nullcontext(db), kiosk_id, campus_id, raw_events, part=max(1, len(raw_events)))


def apply_in_parts(
    transaction: Callable[[], AbstractContextManager[Session]],
    kiosk_id: str | None,
    campus_id: int,
    raw_events: list[Any],
    part: int = PUSH_PART,
) -> list[dict[str, str]]:
    """Apply a pushed batch, exactly once per event id however often it is resent, `part` events per
    transaction: on SQLite every other writer (a heartbeat, an office's click) waits for the one being
    written, so a 500-event push holds the others up for a part's time, not its whole time. A crash
    between parts leaves the earlier parts stored, and the kiosk's resend finds them "duplicate".

    Returns one result per event, in order. A bad event is refused with its reason; the
    others are applied. Visits go in first, so a sign-out may follow its visit in one batch.
    """
    results: list[dict[str, str]] = [{}] * len(raw_events)
    visits: list[tuple[int, VisitEvent]] = []
    sign_outs: list[tuple[int, SignOutEvent]] = []
    name_flags: dict[str, str] = {}  # visit id: why its names are the server's (district.repair)
    for i, raw in enumerate(raw_events):
        try:
            event = parse_event(raw)
        except ValueError as exc:
            repaired = repair.repaired_visit(raw)
            if repaired is None:
                results[i] = {"status": "refused", "error": str(exc)}
                continue
            event, name_flags[repaired[0].id] = repaired
        (visits if isinstance(event, VisitEvent) else sign_outs).append((i, event))  # type: ignore[arg-type]
    received = now_ms()
    visits, repeats = _first_of_each_id(visits)
    for n in range(0, len(visits), part):
        with transaction() as db:
            _store_visits(db, kiosk_id, campus_id, visits[n : n + part], received, name_flags, results)
    for i, first, same in repeats:
        results[i] = _repeated(results[first], same)
    for n in range(0, len(sign_outs), part):
        with transaction() as db:
            _store_sign_outs(db, campus_id, sign_outs[n : n + part], received, results)
    return results


def _store_visits(
    db: Session, kiosk_id: str | None, campus_id: int, visits: list[tuple[int, VisitEvent]], received: int,
    name_flags: dict[str, str], results: list[dict[str, str]],
) -> None:  # fmt: skip
    campus = db.get_one(Campus, campus_id)
    zone = queries.zone_of(campus)
    rows = [
        _visit_row(v, received, zone, name_flags.get(v.id)) | {"campus_id": campus_id, "kiosk_id": kiosk_id}
        for _, v in visits
    ]
    passes = _known_passes(db, campus_id, rows)
    planned = plan_arrivals(db, campus, rows, received)  # before the first write: see plan_arrivals
    statement = _insert(db)(Visit).on_conflict_do_nothing(index_elements=["id"]).returning(Visit.id)
    # render_nulls: every row has the same columns, so one INSERT takes them all (not one per pattern of NULLs)
    stored = set(db.scalars(statement.execution_options(render_nulls=True), rows).all())
    conflicts = {v.id for _, v in visits} - stored
    if conflicts:  # "duplicate" only for this campus's own visit: never let a kiosk drop another's
        elsewhere = set(db.scalars(select(Visit.id).where(Visit.id.in_(conflicts), Visit.campus_id != campus_id)))
    else:
        elsewhere = set()
    queue_arrivals(db, planned, stored)
    _count_pass_uses(db, campus_id, passes, [r for r in rows if r["pass_id"] and r["id"] in stored])
    for i, v in visits:
        if v.id in elsewhere:
            results[i] = {"status": "refused", "error": "id: already used by a visit of another campus"}
        else:
            results[i] = {"status": "stored" if v.id in stored else "duplicate"}


def _store_sign_outs(
    db: Session, campus_id: int, sign_outs: list[tuple[int, SignOutEvent]], received: int,
    results: list[dict[str, str]],
) -> None:  # fmt: skip
    dated = [timing.date_event(s.at_ms, s.age_ms, received, "Sign-out") for _, s in sign_outs]
    applied = _sign_outs(db, campus_id, [(s.visit_id, d.ms, s.by) for (_, s), d in zip(sign_outs, dated)])
    for (i, _), status in zip(sign_outs, applied):
        results[i] = status
    flags = {s.visit_id: d.flag for (_, s), d, r in zip(sign_outs, dated, applied) if d.flag and r["status"] == "stored"}
    _flag(db, flags)


def _known_passes(db: Session, campus_id: int, rows: list[dict[str, Any]]) -> dict[int, VisitorPass]:
    """The campus's passes these visits were checked in with. A visit naming a pass the server does
    not have at this campus is kept without it, flagged (what the kiosk confirmed is never refused)."""
    wanted = {r["pass_id"] for r in rows if r["pass_id"]}
    if not wanted:
        return {}
    found = {p.id: p for p in db.scalars(select(VisitorPass).where(VisitorPass.id.in_(wanted),
                                                                    VisitorPass.campus_id == campus_id))}  # fmt: skip
    for r in rows:
        if r["pass_id"] and r["pass_id"] not in found:
            r["pass_id"] = None
            r["flag"] = timing.joined(r["flag"], "Checked in with a pass this server does not know.")
    return found


def _count_pass_uses(db: Session, campus_id: int, passes: dict[int, VisitorPass], used: list[dict[str, Any]]) -> None:
    """Count the check-ins of newly stored visits on their passes (kiosks learn the count at their next
    pull), and flag those a kiosk let in while it could not know better: a single-use pass shown at two
    kiosks while both were offline, a pass revoked since the kiosk's last pull, or a check-in outside
    the pass's days (a kiosk clock gone wrong). They are kept, as pretix keeps such check-ins."""
    flags: dict[str, str] = {}
    for pass_id in sorted({r["pass_id"] for r in used}):
        p = passes[pass_id]
        mine = sorted((r for r in used if r["pass_id"] == pass_id), key=lambda r: r["checked_in_ms"])
        table = VisitorPass.__table__
        total = db.execute(  # counted in the database: two pushes at once (PostgreSQL) each add their own
            update(table).where(table.c.id == pass_id)
            .values(uses=table.c.uses + len(mine), revision=take_revisions(db, campus_id)).returning(table.c.uses)
        ).scalar_one()  # fmt: skip
        for n, r in enumerate(mine, start=total - len(mine) + 1):
            why = []
            if n > p.max_uses:
                why.append(f"Pass used {n} times; it allows {p.max_uses}.")
            if p.revoked_ms is not None and p.revoked_ms <= r["checked_in_ms"]:
                why.append("Pass revoked before this check-in (the kiosk had not heard yet).")
            if not p.valid_from_ms <= r["checked_in_ms"] <= p.valid_until_ms:
                why.append("Checked in outside the pass's days.")
            if why:
                flags[r["id"]] = " ".join(why)
    _flag(db, flags)


def _visit_row(v: VisitEvent, received: int, zone: ZoneInfo, name_flag: str | None = None) -> dict[str, Any]:
    """The visit as stored: dated by district.timing, its campus day following the time kept."""
    row = v.model_dump(exclude={"type", "age_ms"})
    row |= {"received_ms": received, "revision": 0, "flag": name_flag, "kiosk_checked_in_ms": None}
    dated = timing.date_event(v.checked_in_ms, v.age_ms, received)
    if dated.flag:
        row |= {"checked_in_ms": dated.ms, "local_day": timing.local_day(dated.ms, zone),
                "flag": timing.joined(name_flag, dated.flag), "kiosk_checked_in_ms": v.checked_in_ms}  # fmt: skip
    return row


def _flag(db: Session, flags: dict[str, str]) -> None:
    """Add to the flags of these visits (sign-outs dated by the server)."""
    for visit in db.scalars(select(Visit).where(Visit.id.in_(flags))) if flags else ():
        visit.flag = timing.joined(visit.flag, flags[visit.id])


def _first_of_each_id(
    visits: list[tuple[int, VisitEvent]],
) -> tuple[list[tuple[int, VisitEvent]], list[tuple[int, int, bool]]]:
    """A batch's visits with each id once (its first), and the repeats: (index, the first's index, same content).
    One insert cannot take an id twice: the second would vanish, and be answered "stored" with the first."""
    first: dict[str, tuple[int, VisitEvent]] = {}
    repeats = []
    for i, v in visits:
        if v.id in first:
            repeats.append((i, first[v.id][0], v == first[v.id][1]))
        else:
            first[v.id] = (i, v)
    return list(first.values()), repeats


def _repeated(original: dict[str, str], same: bool) -> dict[str, str]:
    """A visit sent twice in one batch: answered as a resend would be, or refused if its content differs."""
    if not same:
        return {"status": "refused", "error": "id: sent earlier in this batch with different content"}
    return original if original["status"] == "refused" else {"status": "duplicate"}


def _sign_outs(db: Session, campus_id: int, events: list[tuple[str, int, str]]) -> list[dict[str, str]]:
    """Apply (visit_id, at_ms, by) sign-outs in order: a later one for the same visit changes nothing,
    except that a kiosk's arriving while the office's can still be undone makes that one final (its
    revision moves on, so the Undo form's no longer matches: see undo_office_sign_out).

    The campus's revisions are reserved first: that takes the write lock (SQLite) or the campus
    row lock (PostgreSQL) before the visits are read, so concurrent sign-outs cannot interleave.
    Then one read by primary key and one batched update, whatever the batch's size.
    """
    if not events:
        return []
    revision = take_revisions(db, campus_id, len(events))  # numbers left unused are harmless gaps
    ids = {visit_id for visit_id, _, _ in events}
    current = {
        row.id: (row.signed_out_ms, row.signed_out_by)
        for row in db.execute(
            select(Visit.id, Visit.signed_out_ms, Visit.signed_out_by).where(Visit.id.in_(ids), Visit.campus_id == campus_id)
        )
    }
    results, changed = [], {}
    undoable_since = now_ms() - UNDO_ACCEPTED_MS
    for visit_id, at_ms, by in events:
        if visit_id not in current:
            results.append({"status": "refused", "error": "visit_id: no such visit at this campus"})
        elif wire.signs_out_earlier(at_ms, by, *current[visit_id]):
            current[visit_id] = (at_ms, by)
            changed[visit_id] = (at_ms, by)
            results.append({"status": "stored"})
        else:
            standing_ms, standing_by = current[visit_id]
            if by != "office" and standing_by == "office" and (standing_ms or 0) >= undoable_since:
                changed[visit_id] = current[visit_id]  # the office's stands, now for good
            results.append({"status": "duplicate"})
    if changed:
        table = Visit.__table__
        db.execute(
            update(table).where(table.c.id == bindparam("visit_id"))
            .values(signed_out_ms=bindparam("at_ms"), signed_out_by=bindparam("by"), revision=bindparam("rev")),
            [{"visit_id": v, "at_ms": at, "by": by, "rev": revision + n} for n, (v, (at, by)) in enumerate(changed.items())],
        )  # fmt: skip
    return results


def sign_out_at_office(db: Session, campus_id: int, visit_id: str) -> bool:
    """The front office signs a visitor out; False if already signed out (or not this campus's)."""
    return _sign_outs(db, campus_id, [(visit_id, now_ms(), "office")])[0]["status"] == "stored"


def undo_office_sign_out(db: Session, campus_id: int, visit_id: str, revision: int) -> None:
    """Put back on site a visitor the office signed out a moment ago (a mis-click); Refused saying why not.

    The rule that keeps every copy agreeing: an office sign-out can be undone for UNDO_ACCEPTED_MS, and
    only while it is still the visit's sign-out at the `revision` the page showed. Kiosks are not told
    of it until HELD_MS have passed (changes() stops just before it), so no kiosk ever holds a sign-out
    that is undone, and the protocol is unchanged. A sign-out from a kiosk that reaches the server
    meanwhile (the visitor signed out there too) moves the revision on, and the office's then stands:
    an undo never puts back on site someone who signed out at a kiosk.
    """
    take_revisions(db, campus_id)  # the campus lock, as _sign_outs takes it: no sign-out interleaves
    visit = db.get(Visit, visit_id)
    if visit is None or visit.campus_id != campus_id:
        raise NotFound(f"no visit {visit_id}")
    if visit.signed_out_ms is None:
        return  # undone already (a second click): nothing to do
    who = f"\u2068{short_name(visit.first_name, visit.last_name)}\u2069"  # isolated: an Arabic name keeps its place
    if visit.signed_out_by != "office" or visit.revision != revision:
        raise Refused(f"{who} also signed out at the kiosk, so the sign-out stands.")
    if now_ms() - visit.signed_out_ms > UNDO_ACCEPTED_MS:
        raise Refused(f"A sign-out can be undone for {UNDO_MS // 1000} seconds only, so the sign-out of {who} stands.")
    visit.signed_out_ms = visit.signed_out_by = None
    visit.revision = 0  # nothing for kiosks to learn: they were never told
    db.flush()


def check_in_at_office(db: Session, campus: Campus, first_name: str, last_name: str, reason: str,
                       host: Staff | None, language: str, interpreter: bool) -> str:  # fmt: skip
    """A visitor the front office checks in (no kiosk: kiosk_id stays empty, which is how a visit is known
    to be the office's). It goes through apply_events, as a kiosk's push does: the same checks, the same
    insert, its alerts queued in the same transaction. Returns the visit's id; ValueError if refused."""
    now = now_ms()
    local = queries.local_now(campus, now)
    event = {
        "type": "visit", "id": new_id(now), "first_name": first_name, "last_name": last_name, "reason": reason,
        "host_id": host.external_id if host else None,
        "host_name": host_name(host.first_name, host.last_name, host.display_name) if host else None,
        "language": language, "interpreter": interpreter, "checked_in_ms": now, "local_day": local.date().isoformat(),
    }  # fmt: skip
    [result] = apply_events(db, None, campus.id, [event])
    if result["status"] != "stored":
        raise ValueError(result.get("error") or result["status"])
    return str(event["id"])


def undoable_since(now: int) -> int:
    """Office sign-outs made after this moment still offer Undo on the office page."""
    return now - UNDO_MS


# -- changes down -------------------------------------------------------------------------
def changes(db: Session, campus_id: int, since: int, limit: int = wire.MAX_CHANGES) -> dict[str, Any]:
    """Everything newer than `since` for one campus's kiosks, oldest first, at most `limit` items."""
    campus = db.get(Campus, campus_id)
    if campus is None:
        raise NotFound(f"no campus {campus_id}")
    top = campus.revision  # every change numbered up to here is committed (take_revisions)
    if since > top:  # the kiosk saw changes this database no longer has (restored from a backup)
        return {"reset": True, "cursor": 0, "more": True, "staff": [], "sign_outs": [], "passes": [],
                "settings": None, "has_directory": False}  # fmt: skip
    held = db.scalar(  # an office sign-out that may still be undone: stop just before it (undo_office_sign_out)
        select(func.min(Visit.revision)).where(
            Visit.campus_id == campus_id, Visit.revision > since, Visit.revision <= top,
            Visit.signed_out_by == "office", Visit.signed_out_ms > now_ms() - HELD_MS,
        )
    )  # fmt: skip
    if held is not None:
        top = held - 1
    staff = db.scalars(
        select(Staff).where(Staff.campus_id == campus_id, Staff.revision > since, Staff.revision <= top)
        .order_by(Staff.revision).limit(limit + 1)
    ).all()  # fmt: skip
    signed = db.execute(
        select(Visit.id, Visit.signed_out_ms, Visit.signed_out_by, Visit.revision)
        .where(Visit.campus_id == campus_id, Visit.revision > since, Visit.revision <= top)
        .order_by(Visit.revision).limit(limit + 1)
    ).all()  # fmt: skip
    passes = db.scalars(
        select(VisitorPass).where(VisitorPass.campus_id == campus_id, VisitorPass.revision > since,
                                  VisitorPass.revision <= top).order_by(VisitorPass.revision).limit(limit + 1)
    ).all()  # fmt: skip
    items: list[tuple[int, str, Any]] = sorted(
        [(s.revision, "staff", s) for s in staff] + [(r.revision, "sign_out", r) for r in signed]
        + [(p.revision, "pass", p) for p in passes],
        key=lambda item: item[0],
    )
    more = len(items) > limit
    items = items[:limit]
    cursor = items[-1][0] if more else top
    has_directory = db.scalar(select(Staff.id).where(Staff.campus_id == campus_id).limit(1)) is not None
    return {
        "reset": False,
        "cursor": cursor,
        "more": more,
        "has_directory": has_directory,
        "staff": [_staff_out(s) for _, kind, s in items if kind == "staff"],
        "sign_outs": [
            {"visit_id": r.id, "at_ms": r.signed_out_ms, "by": r.signed_out_by} for _, kind, r in items if kind == "sign_out"
        ],
        "passes": [_pass_out(p) for _, kind, p in items if kind == "pass"],
        "settings": settings_of(campus) if since < campus.settings_revision <= cursor else None,
    }


def _staff_out(s: Staff) -> dict[str, Any]:
    return {
        "id": s.external_id, "first_name": s.first_name, "last_name": s.last_name, "display_name": s.display_name,
        "role": s.role, "room": s.room, "languages": s.languages.split(), "active": s.active,
    }  # fmt: skip


def _pass_out(p: VisitorPass) -> dict[str, Any]:
    """A pass as a kiosk gets it: what it needs to check it offline and greet the visitor (district.passes)."""
    return {
        "id": p.id, "code_hash": p.code_hash, "first_name": p.first_name, "last_name": p.last_name,
        "language": p.language, "reason": p.reason, "host_id": p.host_id, "host_name": p.host_name,
        "valid_from_ms": p.valid_from_ms, "valid_until_ms": p.valid_until_ms, "max_uses": p.max_uses,
        "uses": p.uses, "revoked": p.revoked_ms is not None,
    }  # fmt: skip


def settings_of(campus: Campus) -> dict[str, Any]:
    return {
        "campus_name": campus.name, "timezone": campus.timezone, "languages": campus.languages.split(),
        "default_language": campus.default_language,
    }  # fmt: skip


def update_settings(db: Session, campus: Campus, **values: Any) -> None:
    for key, value in values.items():
        setattr(campus, key, " ".join(value) if key == "languages" else value)
    db.flush()
    campus.settings_revision = take_revisions(db, campus.id)


# -- the staff directory ------------------------------------------------------------------
@dataclass(frozen=True)
class ImportResult:
    added: int
    changed: int
    removed: int
    unchanged: int


def replace_staff(db: Session, campus_id: int, members: Sequence[StaffMember]) -> ImportResult:
    """Make the campus's directory equal to an import: add, change, and deactivate who is gone.

    Each changed row takes its own revision, so kiosks page through a big import in order.
    Removed staff stay as inactive rows: kiosks learn to drop them, old visits keep their host.
    """
    existing = {s.external_id: s for s in db.scalars(select(Staff).where(Staff.campus_id == campus_id))}
    incoming = {m.id: m for m in members}
    fields = ("first_name", "last_name", "display_name", "role", "room")
    to_add, to_change, to_remove = [], [], []
    for key, member in incoming.items():
        values = {f: getattr(member, f) for f in fields} | {"languages": " ".join(member.languages), "active": True}
        row = existing.get(key)
        if row is None:
            to_add.append(values | {"external_id": key})
        elif any(getattr(row, f) != v for f, v in values.items()):
            to_change.append((row, values))
    to_remove = [row for key, row in existing.items() if key not in incoming and row.active]
    count = len(to_add) + len(to_change) + len(to_remove)
    if count:
        revision = take_revisions(db, campus_id, count)
        for values in to_add:
            db.add(Staff(campus_id=campus_id, revision=revision, **values))
            revision += 1
        for row, values in to_change:
            for f, v in values.items():
                setattr(row, f, v)
            row.revision = revision
            revision += 1
        for row in to_remove:
            row.active = False
            row.revision = revision
            revision += 1
    db.flush()
    unchanged = len(incoming) - len(to_add) - len(to_change)
    return ImportResult(len(to_add), len(to_change), len(to_remove), unchanged)


# -- users --------------------------------------------------------------------------------
def user_name(raw: str, email: str) -> str:
    """A user's name as stored (by the rule of service.label), or their email address when no name,
    or nothing visible, is given."""
    try:
        return clean_label(raw, MAX_USER_NAME)
    except NameProblem as problem:
        if problem.code == NameProblem.TOO_LONG:
            raise Refused(f"The name is too long: at most {MAX_USER_NAME} characters.") from None
        return email.strip().lower()


def add_user(db: Session, email: str, name: str, password: str, role: str, campus_id: int | None) -> User:
    if role == "secretary" and campus_id is None:
        raise Refused("a secretary belongs to a campus")
    if role == "secretary" and db.get(Campus, campus_id) is None:
        raise Refused(f"there is no campus {campus_id}")
    check_password(password)
    if db.scalar(select(User.id).where(User.email == email.strip().lower())) is not None:
        raise Refused(f"there is already a user {email.strip().lower()}")
    name = user_name(name, email)
    user = User(
        email=email.strip().lower(), name=name, password_hash=hash_secret(password), role=role,
        campus_id=campus_id if role == "secretary" else None, active=True, created_ms=now_ms(),
    )  # fmt: skip
    db.add(user)
    db.flush()
    return user


def count_visits(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Visit)) or 0


# -- web sessions (the pages' sign-in) --------------------------------------------------------
@dataclass(frozen=True)
class NewWebSession:
    token: str  # goes into the cookie only; the database keeps its digest
    csrf_token: str
    expires_ms: int


def start_web_session(db: Session, user_id: int, hours: int) -> NewWebSession:
    """A signed-in session; old expired sessions are swept now, so the table never grows unbounded."""
    now = now_ms()
    db.execute(delete(WebSession).where(WebSession.expires_ms < now))
    token, csrf = security.new_token(), security.new_token()
    expires = now + hours * 3600 * 1000
    db.add(WebSession(token_hash=security.digest(token), user_id=user_id, csrf_token=csrf, created_ms=now,
                      expires_ms=expires))  # fmt: skip
    db.flush()
    return NewWebSession(token, csrf, expires)


def end_web_session(db: Session, token_hash: str) -> None:
    db.execute(delete(WebSession).where(WebSession.token_hash == token_hash))



# -- managing users (the Users page) --------------------------------------------------------------
def end_user_sessions(db: Session, user_id: int, keep: str | None = None) -> None:
    """Sign a user out everywhere, but for the session whose token hash is `keep` (if given)."""
    statement = delete(WebSession).where(WebSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(WebSession.token_hash != keep)
    db.execute(statement)


def set_user_active(db: Session, user: User, active: bool) -> None:
    """Re-enable a user, or disable them: their open sessions end at once."""
    user.active = active
    if not active:
        end_user_sessions(db, user.id)
    db.flush()


def set_password(db: Session, user: User, password: str, keep_session: str | None = None) -> None:
    """A new password (scrypt); the user's sessions end, all but `keep_session` (an admin setting their own)."""
    user.password_hash = hash_secret(password)
    end_user_sessions(db, user.id, keep_session)
    db.flush()
