"""The front office's visitor passes (district.passes): issue one, print it, revoke it.

The form is the check-in form's (the same names, reasons, languages and staff search), plus the
days the pass is valid and how many check-ins it allows. The issued page is the only time the
code exists outside its QR code: it shows the pass ready to print, in the visitor's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from district import passes, queries, service
from district.db import transaction
from district.models import Campus, Staff
from district.web.auth import Posted, Signed, Viewer
from district.web.checkin import NAME_PROBLEMS, Entry, campus_staff, entry_of, language_choices
from district.web.formatting import at, reason_label, short_day
from district.web.forms import field, parse_day, parse_id
from district.web.office import choose_campus, office_url
from district.web.pages import PageError, read, redirect, render
from kiosk.reasons import BY_CODE, REASONS
from kiosk.text import NameProblem, clean_name

router = APIRouter(include_in_schema=False)
# A pick-up needs the student's name, asked at the kiosk for each one: not something a pass can carry.
PASS_REASONS = tuple(r for r in REASONS if not r.needs_student)


@dataclass
class PassEntry:
    """The form as typed: the check-in form's fields, and the pass's days and uses."""

    person: Entry
    first_day: str = ""
    last_day: str = ""
    uses: str = "1"
    email: str = ""


@dataclass(frozen=True)
class PassRow:
    id: int
    name: str
    reason: str
    host: str
    days: str
    uses: str
    revoked: bool
    overused: bool


def pass_entry_of(form: FormData) -> PassEntry:
    return PassEntry(entry_of(form), field(form, "first_day", 10), field(form, "last_day", 10), field(form, "uses", 4),
                     field(form, "email", 254))  # fmt: skip


def rows(db: Session, campus: Campus) -> list[PassRow]:
    zone = queries.zone_of(campus)
    listed = []
    for p in passes.listed(db, campus.id, service.now_ms()):
        first, last = (at(ms, zone).date() for ms in (p.valid_from_ms, p.valid_until_ms))
        days = short_day(first) if first == last else f"{short_day(first)} to {short_day(last)}"
        if p.uses > p.max_uses:  # two kiosks offline both let it in: the visits are kept, and flagged here
            uses = f"used {p.uses} times, {p.max_uses} allowed"
        elif p.max_uses > 1:
            uses = f"used {p.uses} of {p.max_uses} times"
        else:
            uses = "once, used" if p.uses else "once, not yet used"
        listed.append(PassRow(p.id, f"{p.first_name} {p.last_name}", reason_label(p.reason), p.host_name or "",
                              days, uses, p.revoked_ms is not None, p.uses > p.max_uses))  # fmt: skip
    return listed


def page(request: Request, viewer: Viewer, db: Session, campus: Campus, entry: PassEntry,
         problems: list[str] | None = None, status: int = 200, notice: str = "") -> HTMLResponse:  # fmt: skip
    staff = campus_staff(db, campus)
    person = entry.person
    found = staff.search(person.host_query, limit=8) if person.host_query else []
    chosen = staff.get(person.host_id) if person.host_id else None
    if chosen is not None and chosen not in found:
        found.insert(0, chosen)
    today = queries.local_now(campus, service.now_ms()).date().isoformat()
    return render(
        request, "passes.html", status, nav="office", campus=campus, entry=person, days=entry, reasons=PASS_REASONS,
        found=found, searched=bool(person.host_query), staff_count=len(staff), languages=language_choices(campus),
        default_language=person.language or campus.default_language, problems=problems or [], today=today,
        passes=rows(db, campus), back=office_url(viewer, campus.id), notice=notice,
        action=office_url(viewer, campus.id, "/office/passes"), max_uses=passes.MAX_USES,
        revoke_url=lambda pass_id: office_url(viewer, campus.id, f"/office/passes/{pass_id}/revoke"),
        tokens_url=office_url(viewer, campus.id, "/office/tokens"),
    )  # fmt: skip


@router.get("/office/passes")
def passes_page(request: Request, viewer: Signed, campus: str = "", notice: str = "") -> HTMLResponse:
    with read(request) as db:
        place = choose_campus(db, viewer, campus)
        told = "The pass was revoked: kiosks refuse it from their next sync." if notice == "revoked" else ""
        return page(request, viewer, db, place, PassEntry(Entry()), notice=told)


def checked(
    db: Session, campus: Campus, entry: PassEntry, upload: tuple[str, bytes] | None = None
) -> tuple[list[passes.PassRequest], list[str]]:
    """The passes asked for (one, or one per visitor of an uploaded list), or the problems to fix, as a
    secretary reads them. Nothing is issued while there is a problem with any of them."""
    problems: list[str] = []
    person = entry.person
    visitors: list[passes.Visitor] = []
    if upload is not None:
        visitors, problems = passes.read_list(upload[1], upload[0], dict(language_choices(campus)),
                                              person.language or campus.default_language)  # fmt: skip
    else:
        names = []
        for key, label in (("first_name", "first name"), ("last_name", "last name")):
            try:
                names.append(clean_name(getattr(person, key), key))
            except NameProblem as problem:
                problems.append(NAME_PROBLEMS[problem.code].format(field=label))
        if person.language not in dict(language_choices(campus)):
            problems.append("Choose the visitor's language.")
        if entry.email and not passes.valid_email(entry.email):
            problems.append("That email address does not look right: it should be like ana@example.org.")
        elif len(names) == 2 and not problems:
            visitors = [passes.Visitor(names[0], names[1], person.language, entry.email or None)]
    if any(v.email for v in visitors) and passes.email_channel(db, campus) is None:
        problems.append(passes.NO_EMAIL_CHANNEL)
    reason = BY_CODE.get(person.reason)
    if reason is None or reason not in PASS_REASONS:
        problems.append("Choose why they are coming (a pick-up is checked in at the kiosk, which asks which student).")
    host = None
    if person.host_id:
        host = db.scalars(select(Staff).where(Staff.campus_id == campus.id, Staff.external_id == person.host_id,
                                              Staff.active)).first()  # fmt: skip
        if host is None:
            problems.append("That staff member is not in this campus's directory: search again.")
    today = queries.local_now(campus, service.now_ms()).date()
    try:
        first = parse_day(entry.first_day, today, "first")
        last = parse_day(entry.last_day, first, "last")
    except PageError as exc:
        problems.append(exc.message)
        first = last = today
    if first > today + timedelta(days=passes.MAX_DAYS):
        problems.append(f"The first day is more than {passes.MAX_DAYS} days away.")
    elif last < first:
        problems.append("The last day is before the first day.")
    elif last < today:
        problems.append("The last day has passed: a pass must be valid today or later.")
    elif (last - first).days >= passes.MAX_DAYS:
        problems.append(f"A pass can be valid for at most {passes.MAX_DAYS} days.")
    uses = parse_id(entry.uses)
    if uses is None or not 1 <= uses <= passes.MAX_USES:
        problems.append(f"Say how many check-ins it allows: 1 to {passes.MAX_USES}.")
    if problems:
        return [], problems
    assert reason is not None and uses is not None
    return [passes.PassRequest(v.first_name, v.last_name, v.language, reason.code, host, first, last, uses, v.email)
            for v in visitors], []  # fmt: skip


def uploaded_list(form: FormData) -> tuple[str, bytes] | None:
    item = form.get("list")
    if isinstance(item, UploadFile) and item.filename:
        return item.filename, item.file.read()
    return None


@router.post("/office/passes")
def issue_pass(request: Request, viewer: Signed, form: Posted, campus: str = "") -> Response:
    """Find staff for the host (the form comes back with them), or issue the passes and show them, ready to
    print: one, or one for each visitor of an uploaded list (a school's volunteers)."""
    entry = pass_entry_of(form)
    with transaction(request) as db:
        place = choose_campus(db, viewer, campus)
        if form.get("find") is not None:
            return page(request, viewer, db, place, entry)
        wanted, problems = checked(db, place, entry, uploaded_list(form))
        if problems:
            return page(request, viewer, db, place, entry, problems, 400)
        issued = [passes.issue(db, place, one, viewer.email) for one in wanted]
        channel = passes.email_channel(db, place)
    deliveries = passes.send_issued(place, issued, channel)
    sent = {p.id: f"Emailed to {p.email}." if deliveries[p.id].delivered else f"Not emailed: {deliveries[p.id].error}"
            for p, _code in issued if p.id in deliveries}  # fmt: skip
    shown = [(passes.printed(place, p), passes.qr_svg(code), f"{p.first_name} {p.last_name}", sent.get(p.id, ""))
             for p, code in issued]  # fmt: skip
    return render(request, "pass_issued.html", nav="office", campus=place, shown=shown,
                  back=office_url(viewer, place.id, "/office/passes"))  # fmt: skip


@router.post("/office/passes/{pass_id}/revoke")
def revoke_pass(request: Request, viewer: Signed, form: Posted, pass_id: str, campus: str = "") -> Response:
    number = parse_id(pass_id)
    with transaction(request) as db:
        place = choose_campus(db, viewer, campus)
        if number is None or not passes.revoke(db, place.id, number):
            raise PageError(404, "No such pass", "That pass does not exist at this campus, or was revoked already.")
    url = office_url(viewer, place.id, "/office/passes")
    return redirect(url + ("&" if "?" in url else "?") + "notice=revoked")

