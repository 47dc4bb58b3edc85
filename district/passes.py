"""Visitor passes: the office issues one to an expected visitor (a conference, an IEP meeting, a regular
volunteer, a contractor), who then checks in at a kiosk by holding its QR code up to the camera.

A pass is valid at one campus from the start of its first day to the end of its last, in the
campus's time zone, for `max_uses` check-ins (1: single-use). The code is made here and shown or
sent once: only its SHA-256 is kept (kiosk.passcode says why), so a pass lost or printed badly is
issued again, with a new code, and the old one revoked. Kiosks learn passes, and revocations, by
the same revision-numbered pull as staff (service.changes).
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import qrcode
import qrcode.image.svg
from babel.dates import format_date
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from district.alerts.channels import Delivery, email_to, send, split_urls
from district.alerts.messages import language_for
from district.models import Campus, Office, Staff, VisitorPass
from district.queries import zone_of
from district.roster import decode, read_table
from district.service import now_ms, take_revisions
from kiosk import passcode
from kiosk.directory import DirectoryError, host_name
from kiosk.language import N_, cldr, translator
from kiosk.text import NameProblem, clean_name

NAME_PROBLEM_WORDS = {
    NameProblem.EMPTY: "empty",
    NameProblem.TOO_LONG: "too long",
    NameProblem.CHARACTERS: "only letters, spaces, apostrophes, hyphens and periods",
}

MAX_DAYS = 366  # a volunteer's pass for a school year; longer is a mistake
MAX_LIST = 500  # passes from one uploaded list (a school's volunteers)
LIST_COLUMNS = ("first_name", "last_name")  # and, if it likes, "language" and "email"
MAX_USES = 500  # a contractor on site every day of a year, twice
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q  # 25 % of the code may be lost (a crease, glare)


@dataclass(frozen=True)
class PassRequest:
    """A pass as the office asks for it, already checked (district.web.passes checks the form)."""

    first_name: str
    last_name: str
    language: str
    reason: str
    host: Staff | None
    first_day: date
    last_day: date
    max_uses: int
    email: str | None = None


@dataclass(frozen=True)
class Visitor:
    first_name: str
    last_name: str
    language: str
    email: str | None = None  # where to send the pass, if it is to be sent


def read_list(
    data: bytes, name: str, languages: Collection[str], default_language: str
) -> tuple[list[Visitor], list[str]]:
    """The visitors of an uploaded CSV (first_name, last_name; language, blank for the form's; email), or
    a problem for each line that cannot be used, by line number, as the staff import reports them."""
    try:
        rows = read_table(decode(data, name), name, LIST_COLUMNS, ("language", "email"))
        visitors, problems = [], []
        for line, values in rows:
            if isinstance(values, str):
                problems.append(f"line {line}: {values}")
                continue
            try:
                first = clean_name(values["first_name"], "first_name")
                last = clean_name(values["last_name"], "last_name")
            except NameProblem as problem:
                problems.append(f"line {line}: {problem.field.replace('_', ' ')}: {NAME_PROBLEM_WORDS[problem.code]}")
                continue
            language = values.get("language") or default_language
            if language not in languages:
                problems.append(f"line {line}: language {language[:40]!r} is not one the kiosks have")
                continue
            address = values.get("email") or None
            if address is not None and not valid_email(address):
                problems.append(f"line {line}: email {address[:60]!r} does not look like an email address")
                continue
            visitors.append(Visitor(first, last, language, address))
    except DirectoryError as exc:
        return [], [str(exc)]
    if not visitors and not problems:
        problems.append(f"{name} lists nobody")
    if len(visitors) > MAX_LIST:
        problems.append(f"{name} lists {len(visitors)} visitors; at most {MAX_LIST} at a time")
    return visitors, problems


def window_ms(campus: Campus, first_day: date, last_day: date) -> tuple[int, int]:
    """From the first day's midnight to the last day's end, in the campus's time zone, as UTC ms."""
    zone = zone_of(campus)
    start = datetime.combine(first_day, time(), zone)
    end = datetime.combine(last_day + timedelta(days=1), time(), zone)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000) - 1


def issue(db: Session, campus: Campus, wanted: PassRequest, by: str) -> tuple[VisitorPass, str]:
    """Store a new pass and return it with its code (the only time the code exists outside a QR code)."""
    if not 1 <= wanted.max_uses <= MAX_USES or not 0 <= (wanted.last_day - wanted.first_day).days < MAX_DAYS:
        raise ValueError(f"a pass needs 1 to {MAX_USES} uses and 1 to {MAX_DAYS} days")  # the form checks first
    code = passcode.new_code()
    start, end = window_ms(campus, wanted.first_day, wanted.last_day)
    host = wanted.host
    row = VisitorPass(
        campus_id=campus.id, code_hash=passcode.digest(code), first_name=wanted.first_name,
        last_name=wanted.last_name, language=wanted.language, reason=wanted.reason,
        host_id=host.external_id if host else None,
        host_name=host_name(host.first_name, host.last_name, host.display_name) if host else None,
        valid_from_ms=start, valid_until_ms=end, max_uses=wanted.max_uses, uses=0, email=wanted.email,
        created_ms=now_ms(), created_by=by, revision=take_revisions(db, campus.id),
    )  # fmt: skip
    db.add(row)
    db.flush()
    return row, code


