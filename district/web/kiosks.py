"""Kiosks: their state on the District page, adding one, new enrollment codes, and revoking."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from district import queries, service
from district.db import transaction
from district.models import Campus, Kiosk
from district.web.auth import Admin, Posted
from district.web.formatting import ago, at, clock_time, long_day, size
from kiosk.clock import CLOCK_SLACK_MS, span
from district.web.forms import by_id_or_404, field
from district.web.pages import PageError, read, redirect, render

STALE_MS = 10 * 60 * 1000  # a kiosk syncs every 15 s: ten silent minutes means it is off or offline
LOW_DISK_BYTES = 1_000_000_000
router = APIRouter(include_in_schema=False)


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
    refused_reason: str
    flagged: int  # visits the server flagged lately (district.web.overview.FLAGGED_DAYS)
    clock: str
    clock_class: str  # "", "warn" or "bad"
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


def clock_state(k: Kiosk) -> tuple[str, str]:
    """The kiosk's clock as its last heartbeat showed it: the server's measure first, then the kiosk's word."""
    if k.clock_offset_ms is not None and abs(k.clock_offset_ms) > CLOCK_SLACK_MS:
        way = "behind" if k.clock_offset_ms < 0 else "ahead"
        return f"{span(abs(k.clock_offset_ms))} {way}", "bad"
    if k.clock == "not_synced":
        return "Not set by a time server", "warn"
    if k.clock_offset_ms is not None or k.clock == "synced":
        return "Right", ""
    return "–", ""


def kiosk_view(k: Kiosk, campus_name: str, zone: ZoneInfo, now: int, flagged: int = 0) -> KioskView:
    state, state_class = kiosk_state(k, now)
    clock, clock_class = clock_state(k)
    live = k.token_hash is not None
    seen_at = at(k.last_seen_ms, zone) if k.last_seen_ms is not None else None
    return KioskView(
        id=k.id, campus=campus_name, name=k.name, last_contact=ago(k.last_seen_ms, now),
        last_contact_at=f"{seen_at:%Y-%m-%d} {clock_time(seen_at)}" if seen_at else "",
        stale=live and (k.last_seen_ms is None or now - k.last_seen_ms > STALE_MS),
        version=k.version or "–", backlog=k.backlog, refused=k.refused,
        refused_reason=(k.refused_reason or "") if k.refused else "", flagged=flagged,
        clock=clock, clock_class=clock_class,
        free_disk=size(k.free_disk_bytes),
        low_disk=k.free_disk_bytes is not None and k.free_disk_bytes < LOW_DISK_BYTES,
        state=state, state_class=state_class, revoked=state == "Revoked",
    )  # fmt: skip


def kiosk_or_404(db: Session, kiosk_id: str) -> tuple[Kiosk, Campus]:
    found = queries.kiosk(db, kiosk_id[:36])
    place = queries.campus(db, found.campus_id) if found else None
    if found is None or place is None:
        raise PageError(404, "No such kiosk", "That kiosk does not exist.")
    return found, place


def code_page(request: Request, kiosk_name: str, place: Campus, code: str) -> HTMLResponse:
    """The one time an enrollment code is shown: it is stored only as a hash."""
    server = str(request.base_url).rstrip("/")
    moment = at(service.now_ms() + service.ENROLLMENT_HOURS * 3600 * 1000, queries.zone_of(place))
    return render(
        request, "kiosk_code.html", nav="district", kiosk_name=kiosk_name, campus_name=place.name, code=code,
        expires=f"{long_day(moment.date())}, {clock_time(moment)}", command=f"kiosk enroll --server {server} --code {code}",
    )  # fmt: skip


@router.post("/district/campuses/{campus_id}/kiosks")
def add_kiosk(request: Request, campus_id: str, viewer: Admin, form: Posted) -> HTMLResponse:
    try:
        name = service.kiosk_name(field(form, "name", 4 * service.MAX_KIOSK_NAME))
    except service.Refused as problem:
        raise PageError(400, "Kiosk not added", str(problem)) from None
    with transaction(request) as db:
        place = by_id_or_404(db, Campus, campus_id, "campus")
        if queries.kiosk_name_taken(db, place.id, name):
            raise PageError(400, "Kiosk not added", f"{place.name} already has a kiosk named “{name}”. "
                            "To enroll it again, use its “New code” button on the District page.")  # fmt: skip
        new = service.add_kiosk(db, place.id, name)
    return code_page(request, name, place, new.code)


@router.post("/district/kiosks/{kiosk_id}/code")
def new_code(request: Request, kiosk_id: str, viewer: Admin, form: Posted) -> HTMLResponse:
    with transaction(request) as db:
        found, place = kiosk_or_404(db, kiosk_id)
        code = service.issue_code(db, found)
        name = found.name
    return code_page(request, name, place, code)


@router.get("/district/kiosks/{kiosk_id}/revoke")
def revoke_page(request: Request, kiosk_id: str, viewer: Admin) -> HTMLResponse:
    """A confirmation step, so one stray click (with or without JavaScript) cannot revoke a kiosk."""
    with read(request) as db:
        found, place = kiosk_or_404(db, kiosk_id)
    return render(request, "revoke.html", nav="district", kiosk=found, campus=place)


@router.post("/district/kiosks/{kiosk_id}/revoke")
def revoke(request: Request, kiosk_id: str, viewer: Admin, form: Posted) -> RedirectResponse:
    with transaction(request) as db:
        found, _ = kiosk_or_404(db, kiosk_id)
        service.revoke(db, found.id)
    return redirect("/district?notice=revoked")
