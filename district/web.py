"""The web pages: the front office (secretaries) and the district (administrators).

Server-rendered HTML from Jinja2 templates with autoescaping, one CSS and one small JS file
and nothing from elsewhere, so the Content-Security-Policy can be "default-src 'self'" (no
inline scripts or styles). Every page works without JavaScript; the script only keeps the
front office's lists live by polling a fragment (an unchanged poll is a 304 on its ETag).

Security, in one place:
- Sign-in: email and password (scrypt, kiosk.pin). The cookie holds a random session token;
  the database keeps only its SHA-256, with an expiry (settings.session_hours) checked on
  every request. Five failed sign-ins for one email lock that email for a minute.
- CSRF: every form carries the session's csrf token, compared in constant time; the sign-in
  form, which has no session yet, uses a double-submit cookie. An Origin header, when the
  browser sends one, must name this server's host.
- Roles: a secretary sees and acts on their own campus only (another campus's visit is a
  404, its pages a 403); the district pages are for district administrators.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale, UnknownLocaleError
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, MutableHeaders, UploadFile
from starlette.types import ASGIApp, Receive, Scope, Send

from district import queries, security, service
from district.models import ROLES, Campus, Kiosk, Visit
from district.roster import list_orgs, parse_upload
from district.schemas import LANGUAGE_PATTERN
from kiosk.directory import DirectoryError
from kiosk.language import languages
from kiosk.pin import hash_secret, verify_secret
from kiosk.reasons import BY_CODE

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
LIVE_POLL_MS = 1000
STALE_MS = 10 * 60 * 1000  # a kiosk syncs every 15 s: ten silent minutes means it is off or offline
LOW_DISK_BYTES = 1_000_000_000
MAX_RANGE_DAYS = 366
SEARCH_DAYS = 30  # a search without dates looks this far back
DISTRICT_DAYS = 14
LANGUAGE_DAYS = 30
MIN_PASSWORD = 10
MAX_PASSWORD = 1000  # scrypt hashes any length; this only bounds the work an attacker can ask for
SIGNED_OUT_BY = {"visitor": "at the kiosk", "staff": "by staff", "office": "by the office"}
NOTICES = {
    "revoked": "The kiosk was revoked: it can no longer send or receive anything until it is given a new code.",
    "campus": "The campus was added. Add its kiosks and import its staff below.",
    "user": "The user was added. Give them their password in person or by phone, not by email.",
}
ROLE_LABELS = {"secretary": "Secretary", "district_admin": "District admin"}
COMMON_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "America/Toronto", "Europe/London", "UTC",
)  # fmt: skip


# -- errors that are pages --------------------------------------------------------------------
class PageError(Exception):
    """Shown as a page with its status: the person reads why, and a way back."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


class SignInNeeded(Exception):
    pass


# -- who is asking ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    email: str
    role: str
    campus_id: int | None
    csrf: str
    token_hash: str

    @property
    def admin(self) -> bool:
        return self.role == "district_admin"

    def may_see(self, campus_id: int) -> bool:
        return self.admin or campus_id == self.campus_id


