"""The front office checks someone in: a visitor who cannot use the touch screen, or a walk-in at the desk.

The same rules as the kiosk's (kiosk.text's name cleaning, the reasons of kiosk.reasons, the languages
the kiosk has catalogs for), stored and alerted by the same path as a kiosk's push (service.apply_events);
such a visit has no kiosk, and the office page and the export say it was made at the office.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from district import service
from district.db import transaction
from district.models import Campus, Staff
from district.web.auth import Posted, Signed, Viewer
from district.web.forms import field
from district.web.office import choose_campus, office_url
from district.web.pages import read, redirect, render
from kiosk.directory import Directory, StaffMember
from kiosk.language import languages
from kiosk.reasons import BY_CODE, REASONS
from kiosk.text import MAX_NAME_LENGTH, NameProblem, clean_name

router = APIRouter(include_in_schema=False)
NAME_PROBLEMS = {
    NameProblem.EMPTY: "Type the visitor's {field}.",
    NameProblem.TOO_LONG: f"The {{field}} is too long: at most {MAX_NAME_LENGTH} characters.",
    NameProblem.CHARACTERS: "The {field} can have only letters, spaces, apostrophes, hyphens and periods.",
}


@dataclass
class Entry:
    """What the secretary has typed so far, kept when the form comes back with a problem or staff found."""

    first_name: str = ""
    last_name: str = ""
    reason: str = ""
    host_query: str = ""
    host_id: str = ""
    language: str = ""
    interpreter: bool = False
    problems: list[str] = dataclass_field(default_factory=list)


def entry_of(form: FormData) -> Entry:
    return Entry(field(form, "first_name"), field(form, "last_name"), field(form, "reason", 20),
                 field(form, "host_query", 100), field(form, "host_id"), field(form, "language", 35),
                 field(form, "interpreter", 10) == "yes")  # fmt: skip


def campus_staff(db: Session, campus: Campus) -> Directory:
    """The campus's staff as the kiosk searches them ("garcia" finds García; by role and room too)."""
    rows = db.scalars(select(Staff).where(Staff.campus_id == campus.id, Staff.active))
    return Directory([StaffMember(s.external_id, s.first_name, s.last_name, s.display_name, s.role, s.room,
                                  tuple(s.languages.split())) for s in rows])  # fmt: skip


def language_choices(campus: Campus) -> list[tuple[str, str]]:
    """(code, name in itself): the campus's languages first, in its order, then the kiosk's others."""
    known = languages()
    offered = [c for c in campus.languages.split() if c in known]
    return [(c, known[c].name) for c in offered + [c for c in known if c not in offered]]


def page(request: Request, viewer: Viewer, db: Session, campus: Campus, entry: Entry, status: int = 200) -> HTMLResponse:
    staff = campus_staff(db, campus)
    found = staff.search(entry.host_query, limit=8) if entry.host_query else []
    chosen = staff.get(entry.host_id) if entry.host_id else None
    if chosen is not None and chosen not in found:
        found.insert(0, chosen)
    return render(
        request, "checkin.html", status, nav="office", campus=campus, entry=entry, reasons=REASONS, found=found,
        searched=bool(entry.host_query), staff_count=len(staff), languages=language_choices(campus),
        default_language=entry.language or campus.default_language, back=office_url(viewer, campus.id),
        action=office_url(viewer, campus.id, "/office/check-in"),
    )  # fmt: skip


@router.get("/office/check-in")
def check_in_form(request: Request, viewer: Signed, campus: str = "") -> HTMLResponse:
    with read(request) as db:
        place = choose_campus(db, viewer, campus)
        return page(request, viewer, db, place, Entry())


@router.post("/office/check-in")
def check_in(request: Request, viewer: Signed, form: Posted, campus: str = "") -> Response:
    """Find staff for the host (the form comes back with them), or check the visitor in and alert as a kiosk would."""
    entry = entry_of(form)
    with transaction(request) as db:
        place = choose_campus(db, viewer, campus)
        if form.get("find") is not None:
            return page(request, viewer, db, place, entry)
        names = []
        for key, label in (("first_name", "first name"), ("last_name", "last name")):
            try:
                names.append(clean_name(getattr(entry, key), key))
            except NameProblem as problem:
                entry.problems.append(NAME_PROBLEMS[problem.code].format(field=label))
        reason = BY_CODE.get(entry.reason)
        if reason is None:
            entry.problems.append("Choose why they came.")
        host = None
        if reason is not None and reason.needs_host and entry.host_id:
            host = db.scalars(select(Staff).where(Staff.campus_id == place.id, Staff.external_id == entry.host_id,
                                                  Staff.active)).first()  # fmt: skip
            if host is None:
                entry.problems.append("That staff member is not in this campus's directory: search again.")
        if entry.language not in dict(language_choices(place)):
            entry.problems.append("Choose the visitor's language.")
        if entry.problems:
            return page(request, viewer, db, place, entry, 400)
        assert reason is not None
        service.check_in_at_office(db, place, names[0], names[1], reason.code, host, entry.language, entry.interpreter)
    worker = request.app.state.alert_worker
    if worker is not None:
        worker.wake()  # committed: its alerts go now, as a kiosk's push does
    return redirect(office_url(viewer, place.id) + ("&" if viewer.admin else "?") + "notice=checked-in")
