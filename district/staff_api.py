"""The staff API, /api/v1/passes and /api/v1/directory: another system issues visitor passes as the
office page does (a conference scheduler sends each family its pass; the volunteer office keeps its
list in step), with a staff API token (district.api_tokens) as its bearer token.

Everything is the office page's: the same checks, with the same words (district.web.passes.checked),
the same pass, QR code and email. The token names one campus, and every query is scoped to it. The
code of a new pass is in the answer to its POST and nowhere else, as on the page: keep it, or revoke
the pass and issue another.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
from sqlalchemy.orm import Session

from district import api_tokens, passes, queries, service
from district.api import StrictJSONRoute
from district.db import transaction
from district.models import VisitorPass
from district.schemas import Strict
from district.web.checkin import Entry, campus_staff
from district.web.passes import PassEntry, checked
from kiosk import wire
from kiosk.text import MAX_FIELD_LENGTH

router = APIRouter(prefix=wire.API, tags=["staff API"], route_class=StrictJSONRoute)
_bearer = HTTPBearer(auto_error=False, description="a staff API token, made on the office's API tokens page")
UNAUTHORIZED = "a valid staff API token is needed (make one on the office's API tokens page; it may have expired)"


class PassBody(Strict):
    """A pass as the office form asks for it. Days are the campus's local dates (YYYY-MM-DD): the first
    defaults to today and the last to the first; the language to the campus's."""

    first_name: str = Field(max_length=MAX_FIELD_LENGTH)
    last_name: str = Field(max_length=MAX_FIELD_LENGTH)
    reason: str = Field(max_length=20)
    language: str = Field("", max_length=35)
    host_id: str = Field("", max_length=MAX_FIELD_LENGTH)
    first_day: str = Field("", max_length=10)
    last_day: str = Field("", max_length=10)
    uses: int = Field(1, ge=1, le=passes.MAX_USES)
    email: str = Field("", max_length=254)


def holder(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
           ) -> api_tokens.Holder:  # fmt: skip
    with transaction(request) as db:  # the token's "last used" is written with the check
        found = api_tokens.holder(db, credentials.credentials) if credentials else None
    if found is None:
        raise HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    return found


Holder = Annotated[api_tokens.Holder, Depends(holder)]
PassId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def described(p: VisitorPass, zone: Any) -> dict[str, Any]:
    day = lambda ms: datetime.fromtimestamp(ms / 1000, zone).date().isoformat()  # noqa: E731
    return {
        "id": p.id, "first_name": p.first_name, "last_name": p.last_name, "language": p.language,
        "reason": p.reason, "host_id": p.host_id, "host_name": p.host_name, "first_day": day(p.valid_from_ms),
        "last_day": day(p.valid_until_ms), "valid_from_ms": p.valid_from_ms, "valid_until_ms": p.valid_until_ms,
        "max_uses": p.max_uses, "uses": p.uses, "email": p.email, "revoked": p.revoked_ms is not None,
        "created_by": p.created_by,
    }  # fmt: skip


@router.post("/passes", status_code=201)
def create_pass(body: PassBody, who: Holder, request: Request) -> Any:
    """Issue one pass; its code and QR code (PNG, base64) are in this answer only. With an email, the pass
    is sent to it in the visitor's language, and the answer says whether it went."""
    entry = PassEntry(Entry(first_name=body.first_name, last_name=body.last_name, reason=body.reason,
                            host_id=body.host_id, language=body.language or who.campus.default_language),
                      body.first_day, body.last_day, str(body.uses), body.email)  # fmt: skip
    with transaction(request) as db:
        campus = queries.campus(db, who.campus.id)
        assert campus is not None
        wanted, problems = checked(db, campus, entry)
        if problems:
            return JSONResponse({"detail": "pass: " + " ".join(problems), "problems": problems}, status_code=422)
        issued = [passes.issue(db, campus, one, f"{who.user.email} (API: {who.label})") for one in wanted]
        channel = passes.email_channel(db, campus)
    (p, code), = issued
    sent = passes.send_issued(campus, issued, channel)
    answer = described(p, queries.zone_of(campus)) | {
        "code": code, "qr_png": base64.b64encode(passes.qr_png(code)).decode(),
        "emailed": None if p.id not in sent else {"to": p.email, "delivered": sent[p.id].delivered,
                                                   "error": sent[p.id].error},
    }  # fmt: skip
    return answer


@router.get("/passes")
def list_passes(who: Holder, request: Request) -> dict[str, Any]:
    """The campus's passes that have not ended (revoked ones too, marked), soonest first."""
    with transaction(request) as db:
        zone = queries.zone_of(who.campus)
        return {"passes": [described(p, zone) for p in passes.listed(db, who.campus.id, service.now_ms())]}


def _one(db: Session, who: api_tokens.Holder, pass_id: int) -> VisitorPass:
    found = db.get(VisitorPass, pass_id)
    if found is None or found.campus_id != who.campus.id:
        raise HTTPException(404, "no such pass at this campus")
    return found



@router.get("/passes/{pass_id}")
def get_pass(pass_id: PassId, who: Holder, request: Request) -> dict[str, Any]:
    with transaction(request) as db:
        return described(_one(db, who, pass_id), queries.zone_of(who.campus))


@router.post("/passes/{pass_id}/revoke")
def revoke_pass(pass_id: PassId, who: Holder, request: Request) -> dict[str, Any]:
    """Stop a pass working: kiosks refuse it from their next sync. Revoking it again is a 409."""
    with transaction(request) as db:
        found = _one(db, who, pass_id)
        if not passes.revoke(db, who.campus.id, pass_id):
            raise HTTPException(409, "the pass was revoked already")
        db.refresh(found)
        return described(found, queries.zone_of(who.campus))


@router.get("/directory")
def directory(who: Holder, request: Request, q: Annotated[str, Query(max_length=100)] = "") -> dict[str, Any]:
    """The campus's staff a pass can name as host (host_id is "id"), found as the kiosk finds them."""
    with transaction(request) as db:
        staff = campus_staff(db, who.campus)
        found = staff.search(q, limit=20) if q.strip() else staff.members
        return {"staff": [{"id": s.id, "name": s.name, "role": s.role, "room": s.room} for s in found]}
