"""The "on my way" page: the link in every alert, for the staff member who received it.

No sign-in: the token in the link is the capability (256 random bits; only its SHA-256 is
stored). GET only shows the visit and a button, because mail scanners and chat link previews
fetch every link they see and must never say "on my way" for anyone. POST records the first
acknowledgement; it carries no session CSRF token because there is no session, and a forger
would need the token in the path, which is the secret. The Origin check still refuses a form
sent from another site. The page speaks the recipient's language, as the alert did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_time
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from district import queries, service
from district.alerts import queue
from district.alerts.messages import language_for, language_name
from district.db import transaction
from district.models import Alert, Campus, Visit
from district.web.auth import check_origin
from district.web.pages import read, redirect, render
from kiosk.language import Translator, cldr, languages, translator
from kiosk.reasons import BY_CODE

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")  # security.new_token() makes 43 of these
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Found:
    alert: Alert
    visit: Visit
    campus: Campus


def find(db: Session, token: str) -> Found | None:
    if not TOKEN.fullmatch(token):
        return None  # no database look-up for garbage
    alert = queue.alert_for_token(db, token)
    visit = db.get(Visit, alert.visit_id) if alert else None
    campus = db.get(Campus, alert.campus_id) if alert else None
    if alert is None or visit is None or campus is None:
        return None
    return Found(alert, visit, campus)


def _clock(ms: int, campus: Campus, language: str) -> str:
    moment = datetime.fromtimestamp(ms / 1000, queries.zone_of(campus))
    return format_time(moment, format="short", locale=cldr(language))


def state_of(found: Found) -> str:
    """open (the button), thanks (this recipient is on the way), already (someone else was first), or left."""
    visit, alert = found.visit, found.alert
    if visit.acknowledged_ms is not None:
        mine = visit.acknowledged_via == "link" and visit.acknowledged_by == alert.recipient_name
        return "thanks" if mine else "already"
    return "left" if visit.signed_out_ms is not None else "open"


def facts(tr: Translator, found: Found, language: str) -> list[str]:
    """What the alert said about the visit (the same sentences, so one translation serves both)."""
    visit, campus = found.visit, found.campus
    reason = BY_CODE.get(visit.reason)
    lines = [
        tr("Campus: {campus}").format(campus=campus.name),
        tr("Reason: {reason}").format(reason=tr(reason.label) if reason else visit.reason),
        tr("Arrived at {time}").format(time=_clock(visit.checked_in_ms, campus, language)),
    ]
    if visit.host_name:
        lines.append(tr("Here to see: {host}").format(host=visit.host_name))
    lines.append(tr("Language: {language}").format(language=language_name(visit.language, language)))
    if visit.student_name:
        lines.append(tr("Picking up: {student}").format(student=visit.student_name))
    if visit.interpreter and visit.interpreter_language:
        interpreter = language_name(visit.interpreter_language, language)
        lines.append(tr("Asked for an interpreter for {language}.").format(language=interpreter))
    elif visit.interpreter:
        lines.append(tr("Asked for an interpreter."))
    return lines


def ack_page(request: Request, found: Found, token: str) -> HTMLResponse:
    language = language_for(found.alert.language, found.campus.default_language)
    tr, visit = translator(language), found.visit
    state = state_of(found)
    if state == "already":
        message = tr("Already acknowledged by {name} at {time}.").format(
            name=visit.acknowledged_by or "", time=_clock(visit.acknowledged_ms or 0, found.campus, language)
        )
    elif state == "left":
        message = tr("The visitor signed out at {time}.").format(
            time=_clock(visit.signed_out_ms or 0, found.campus, language)
        )
    elif state == "thanks":
        message = tr("Thank you: the visitor has been told you are on the way.")
    else:
        message = tr("Tap the button to tell the visitor and the front office that you are coming.")
    return render(
        request, "ack.html", lang=language, rtl=languages()[language].rtl, state=state, token=token,
        title=tr("{visitor} is at the front office").format(visitor=f"{visit.first_name} {visit.last_name}"),
        facts=facts(tr, found, language), message=message, button=tr("On my way"),
    )  # fmt: skip


def browser_language(request: Request) -> str:
    """The first language of Accept-Language the pages have a catalog for (the link is not known)."""
    for part in request.headers.get("accept-language", "")[:200].split(","):
        code = part.split(";")[0].strip().lower()
        for candidate in (code, code.split("-")[0]):
            if candidate in languages():
                return candidate
    return "en"


def unknown_link(request: Request) -> HTMLResponse:
    language = browser_language(request)
    tr = translator(language)
    return render(
        request, "ack.html", 404, lang=language, rtl=languages()[language].rtl, state="unknown", token="",
        title=tr("This link does not work"), facts=[],
        message=tr("It may be incomplete, or from an old alert. The front office can help."), button="",
    )  # fmt: skip


@router.get("/ack/{token}")
def show(request: Request, token: str) -> HTMLResponse:
    """Shows the visit and the button; never acknowledges (link previews and mail scanners GET links)."""
    with read(request) as db:
        found = find(db, token)
    if found is None:
        return unknown_link(request)
    return ack_page(request, found, token)


@router.post("/ack/{token}")
def acknowledge(request: Request, token: str) -> Response:
    """On my way: the first acknowledgement counts; then back to the page, which says how it went."""
    check_origin(request)
    with transaction(request) as db:
        found = find(db, token)
        if found is not None:
            queue.acknowledge(db, found.visit, found.alert.recipient_name, "link", service.now_ms())
    if found is None:
        return unknown_link(request)
    return redirect(f"/ack/{token}")
