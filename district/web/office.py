"""The front office: today's arrivals, their alerts and who is on site (kept live by polling), "seen",
sign-outs, search."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from district import queries, service
from district.alerts import queue
from district.db import transaction
from district.models import Campus, Visit
from district.web import alerting
from district.web.auth import Posted, Signed, Viewer
from district.web.formatting import at, clock_time, duration, language_names, long_day, reason_label, short_day
from district.web.forms import FromDay, date_range, field, parse_id
from district.web.pages import PageError, notice_text, read, redirect, render
from kiosk import interpreting
from kiosk.text import short_name

SEARCH_DAYS = 30  # a search without dates looks this far back
SIGNED_OUT_BY = {"visitor": "at the kiosk", "staff": "by staff", "office": "by the office"}
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class VisitView:
    id: str
    name: str
    day: str
    time: str
    reason: str
    host: str
    language: str
    language_english: str
    interpreter: bool
    on_site: bool
    left: str  # "9:40 AM", or "" while on site
    left_by: str
    stayed: str  # how long: until now while on site
    arrived_ms: int = 0
    flag: str = ""  # why the time is the server's estimate (district.timing)
    interpreter_language: str = ""  # "Dari (دری)": whom to call
    student: str = ""  # whom the visitor picks up
    alerts: alerting.AlertSummary | None = None  # on the office page; not in search results
    short_name: str = ""  # "Ana P.", as the Undo row says it
    undo_seconds: int = 0  # while above 0, the office's sign-out can be undone (service.undo_office_sign_out)
    revision: int = 0  # which sign-out an Undo is about
    at_office: bool = False  # checked in on the office's page (district.web.checkin), not at a kiosk


def visit_view(v: Visit, zone: ZoneInfo, now: int, alerts: alerting.AlertSummary | None = None) -> VisitView:
    arrived = at(v.checked_in_ms, zone)
    left = at(v.signed_out_ms, zone) if v.signed_out_ms is not None else None
    own, english = language_names(v.language)
    return VisitView(
        id=v.id, name=f"{v.first_name} {v.last_name}", day=f"{short_day(arrived.date())}, {arrived.year}",
        time=clock_time(arrived),
        reason=reason_label(v.reason), host=v.host_name or "", language=own, language_english=english,
        interpreter=v.interpreter, on_site=left is None, left=clock_time(left) if left else "",
        left_by=SIGNED_OUT_BY.get(v.signed_out_by or "", ""),
        stayed=duration((v.signed_out_ms or now) - v.checked_in_ms), arrived_ms=v.checked_in_ms, flag=v.flag or "",
        alerts=alerts, interpreter_language=interpreter_label(v.interpreter_language), student=v.student_name or "",
        short_name=short_name(v.first_name, v.last_name), undo_seconds=undo_seconds(v, now), revision=v.revision,
        at_office=v.kiosk_id is None,
    )  # fmt: skip


def interpreter_label(code: str | None) -> str:
    """"Dari (دری)": the English name the office reads, and the name the visitor gave it."""
    if not code:
        return ""
    english, own = interpreting.english_name(code), interpreting.own_name(code)
    return english if english == own else f"{english} ({own})"


def undo_seconds(v: Visit, now: int) -> int:
    """How many more seconds the office page offers Undo for this visit's sign-out (0: none to undo)."""
    if v.signed_out_by != "office" or v.signed_out_ms is None:
        return 0
    return max(0, -(-(v.signed_out_ms - service.undoable_since(now)) // 1000))  # rounded up


def choose_campus(db: Session, viewer: Viewer, requested: str) -> Campus:
    """The campus a page is about: a secretary's own, or the one an admin asked for (or the first)."""
    if not viewer.admin:
        if requested and requested != str(viewer.campus_id):
            raise PageError(403, "Not your campus", "You can see and act on your own campus only.")
        place = queries.campus(db, viewer.campus_id) if viewer.campus_id is not None else None
    elif requested:
        campus_id = parse_id(requested)
        place = queries.campus(db, campus_id) if campus_id is not None else None
    else:
        place = next(iter(queries.campuses(db)), None)
        if place is None:
            raise PageError(404, "No campuses yet", "Add a campus on the District page first.")
    if place is None:
        raise PageError(404, "No such campus", "That campus does not exist.")
    return place


@contextmanager
def campus_view(request: Request, viewer: Viewer, campus: str) -> Iterator[tuple[Session, Campus, int]]:
    """A read-only unit of work on the campus a page is about, and the moment the page shows."""
    with read(request) as db:
        yield db, choose_campus(db, viewer, campus), service.now_ms()


def days_asked(place: Campus, first: str, last: str, days: int, now: int) -> tuple[date, date]:
    """The days a search or export asked for; by default the campus's last `days` days."""
    today = queries.local_now(place, now).date()
    return date_range(first, last, (today - timedelta(days=days - 1), today))


def office_url(viewer: Viewer, campus_id: int, path: str = "/office") -> str:
    return f"{path}?campus={campus_id}" if viewer.admin else path


@dataclass(frozen=True)
class Board:
    """What the live part of the office page shows."""

    campus: Campus
    arrivals: list[VisitView]
    on_site: list[VisitView]
    etag: str
    undelivered: list[tuple[VisitView, str]]  # failed alerts of visitors still waiting: the office tells them
    # "On site now" also keeps, for UNDO_MS, the visitors the office has just signed out: their row offers Undo.




def board_etag(db: Session, place: Campus, viewer: Viewer, now: int) -> str:
    """Changes when the lists do, when an alert's state changes or a visit is acknowledged, when a minute
    passes (the "how long" columns), and per session (the fragment holds the session's csrf token).
    Costs three indexed aggregate queries."""
    local = queries.local_now(place, now)
    facts = (place.id, place.name, place.timezone, local.date(), local.hour, local.minute, viewer.csrf,
             queries.day_fingerprint(db, place.id, local.date()),
             alerting.fingerprint(db, place.id, local.date()),
             queries.office_sign_outs_since(db, place.id, local.date(), service.undoable_since(now)))  # fmt: skip
    return '"' + hashlib.sha256(repr(facts).encode()).hexdigest()[:32] + '"'


def board(db: Session, place: Campus, viewer: Viewer, now: int) -> Board:
    zone, today = queries.zone_of(place), queries.local_now(place, now).date()
    etag = board_etag(db, place, viewer, now)
    visits = queries.day_visits(db, place.id, today)
    alerts = queue.alerts_of(db, [v.id for v in visits])
    arrivals = [visit_view(v, zone, now, alerting.summary(v, alerts[v.id], now)) for v in visits]
    on_site = [v for v in reversed(arrivals) if v.on_site or v.undo_seconds]  # earliest first: here longest
    undelivered = [(v, text) for v in on_site if v.on_site and v.alerts and not v.alerts.acknowledged
                   for text in v.alerts.failed]  # fmt: skip
    return Board(place, arrivals, on_site, etag, undelivered)


@router.get("/office")
def office(request: Request, viewer: Signed, campus: str = "", notice: str = "") -> HTMLResponse:
    with campus_view(request, viewer, campus) as (db, place, now):
        live = board(db, place, viewer, now)
        choices = queries.campuses(db) if viewer.admin else []
    local = queries.local_now(place, now)
    return render(
        request, "office.html", nav="office", board=live, choices=choices, today=long_day(local.date()),
        updated=clock_time(local), live_url=office_url(viewer, place.id, "/office/live"),
        campus_param=str(place.id) if viewer.admin else "", today_iso=local.date().isoformat(),
        notice=notice_text(notice), check_in_url=office_url(viewer, place.id, "/office/check-in"),
        passes_url=office_url(viewer, place.id, "/office/passes"),
    )  # fmt: skip


@router.get("/office/live")
def office_live(request: Request, viewer: Signed, campus: str = "") -> Response:
    """The two lists alone, for the page's poll; 304 when nothing changed since the given ETag."""
    with campus_view(request, viewer, campus) as (db, place, now):
        etag = board_etag(db, place, viewer, now)
        if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers={"ETag": etag})
        live = board(db, place, viewer, now)
    response = render(request, "_board.html", board=live)
    response.headers["ETag"] = live.etag
    return response


@router.post("/office/visits/{visit_id}/sign-out")
def office_sign_out(request: Request, visit_id: str, viewer: Signed, form: Posted) -> RedirectResponse:
    with transaction(request) as db:
        found = queries.visit(db, visit_id[:36])
        if found is None or not viewer.may_see(found.campus_id):
            raise PageError(404, "No such visit", "That visit is not one of your campus's.")
        campus_id = found.campus_id
        service.sign_out_at_office(db, campus_id, found.id)
    return redirect(office_url(viewer, campus_id))


@router.post("/office/visits/{visit_id}/undo-sign-out")
def office_undo_sign_out(request: Request, visit_id: str, viewer: Signed, form: Posted) -> RedirectResponse:
    """A mis-click on Sign out, put right within seconds: the visitor is on site again, everywhere."""
    revision = parse_id(field(form, "revision"))
    with transaction(request) as db:
        found = queries.visit(db, visit_id[:36])
        if found is None or not viewer.may_see(found.campus_id):
            raise PageError(404, "No such visit", "That visit is not one of your campus's.")
        campus_id = found.campus_id
        try:
            service.undo_office_sign_out(db, campus_id, found.id, revision if revision is not None else -1)
        except service.Refused as refused:
            raise PageError(409, "The sign-out stands", str(refused)) from None
    return redirect(office_url(viewer, campus_id))


@router.post("/office/visits/{visit_id}/seen")
def office_seen(request: Request, visit_id: str, viewer: Signed, form: Posted) -> RedirectResponse:
    """The front office has seen the visitor: the first acknowledgement, if nobody was on the way yet
    (the kiosk then tells the visitor), and the end of their waiting time."""
    with transaction(request) as db:
        found = queries.visit(db, visit_id[:36])
        if found is None or not viewer.may_see(found.campus_id):
            raise PageError(404, "No such visit", "That visit is not one of your campus's.")
        queue.acknowledge(db, found, viewer.name, "office", service.now_ms())
        campus_id = found.campus_id
    return redirect(office_url(viewer, campus_id))


@router.get("/office/search")
def office_search(
    request: Request, viewer: Signed, q: str = "", start: FromDay = "", to: str = "", campus: str = ""
) -> HTMLResponse:
    """Past visits by name prefix (accents and case ignored) within a date range."""
    with campus_view(request, viewer, campus) as (db, place, now):
        first, last = days_asked(place, start, to, SEARCH_DAYS, now)
        found = queries.search(db, place.id, q[:100], first, last) if q.strip() or start or to else None
    zone = queries.zone_of(place)
    results = [visit_view(v, zone, now) for v in found] if found is not None else None
    return render(
        request, "search.html", nav="office", campus=place, q=q[:100], first=first.isoformat(),
        last=last.isoformat(), results=results, campus_param=str(place.id) if viewer.admin else "",
        back=office_url(viewer, place.id),
    )  # fmt: skip