class LoginThrottle:
    """Failed sign-ins per email: five lock the email for a minute.

    Kept in this process's memory: a restart forgets it, and with several workers each counts
    on its own. That still turns password guessing into a few guesses a minute, without a table
    an attacker could fill. Unknown emails are counted too, so the lock says nothing about
    which emails exist. At most MAX_EMAILS are remembered; expired entries go first.
    """

    LIMIT = 5
    LOCK_SECONDS = 60
    MAX_EMAILS = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, tuple[int, float]] = {}  # email -> (failures, locked until)
        self._lock = threading.Lock()

    def locked_for(self, email: str) -> int:
        with self._lock:
            _, until = self._failures.get(email, (0, 0.0))
            return max(0, int(until - self.clock() + 0.999))

    def failed(self, email: str) -> None:
        with self._lock:
            now = self.clock()
            count, until = self._failures.get(email, (0, 0.0))
            if until and until <= now:
                count = 0  # the lock has passed: start counting again
            count += 1
            self._failures[email] = (0, now + self.LOCK_SECONDS) if count >= self.LIMIT else (count, 0.0)
            if len(self._failures) > self.MAX_EMAILS:
                self._forget_oldest(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(email, None)

    def _forget_oldest(self, now: float) -> None:
        for key, (_, until) in list(self._failures.items()):
            if until <= now and len(self._failures) > self.MAX_EMAILS // 2:
                del self._failures[key]
        while len(self._failures) > self.MAX_EMAILS:
            del self._failures[next(iter(self._failures))]


def session_cookie(request: Request) -> str:
    """__Host- cookies must be Secure; a plain-http pilot (secure_cookies False) cannot use them."""
    return "__Host-wk_session" if request.app.state.settings.secure_cookies else "wk_session"


def login_cookie(request: Request) -> str:
    return "__Host-wk_login" if request.app.state.settings.secure_cookies else "wk_login"


def signed_in(request: Request) -> Viewer:
    """The signed-in user; an unknown, expired or disabled session is refused (and deleted)."""
    token = request.cookies.get(session_cookie(request))
    if not token:
        raise SignInNeeded
    token_hash = security.digest(token)
    viewer = None
    with request.app.state.sessions.begin() as db:
        found = queries.signed_in(db, token_hash)
        if found is None:
            raise SignInNeeded
        web_session, user = found
        if web_session.expires_ms <= service.now_ms() or not user.active:
            service.end_web_session(db, token_hash)
        else:
            viewer = Viewer(
                user.id, user.name, user.email, user.role, user.campus_id, web_session.csrf_token, token_hash
            )
    if viewer is None:
        raise SignInNeeded
    request.state.viewer = viewer
    return viewer


def admin_only(viewer: Annotated[Viewer, Depends(signed_in)]) -> Viewer:
    if not viewer.admin:
        raise PageError(403, "District administrators only", "This page is for the district's administrators.")
    return viewer


def check_origin(request: Request) -> None:
    """A browser names the page a form was sent from; it must be one of ours (a second CSRF line)."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower():
        raise PageError(403, "Form refused", "This form was sent from another site, so it was not accepted.")


CSRF_REFUSED = "The form was out of date or did not come from this site. Go back, reload the page and try again."


async def posted(request: Request, viewer: Annotated[Viewer, Depends(signed_in)]) -> FormData:
    """The form of a signed-in POST, after its CSRF token and Origin are checked."""
    check_origin(request)
    form = await request.form()
    token = form.get("csrf")
    if not isinstance(token, str) or not security.same(token, viewer.csrf):
        raise PageError(403, "Form refused", CSRF_REFUSED)
    return form


async def login_form(request: Request) -> FormData:
    """The sign-in form: its hidden token must equal the cookie set with the form (double submit)."""
    check_origin(request)
    form = await request.form()
    token, cookie = form.get("csrf"), request.cookies.get(login_cookie(request))
    if not isinstance(token, str) or not cookie or not security.same(token, cookie):
        raise PageError(403, "Form refused", CSRF_REFUSED)
    return form


Signed = Annotated[Viewer, Depends(signed_in)]
Admin = Annotated[Viewer, Depends(admin_only)]
Posted = Annotated[FormData, Depends(posted)]
LoginForm = Annotated[FormData, Depends(login_form)]


def field(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


# -- showing things -----------------------------------------------------------------------------
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


def visit_view(v: Visit, zone: ZoneInfo, now: int) -> VisitView:
    arrived = at(v.checked_in_ms, zone)
    left = at(v.signed_out_ms, zone) if v.signed_out_ms is not None else None
    own, english = language_names(v.language)
    return VisitView(
        id=v.id, name=f"{v.first_name} {v.last_name}", day=f"{short_day(arrived.date())}, {arrived.year}",
        time=clock_time(arrived),
        reason=reason_label(v.reason), host=v.host_name or "", language=own, language_english=english,
        interpreter=v.interpreter, on_site=left is None, left=clock_time(left) if left else "",
        left_by=SIGNED_OUT_BY.get(v.signed_out_by or "", ""),
        stayed=duration((v.signed_out_ms or now) - v.checked_in_ms),
    )  # fmt: skip


@dataclass(frozen=True)
class KioskView:
    id: str
    campus: str
    name: str
    last_contact: str
    last_contact_at: str
    stale: bool
    version: str
    backlog: int | None
    refused: int | None
    free_disk: str
    low_disk: bool
    state: str
    state_class: str
    revoked: bool


def kiosk_state(k: Kiosk, now: int) -> tuple[str, str]:
    """What an admin needs to know about a kiosk's enrollment, and a style for it."""
    code_pending = k.enrollment_code_hash is not None and (k.enrollment_expires_ms or 0) > now
    if k.revoked_ms is not None and k.token_hash is None:
        return "Revoked", "bad"
    if k.token_hash is not None:
        return ("Enrolled · new code waiting", "ok") if code_pending else ("Enrolled", "ok")
    if code_pending:
        return "Waiting for its code", "wait"
    return "Code expired: issue a new one", "bad"


def kiosk_view(k: Kiosk, campus_name: str, zone: ZoneInfo, now: int) -> KioskView:
    state, state_class = kiosk_state(k, now)
    live = k.token_hash is not None
    seen_at = at(k.last_seen_ms, zone) if k.last_seen_ms is not None else None
    return KioskView(
        id=k.id, campus=campus_name, name=k.name, last_contact=ago(k.last_seen_ms, now),
        last_contact_at=f"{seen_at:%Y-%m-%d} {clock_time(seen_at)}" if seen_at else "",
        stale=live and (k.last_seen_ms is None or now - k.last_seen_ms > STALE_MS),
        version=k.version or "–", backlog=k.backlog, refused=k.refused, free_disk=size(k.free_disk_bytes),
        low_disk=k.free_disk_bytes is not None and k.free_disk_bytes < LOW_DISK_BYTES,
        state=state, state_class=state_class, revoked=state == "Revoked",
    )  # fmt: skip


# -- rendering ---------------------------------------------------------------------------------
def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.globals.update(poll_ms=LIVE_POLL_MS, role_labels=ROLE_LABELS)
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    context.setdefault("viewer", getattr(request.state, "viewer", None))
    context.setdefault("nav", "")
    return HTMLResponse(env.get_template(template).render(**context), status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(target: str) -> str:
    """Only a path on this site: "//evil.org" and "/\\evil.org" would leave it."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and not any(c in target for c in "\r\n\\"):
        return target
    return ""


@functools.cache
def decoy_hash() -> str:
    """What an unknown email's password is checked against, so it costs as long as a known one."""
    return hash_secret(security.new_token())


def home(role: str) -> str:
    return "/district" if role == "district_admin" else "/office"


# -- sign in and out ---------------------------------------------------------------------------
router = APIRouter(include_in_schema=False)
SIGN_IN_REFUSED = "That email and password do not match an active account."


@router.get("/")
def root(viewer: Signed) -> RedirectResponse:
    return redirect(home(viewer.role))


@router.get("/login")
def login_page(request: Request, next: str = "") -> HTMLResponse:
    return login_response(request, next, "", 200)


def login_response(request: Request, next_url: str, error: str, status: int, email: str = "") -> HTMLResponse:
    """The sign-in form, with the double-submit token in its cookie and hidden field. An existing
    token is reused, so two sign-in tabs (or a reload) do not invalidate each other."""
    token = request.cookies.get(login_cookie(request), "")
    token = token if re.fullmatch(r"[A-Za-z0-9_-]{43}", token) else security.new_token()
    response = render(request, "login.html", status, csrf=token, next=safe_next(next_url), error=error, email=email)
    secure = request.app.state.settings.secure_cookies
    response.set_cookie(login_cookie(request), token, max_age=12 * 3600, path="/", secure=secure, httponly=True,
                        samesite="lax")  # fmt: skip
    return response


@router.post("/login")
def login(request: Request, form: LoginForm) -> Response:
    email, password = field(form, "email", 254).lower(), form.get("password")
    password = password[:MAX_PASSWORD] if isinstance(password, str) else ""
    next_url = field(form, "next", 2000)
    throttle: LoginThrottle = request.app.state.login_throttle
    wait = throttle.locked_for(email)
    if wait:
        message = f"Too many failed sign-ins for this email. Try again in {wait} seconds."
        return login_response(request, next_url, message, 429, email)
    settings = request.app.state.settings
    with request.app.state.sessions.begin() as db:
        user = queries.user_by_email(db, email)
        # An unknown email costs the same scrypt work as a wrong password: timing tells nothing.
        matches = verify_secret(password, user.password_hash if user else decoy_hash())
        allowed = user is not None and matches and user.active
        new = service.start_web_session(db, user.id, settings.session_hours) if allowed and user else None
        role = user.role if user else ""
    if new is None:
        throttle.failed(email)
        return login_response(request, next_url, SIGN_IN_REFUSED, 401, email)
    throttle.succeeded(email)
    response = redirect(safe_next(next_url) or home(role))
    response.set_cookie(session_cookie(request), new.token, max_age=settings.session_hours * 3600, path="/",
                        secure=settings.secure_cookies, httponly=True, samesite="lax")  # fmt: skip
    response.delete_cookie(login_cookie(request), path="/", secure=settings.secure_cookies, httponly=True)
    return response


@router.post("/logout")
def logout(request: Request, viewer: Signed, form: Posted) -> RedirectResponse:
    with request.app.state.sessions.begin() as db:
        service.end_web_session(db, viewer.token_hash)
    response = redirect("/login")
    secure = request.app.state.settings.secure_cookies
    response.delete_cookie(session_cookie(request), path="/", secure=secure, httponly=True, samesite="lax")
    return response


# -- the front office ---------------------------------------------------------------------------
def read(request: Request) -> Session:
    """A read-only unit of work (closed, never committed)."""
    return request.app.state.sessions()


def parse_id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


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


def office_url(viewer: Viewer, campus_id: int, path: str = "/office") -> str:
    return f"{path}?campus={campus_id}" if viewer.admin else path


@dataclass(frozen=True)
class Board:
    """What the live part of the office page shows."""

    campus: Campus
    arrivals: list[VisitView]
    on_site: list[VisitView]
    etag: str


def board_etag(db: Session, place: Campus, viewer: Viewer, now: int) -> str:
    """Changes when the lists do, when a minute passes (the "how long" column), and per session
    (the fragment holds the session's csrf token). Costs one indexed aggregate query."""
    local = queries.local_now(place, now)
    facts = (place.id, place.name, place.timezone, local.date(), local.hour, local.minute, viewer.csrf,
             queries.day_fingerprint(db, place.id, local.date()))  # fmt: skip
    return '"' + hashlib.sha256(repr(facts).encode()).hexdigest()[:32] + '"'


def board(db: Session, place: Campus, viewer: Viewer, now: int) -> Board:
    zone, today = queries.zone_of(place), queries.local_now(place, now).date()
    etag = board_etag(db, place, viewer, now)
    arrivals = [visit_view(v, zone, now) for v in queries.day_visits(db, place.id, today)]
    on_site = [v for v in reversed(arrivals) if v.on_site]  # earliest first: who has been here longest
    return Board(place, arrivals, on_site, etag)


@router.get("/office")
def office(request: Request, viewer: Signed, campus: str = "") -> HTMLResponse:
    now = service.now_ms()
    with read(request) as db:
        place = choose_campus(db, viewer, campus)
        live = board(db, place, viewer, now)
        choices = queries.campuses(db) if viewer.admin else []
    local = queries.local_now(place, now)
    return render(
        request, "office.html", nav="office", board=live, choices=choices, today=long_day(local.date()),
        updated=clock_time(local), live_url=office_url(viewer, place.id, "/office/live"),
        campus_param=str(place.id) if viewer.admin else "", today_iso=local.date().isoformat(),
    )  # fmt: skip


@router.get("/office/live")
def office_live(request: Request, viewer: Signed, campus: str = "") -> Response:
    """The two lists alone, for the page's poll; 304 when nothing changed since the given ETag."""
    now = service.now_ms()
    with read(request) as db:
        place = choose_campus(db, viewer, campus)
        etag = board_etag(db, place, viewer, now)
        if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers={"ETag": etag})
        live = board(db, place, viewer, now)
    response = render(request, "_board.html", board=live)
    response.headers["ETag"] = live.etag
    return response


@router.post("/office/visits/{visit_id}/sign-out")
def office_sign_out(request: Request, visit_id: str, viewer: Signed, form: Posted) -> RedirectResponse:
    with request.app.state.sessions.begin() as db:
        found = queries.visit(db, visit_id[:36])
        if found is None or not viewer.may_see(found.campus_id):
            raise PageError(404, "No such visit", "That visit is not one of your campus's.")
        campus_id = found.campus_id
        service.sign_out_at_office(db, campus_id, found.id)
    return redirect(office_url(viewer, campus_id))


DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str, default: date, label: str) -> date:
    if not text:
        return default
    try:
        if DAY_PATTERN.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise PageError(400, "Dates not understood", f"The {label} date “{text[:40]}” is not a date like 2026-11-03.")


