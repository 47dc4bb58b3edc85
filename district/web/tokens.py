"""The office's staff API tokens (district.api_tokens): make one for a system that issues passes, see
which are in use, revoke one. A token is shown once, on the page that makes it."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from district import api_tokens, queries
from district.db import transaction
from district.models import User
from district.web.auth import Posted, Signed
from district.web.formatting import ago, at, long_day, short_day
from district.web.forms import field, parse_id
from district.web.office import campus_view, choose_campus, office_url
from district.web.pages import PageError, redirect, render

router = APIRouter(include_in_schema=False)
NOTICES = {"revoked": "The token was revoked: it stops working at once."}


@dataclass(frozen=True)
class TokenRow:
    id: int
    label: str
    made_by: str
    made: str
    ends: str
    last_used: str
    working: bool
    state: str


def token_rows(db: Session, campus_id: int, zone: ZoneInfo, now: int) -> list[TokenRow]:
    shown = []
    for token, user in api_tokens.listed(db, campus_id):
        state = "Revoked" if token.revoked_ms is not None else "Expired" if token.expires_ms <= now else "Working"
        day = lambda ms: short_day(at(ms, zone).date())  # noqa: E731
        shown.append(TokenRow(token.id, token.label, user.name, day(token.created_ms), day(token.expires_ms),
                              ago(token.last_used_ms, now), state == "Working", state))  # fmt: skip
    return shown


@router.get("/office/tokens")
def tokens_page(request: Request, viewer: Signed, campus: str = "", notice: str = "") -> HTMLResponse:
    with campus_view(request, viewer, campus) as (db, place, now):
        return render(
            request, "tokens.html", nav="office", campus=place, notice=NOTICES.get(notice, ""),
            tokens=token_rows(db, place.id, queries.zone_of(place), now), lifetimes=api_tokens.LIFETIMES_DAYS,
            action=office_url(viewer, place.id, "/office/tokens"), back=office_url(viewer, place.id, "/office/passes"),
            revoke_url=lambda token_id: office_url(viewer, place.id, f"/office/tokens/{token_id}/revoke"),
            max_label=api_tokens.MAX_LABEL,
        )  # fmt: skip


@router.post("/office/tokens")
def make_token(request: Request, viewer: Signed, form: Posted, campus: str = "") -> Response:
    label = " ".join(field(form, "label", api_tokens.MAX_LABEL + 1).split())
    days = parse_id(field(form, "days", 4))
    if not label or len(label) > api_tokens.MAX_LABEL:
        raise PageError(400, "Name the token", f"Say what the token is for, in 1 to {api_tokens.MAX_LABEL} "
                                               "characters (the system that will use it).")  # fmt: skip
    if days not in api_tokens.LIFETIMES_DAYS:
        raise PageError(400, "Choose how long it works", "Choose one of the lifetimes offered.")
    with transaction(request) as db:
        place = choose_campus(db, viewer, campus)
        user = db.get(User, viewer.user_id)
        assert user is not None  # signed_in checked it a moment ago, in its own transaction
        token, secret = api_tokens.create(db, user, place, label, days)
        ends = long_day(at(token.expires_ms, queries.zone_of(place)).date())
    return render(request, "token_made.html", nav="office", campus=place, label=label, secret=secret, ends=ends,
                  base=str(request.base_url).rstrip("/"),
                  back=office_url(viewer, place.id, "/office/tokens"))  # fmt: skip


@router.post("/office/tokens/{token_id}/revoke")
def revoke_token(request: Request, viewer: Signed, form: Posted, token_id: str, campus: str = "") -> Response:
    number = parse_id(token_id)
    with transaction(request) as db:
        place = choose_campus(db, viewer, campus)
        if number is None or not api_tokens.revoke(db, place.id, number):
            raise PageError(404, "No such token", "That token does not exist at this campus, or was revoked already.")
    url = office_url(viewer, place.id, "/office/tokens")
    return redirect(url + ("&" if "?" in url else "?") + "notice=revoked")