def revoke(db: Session, campus_id: int, pass_id: int) -> bool:
    """Stop a pass working (kiosks learn it at their next pull); False if there is no such live pass."""
    changed = db.execute(
        update(VisitorPass)
        .where(VisitorPass.id == pass_id, VisitorPass.campus_id == campus_id, VisitorPass.revoked_ms.is_(None))
        .values(revoked_ms=now_ms(), revision=take_revisions(db, campus_id))
    ).rowcount  # fmt: skip
    return bool(changed)


def listed(db: Session, campus_id: int, now: int) -> list[VisitorPass]:
    """The passes the office page shows: those not yet ended (revoked ones too, marked), soonest first."""
    return list(db.scalars(
        select(VisitorPass).where(VisitorPass.campus_id == campus_id, VisitorPass.valid_until_ms >= now)
        .order_by(VisitorPass.valid_from_ms, VisitorPass.id)
    ))  # fmt: skip


# -- the printed pass, in the visitor's language ------------------------------------------
HEADING = N_("Visitor pass")
SUBJECT = N_("Your visitor pass for {school}")
ATTACHED = N_("Your pass is attached: print it, or show it on your phone.")
FOR = N_("For {name}")
ONE_DAY = N_("Valid on {day}")
DAYS = N_("Valid from {first} to {last}")
HOW = N_("At the entrance, hold this code up to the camera of the welcome kiosk. You are checked in at once.")
TOLD_HOST = N_("{host} is told that you are here.")
TOLD_OFFICE = N_("The front office is told that you are here.")
LEAVING = N_("Show it again when you leave, to sign out.")
KEEP = N_("Keep this pass to yourself: it works for you only.")


@dataclass(frozen=True)
class PrintedPass:
    """The words on a printed or emailed pass, in the visitor's language (English without a catalog)."""

    language: str
    direction: str  # "rtl" for Arabic, Hebrew...
    school: str
    heading: str
    visitor: str
    valid: str
    uses: str
    lines: tuple[str, ...]


def printed(campus: Campus, p: VisitorPass) -> PrintedPass:
    code = language_for(p.language, campus.default_language)
    tr = translator(code)
    zone = zone_of(campus)
    first = datetime.fromtimestamp(p.valid_from_ms / 1000, zone).date()
    last = datetime.fromtimestamp(p.valid_until_ms / 1000, zone).date()
    day = lambda d: format_date(d, format="long", locale=cldr(code))  # noqa: E731
    valid = tr(ONE_DAY).format(day=day(first)) if first == last else tr(DAYS).format(first=day(first), last=day(last))
    uses = tr.ngettext("Good for {count} visit.", "Good for {count} visits.", p.max_uses).format(count=p.max_uses)
    told = tr(TOLD_HOST).format(host=p.host_name) if p.host_name else tr(TOLD_OFFICE)
    return PrintedPass(
        language=code, direction=tr.language.direction, school=campus.name, heading=tr(HEADING),
        visitor=tr(FOR).format(name=p.first_name), valid=valid, uses=uses, lines=(tr(HOW), told, tr(LEAVING), tr(KEEP)),
    )  # fmt: skip


EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
NO_EMAIL_CHANNEL = ("To email passes, give the front office an email channel (mailto:// or mailtos://) "
                    "on the District page, under the campus's alert channels.")


def valid_email(address: str) -> bool:
    return len(address) <= 254 and EMAIL.fullmatch(address) is not None


def email_channel(db: Session, campus: Campus) -> str | None:
    """The front office's first email channel: passes go out through the relay its alerts use."""
    office = db.scalars(select(Office).where(Office.campus_id == campus.id, Office.key == "front_office")).first()
    urls = split_urls(office.alert_urls) if office else []
    return next((u for u in urls if email_to(u, "x@example.org") is not None), None)


def email(campus: Campus, p: VisitorPass, code: str, channel: str) -> Delivery:
    """Send the pass to its visitor, in their language, with its QR code as a PNG (never raises)."""
    assert p.email is not None
    shown = printed(campus, p)
    tr = translator(shown.language)
    body = "\n\n".join([shown.heading, shown.visitor, f"{shown.valid} {shown.uses}", *shown.lines, tr(ATTACHED)])
    with tempfile.TemporaryDirectory() as scratch:
        attachment = Path(scratch) / "visitor-pass.png"
        attachment.write_bytes(qr_png(code))
        url = email_to(channel, p.email)
        assert url is not None
        return send([url], tr(SUBJECT).format(school=campus.name), body, "the visitor pass", attach=str(attachment))


def send_issued(campus: Campus, issued: list[tuple[VisitorPass, str]], channel: str | None) -> dict[int, Delivery]:
    """Email each new pass that has an address (after the passes are committed: an email goes out only
    for a pass that exists); what happened to each, by pass id."""
    return {p.id: email(campus, p, code, channel) for p, code in issued if p.email and channel}


def _qr(code: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    return qr


def qr_svg(code: str) -> str:
    """The code as inline SVG, for the printable page: sharp at any print size, and no image request
    (the pages' Content-Security-Policy allows none but the server's own)."""
    image = _qr(code).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]  # without the XML declaration, which HTML does not want


def qr_png(code: str, box: int = 12) -> bytes:
    """The code as a PNG, for the email (and anyone who wants a file)."""
    out = io.BytesIO()
    qr = _qr(code)
    qr.box_size = box
    qr.make_image().save(out)
    return out.getvalue()