def date_range(first: str, last: str, default: tuple[date, date]) -> tuple[date, date]:
    """The days asked for, checked: real dates, in order, at most MAX_RANGE_DAYS."""
    start, end = parse_day(first, default[0], "start"), parse_day(last, default[1], "end")
    if end < start:
        raise PageError(400, "Dates not understood", "The end date is before the start date.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise PageError(400, "Too many days", f"Choose at most {MAX_RANGE_DAYS} days at a time.")
    return start, end


@router.get("/office/search")
def office_search(
    request: Request, viewer: Signed, q: str = "", start: Annotated[str, Query(alias="from")] = "", to: str = "",
    campus: str = "",
) -> HTMLResponse:  # fmt: skip
    """Past visits by name prefix (accents and case ignored) within a date range."""
    now = service.now_ms()
    with read(request) as db:
        place = choose_campus(db, viewer, campus)
        today = queries.local_now(place, now).date()
        first, last = date_range(start, to, (today - timedelta(days=SEARCH_DAYS - 1), today))
        found = queries.search(db, place.id, q[:100], first, last) if q.strip() or start or to else None
    zone = queries.zone_of(place)
    results = [visit_view(v, zone, now) for v in found] if found is not None else None
    return render(
        request, "search.html", nav="office", campus=place, q=q[:100], first=first.isoformat(),
        last=last.isoformat(), results=results, campus_param=str(place.id) if viewer.admin else "",
        back=office_url(viewer, place.id),
    )  # fmt: skip


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("Date", "Checked in", "Signed out", "First name", "Last name", "Reason", "Visiting", "Language",
               "Interpreter requested", "Signed out by", "Visit id")  # fmt: skip


def cell(value: object) -> object:
    """A spreadsheet runs a cell starting with = + - @ as a formula: make it text instead."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(v: Visit, zone: ZoneInfo) -> list[object]:
    arrived = at(v.checked_in_ms, zone)
    left = at(v.signed_out_ms, zone) if v.signed_out_ms is not None else None
    left_text = "" if left is None else f"{left:%H:%M}" if left.date() == arrived.date() else f"{left:%Y-%m-%d %H:%M}"
    own, english = language_names(v.language)
    return [cell(x) for x in (
        v.local_day, f"{arrived:%H:%M}", left_text, v.first_name, v.last_name, reason_label(v.reason),
        v.host_name or "", english or own, "yes" if v.interpreter else "no", v.signed_out_by or "", v.id,
    )]  # fmt: skip


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "campus"


@router.get("/office/export.csv")
def office_export(
    request: Request, viewer: Signed, start: Annotated[str, Query(alias="from")] = "", to: str = "", campus: str = "",
) -> Response:  # fmt: skip
    """The campus's visits in a date range as CSV, UTF-8 with a BOM so Excel shows accents right."""
    with read(request) as db:
        place = choose_campus(db, viewer, campus)
        today = queries.local_now(place, service.now_ms()).date()
        first, last = date_range(start, to, (today, today))
        visits = queries.visits_between(db, place.id, first, last)
    zone, out = queries.zone_of(place), io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(v, zone) for v in visits)
    filename = f"visits-{slug(place.name)}-{first.isoformat()}-to-{last.isoformat()}.csv"
    return Response(("\ufeff" + out.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


# -- the district ------------------------------------------------------------------------------
def district_today(places: Sequence[Campus], now: int) -> date:
    """The newest campus date: a district spanning two time zones counts up to its later today."""
    return max((queries.local_now(c, now).date() for c in places), default=datetime.now(UTC).date())


@router.get("/district")
def district(request: Request, viewer: Admin, notice: str = "") -> HTMLResponse:
    now = service.now_ms()
    with read(request) as db:
        places = queries.campuses(db)
        ids = [c.id for c in places]
        today = district_today(places, now)
        per_day = queries.visits_per_day(db, ids, today, DISTRICT_DAYS)
        chosen = queries.languages_chosen(db, ids, today - timedelta(days=LANGUAGE_DAYS - 1), today)
        zones = {c.id: queries.zone_of(c) for c in places}
        kiosks = [kiosk_view(k, name, zones[k.campus_id], now) for k, name in queries.kiosks(db)]
        staff = queries.staff_counts(db)
    language_rows = [(language_names(c.code), c) for c in chosen]
    return render(
        request, "district.html", nav="district", campuses=places, per_day=per_day, today=today,
        days=[(f"{d:%a}", short_day(d)) for d in per_day.days], languages=language_rows, kiosks=kiosks, staff=staff,
        notice=NOTICES.get(notice, ""), zones=COMMON_ZONES, known_languages=languages(), language_days=LANGUAGE_DAYS,
        csrf=viewer.csrf,
    )  # fmt: skip


@functools.cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def campus_values(form: FormData) -> dict[str, Any]:
    """A new campus from the form, or PageError saying what to correct."""
    name, zone = field(form, "name"), field(form, "timezone", 64)
    codes = field(form, "languages", 400).replace(",", " ").split() or ["en"]
    if not name:
        raise PageError(400, "Campus not added", "Give the campus a name.")
    if zone not in zone_names():
        raise PageError(400, "Campus not added", f"“{zone}” is not a time zone name like America/Chicago.")
    unknown = [c for c in codes if not re.match(LANGUAGE_PATTERN, c) or c not in languages()]
    if unknown:
        offered = ", ".join(languages())
        raise PageError(400, "Campus not added", f"The kiosk does not offer {', '.join(unknown)}; it offers {offered}.")
    org = field(form, "oneroster_org") or None
    return {"name": name, "timezone": zone, "languages": list(dict.fromkeys(codes)), "default_language": codes[0],
            "oneroster_org": org}  # fmt: skip


@router.post("/district/campuses")
def add_campus(request: Request, viewer: Admin, form: Posted) -> RedirectResponse:
    values = campus_values(form)
    with request.app.state.sessions.begin() as db:
        if queries.campus_by_name(db, values["name"]) is not None:
            raise PageError(400, "Campus not added", f"There is already a campus named “{values['name']}”.")
        service.add_campus(db, **values)
    return redirect("/district?notice=campus")


def code_page(request: Request, kiosk_name: str, campus_name: str, code: str, expires: str) -> HTMLResponse:
    """The one time an enrollment code is shown: it is stored only as a hash."""
    server = str(request.base_url).rstrip("/")
    return render(
        request, "kiosk_code.html", nav="district", kiosk_name=kiosk_name, campus_name=campus_name, code=code,
        expires=expires, command=f"kiosk enroll --server {server} --code {code}",
    )  # fmt: skip


def expiry_text(place: Campus) -> str:
    moment = at(service.now_ms() + service.ENROLLMENT_HOURS * 3600 * 1000, queries.zone_of(place))
    return f"{long_day(moment.date())}, {clock_time(moment)}"


@router.post("/district/campuses/{campus_id}/kiosks")
def add_kiosk(request: Request, campus_id: int, viewer: Admin, form: Posted) -> HTMLResponse:
    name = field(form, "name", 100)
    if not name:
        raise PageError(400, "Kiosk not added", "Give the kiosk a name, like “Front door”.")
    with request.app.state.sessions.begin() as db:
        place = queries.campus(db, campus_id)
        if place is None:
            raise PageError(404, "No such campus", "That campus does not exist.")
        if queries.kiosk_name_taken(db, campus_id, name):
            raise PageError(400, "Kiosk not added", f"{place.name} already has a kiosk named “{name}”. "
                            "To enroll it again, use its “New code” button on the District page.")  # fmt: skip
        new = service.add_kiosk(db, campus_id, name)
    return code_page(request, name, place.name, new.code, expiry_text(place))


@router.post("/district/kiosks/{kiosk_id}/code")
def new_code(request: Request, kiosk_id: str, viewer: Admin, form: Posted) -> HTMLResponse:
    with request.app.state.sessions.begin() as db:
        found = queries.kiosk(db, kiosk_id[:36])
        if found is None:
            raise PageError(404, "No such kiosk", "That kiosk does not exist.")
        place = queries.campus(db, found.campus_id)
        assert place is not None
        code = service.issue_code(db, found)
        name = found.name
    return code_page(request, name, place.name, code, expiry_text(place))


@router.get("/district/kiosks/{kiosk_id}/revoke")
def revoke_page(request: Request, kiosk_id: str, viewer: Admin) -> HTMLResponse:
    """A confirmation step, so one stray click (with or without JavaScript) cannot revoke a kiosk."""
    with read(request) as db:
        found = queries.kiosk(db, kiosk_id[:36])
        place = queries.campus(db, found.campus_id) if found else None
    if found is None or place is None:
        raise PageError(404, "No such kiosk", "That kiosk does not exist.")
    return render(request, "revoke.html", nav="district", kiosk=found, campus=place)


@router.post("/district/kiosks/{kiosk_id}/revoke")
def revoke(request: Request, kiosk_id: str, viewer: Admin, form: Posted) -> RedirectResponse:
    try:
        with request.app.state.sessions.begin() as db:
            service.revoke(db, kiosk_id[:36])
    except service.NotFound:
        raise PageError(404, "No such kiosk", "That kiosk does not exist.") from None
    return redirect("/district?notice=revoked")


# -- users -------------------------------------------------------------------------------------
@router.get("/district/users")
def users_page(request: Request, viewer: Admin, notice: str = "") -> HTMLResponse:
    with read(request) as db:
        people, places = queries.users(db), queries.campuses(db)
    names = {c.id: c.name for c in places}
    return render(request, "users.html", nav="users", users=people, campuses=places, campus_names=names,
                  notice=NOTICES.get(notice, ""), min_password=MIN_PASSWORD)  # fmt: skip


def user_values(form: FormData) -> dict[str, Any]:
    """A new user from the form, or PageError saying what to correct."""
    email, name, role = field(form, "email", 254).lower(), field(form, "name"), field(form, "role", 20)
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    campus_id = parse_id(field(form, "campus", 12))
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise PageError(400, "User not added", "Enter an email address like name@district.org.")
    if role not in ROLES:
        raise PageError(400, "User not added", "Choose a role: secretary or district admin.")
    if role == "secretary" and campus_id is None:
        raise PageError(400, "User not added", "A secretary belongs to a campus: choose one.")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise PageError(400, "User not added", f"The password must be at least {MIN_PASSWORD} characters long.")
    return {"email": email, "name": name or email, "password": password, "role": role,
            "campus_id": campus_id if role == "secretary" else None}  # fmt: skip


@router.post("/district/users")
def add_user(request: Request, viewer: Admin, form: Posted) -> RedirectResponse:
    values = user_values(form)
    with request.app.state.sessions.begin() as db:
        if queries.user_by_email(db, values["email"]) is not None:
            raise PageError(400, "User not added", f"There is already a user with the email {values['email']}.")
        if values["campus_id"] is not None and queries.campus(db, values["campus_id"]) is None:
            raise PageError(400, "User not added", "That campus does not exist.")
        service.add_user(db, **values)
    return redirect("/district/users?notice=user")


# -- the staff directory -----------------------------------------------------------------------
@router.get("/district/campuses/{campus_id}/staff")
def staff_page(request: Request, campus_id: int, viewer: Admin) -> HTMLResponse:
    with read(request) as db:
        place = queries.campus(db, campus_id)
        count = queries.staff_counts(db).get(campus_id, 0) if place else 0
    if place is None:
        raise PageError(404, "No such campus", "That campus does not exist.")
    return render(request, "staff.html", nav="district", campus=place, count=count, org=place.oneroster_org or "",
                  result=None, roster=None, error="", orgs=[], csrf=viewer.csrf)  # fmt: skip


def uploaded_files(form: FormData) -> dict[str, bytes]:
    """The uploaded files by name (Starlette has spooled them to disk; reading them is blocking)."""
    return {item.filename: item.file.read() for item in form.getlist("files")
            if isinstance(item, UploadFile) and item.filename}  # fmt: skip


@router.post("/district/campuses/{campus_id}/staff")
def import_staff(request: Request, campus_id: int, viewer: Admin, form: Posted) -> HTMLResponse:
    """Replace a campus's directory from an upload; each bad row is shown with its line number."""
    return _import(request, campus_id, uploaded_files(form), field(form, "org"), viewer)


def _import(request: Request, campus_id: int, files: dict[str, bytes], org: str, viewer: Viewer) -> HTMLResponse:
    with request.app.state.sessions.begin() as db:
        place = queries.campus(db, campus_id)
        if place is None:
            raise PageError(404, "No such campus", "That campus does not exist.")
        page = {"campus": place, "org": org or place.oneroster_org or "", "csrf": viewer.csrf, "orgs": [],
                "result": None, "roster": None, "error": "", "nav": "district"}  # fmt: skip
        try:
            roster = parse_upload(files, org or place.oneroster_org)
        except DirectoryError as exc:
            page.update(error=str(exc), orgs=orgs_in(files), count=queries.staff_counts(db).get(campus_id, 0))
            return render(request, "staff.html", 400, **page)
        if not roster.members:
            page.update(roster=roster, count=queries.staff_counts(db).get(campus_id, 0),
                        error="No row could be used, so the directory was not changed.")  # fmt: skip
            return render(request, "staff.html", 400, **page)
        result = service.replace_staff(db, campus_id, roster.members)
        page.update(roster=roster, result=result, count=queries.staff_counts(db).get(campus_id, 0))
    return render(request, "staff.html", **page)


def orgs_in(files: dict[str, bytes]) -> list[Any]:
    """The schools an uploaded orgs.csv lists, so the admin can pick the right sourcedId."""
    for name, data in files.items():
        if name.replace("\\", "/").rsplit("/", 1)[-1].lower() == "orgs.csv":
            try:
                return list_orgs(data.decode("utf-8-sig"))
            except (DirectoryError, UnicodeDecodeError):
                return []
    return []


# -- headers, errors and wiring ------------------------------------------------------------------
class SecurityHeaders:
    """Headers on every page (not the kiosks' API, nor its docs, which load their own scripts).

    Pages may show personal data, so none is stored by a browser or proxy cache (no-store);
    the static files are revalidated (no-cache) so an upgrade shows at once.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        static = scope["path"].startswith("/static/")

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Cache-Control"] = "no-cache" if static else "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


async def page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render(request, "error.html", exc.status, title=exc.title, message=exc.message)


async def sign_in_needed(request: Request, exc: Exception) -> Response:
    """Pages send the person to sign in and back; the live poll gets a 401 its script understands."""
    if request.url.path == "/office/live":
        return Response("sign in again", status_code=401, media_type="text/plain")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect("/login" if request.method != "GET" else f"/login?next={quote(target, safe='')}")


def install(app: FastAPI) -> None:
    app.state.templates = make_environment()
    app.state.login_throttle = LoginThrottle()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_middleware(SecurityHeaders)
