"""The kiosks' API, /api/v1: enroll, push visits, pull changes, heartbeat.

A kiosk proves who it is with its bearer token; the token names one kiosk of one campus,
and every query below is scoped to that campus, so a kiosk can neither read nor write
another campus's data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from district import service
from district.alerts.queue import arrival_status
from district.db import transaction
from district.models import Kiosk
from district.schemas import BIGINT, UUID_PATTERN, EnrollBody, Heartbeat, PushBody
from kiosk import wire


class StrictJSONRequest(Request):
    """A body that is JSON as RFC 8259 defines it: Python's parser also takes NaN and Infinity, which
    no kiosk sends and no answer could echo. Either is a 422 saying so; so is nesting too deep to parse."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body, parse_constant=_not_a_number)
            except RecursionError:
                raise json.JSONDecodeError("nested too deeply", "", 0) from None
            except UnicodeDecodeError:
                raise HTTPException(400, "body: not JSON (not UTF-8 text)") from None
        return self._json


def _not_a_number(name: str) -> None:
    raise json.JSONDecodeError(f"{name} is not a number JSON allows", "", 0)


class StrictJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict


router = APIRouter(prefix=wire.API, tags=["kiosk sync"], route_class=StrictJSONRoute)
_bearer = HTTPBearer(auto_error=False, description="the token a kiosk got at enrollment")


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
UUID = re.compile(UUID_PATTERN)
PUSH_WAIT_S = 20  # a push waits this long for its turn on SQLite, then is told to come back
UNAUTHORIZED = "a valid kiosk token is needed (enroll the kiosk, or it was revoked)"


def _unauthorized() -> HTTPException:
    return HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})


def authenticate(db: Session, credentials: HTTPAuthorizationCredentials | None) -> Kiosk:
    """The kiosk a token names, inside the request's one transaction (no second database round)."""
    kiosk = service.kiosk_for_token(db, credentials.credentials) if credentials else None
    if kiosk is None:
        raise _unauthorized()
    return kiosk


@router.post("/enroll")
def enroll(body: EnrollBody, request: Request) -> dict[str, Any]:
    """Trade a one-time enrollment code for this kiosk's token (shown once: store it)."""
    try:
        with transaction(request) as db:
            kiosk, token = service.enroll(db, body.code, body.version)
            return {"kiosk_id": kiosk.id, "kiosk_name": kiosk.name, "token": token}
    except service.Refused as exc:
        raise HTTPException(403, str(exc)) from None


@router.post("/sync/push")
def push(body: PushBody, credentials: Credentials, request: Request) -> dict[str, Any]:
    """Visits and sign-outs from the kiosk's outbox; each result says stored, duplicate or refused."""
    with transaction(request) as db:
        kiosk = authenticate(db, credentials)
    turn = request.app.state.one_push  # SQLite: one push at a time (district.app)
    if turn is not None and not turn.acquire(timeout=PUSH_WAIT_S):
        # many kiosks back at once: each waiting push holds a worker thread, so send some away for a while
        raise HTTPException(503, "busy with other kiosks' backlogs: push again shortly", headers={"Retry-After": "10"})
    try:
        results = service.apply_in_parts(lambda: transaction(request), kiosk.id, kiosk.campus_id, body.events)
    finally:
        if turn is not None:
            turn.release()
    worker = request.app.state.alert_worker
    if worker is not None and any(r.get("status") == "stored" for r in results):
        worker.wake()  # the new visits' alerts are committed: send them now, not at the next poll
    return {"results": results}


@router.get("/arrivals")
def arrivals(
    credentials: Credentials, request: Request, ids: Annotated[str, Query(max_length=40 * wire.MAX_ARRIVAL_IDS)]
) -> dict[str, Any]:
    """Who has been told of these visits, for the kiosk's confirmation screen (kiosk.wire: arrivals)."""
    wanted = [i for i in ids.split(",") if i]
    if not wanted or len(wanted) > wire.MAX_ARRIVAL_IDS or not all(UUID.match(i) for i in wanted):
        raise HTTPException(422, f"ids: 1 to {wire.MAX_ARRIVAL_IDS} visit ids, separated by commas")
    with transaction(request) as db:
        return {"arrivals": arrival_status(db, authenticate(db, credentials).campus_id, wanted)}


@router.get("/sync/changes")
def changes(
    credentials: Credentials,
    request: Request,
    since: Annotated[int, Query(ge=0, le=BIGINT, description="the cursor from the last answer; 0 for everything")] = 0,
    limit: Annotated[int, Query(ge=1, le=wire.MAX_CHANGES)] = wire.MAX_CHANGES,
) -> dict[str, Any]:
    """The campus's staff directory, sign-outs made elsewhere and settings, newer than `since`."""
    with transaction(request) as db:
        return service.changes(db, authenticate(db, credentials).campus_id, since, limit)


@router.post("/sync/heartbeat")
def heartbeat(body: Heartbeat, credentials: Credentials, request: Request) -> dict[str, Any]:
    """The kiosk's health, for the district page; authenticated and recorded in one statement."""
    with transaction(request) as db:
        if credentials is None or not service.record_heartbeat(db, credentials.credentials, body.model_dump()):
            raise _unauthorized()
    return {"server_time_ms": service.now_ms()}
