"""The demo's alert inbox: where `make demo` sends every staff member's and office's alerts, and the
"Alerts received" page that shows them, so a newcomer sees who was told and can press "On my way" as
the teacher would on her phone.

The alerts get here the real way: the demo gives each person and office an Apprise JSON-webhook
channel (json://HOST:PORT/demo/inbox/...) on the demo server itself, and the server's alert sender
delivers to it as it would to a district's webhook. Only district.demo installs it, never
`district-server serve`: it takes posts without a sign-in (from loopback only) and keeps them, "on my
way" links included, in a file in the demo's folder.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from district import queries, service
from district.alerts import queue
from district.alerts.channels import split_urls
from district.models import Office, Staff
from district.web.auth import Signed
from district.web.formatting import at, clock_time
from district.web.pages import read, render

PREFIX = "/demo/inbox"
PAGE = "/demo/alerts"
SHOWN = 200  # the newest alerts on the page
MAX_TEXT = 4000
LOOPBACK = ("127.0.0.1", "::1")
DEMO_CHANNEL = re.compile(r"json://[^/\s]+" + re.escape(PREFIX) + r"/\S+")
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Received:
    at_ms: int
    to: str  # "Ms. García", "Front office"
    title: str
    message: str


class Inbox:
    """What arrived, one JSON object a line in the demo's folder: it survives a restart, as the visits do."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def add(self, item: Received) -> None:
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")

    def items(self) -> list[Received]:
        """Newest first."""
        with self._lock:
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                return []
        found = []
        for line in reversed(lines[-SHOWN:]):
            try:
                found.append(Received(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line cut short when the demo was killed mid-write
        return found


def channel_url(base_url: str, campus_id: int, kind: str, key: str) -> str:
    """The Apprise URL that posts one person's or office's alerts to this inbox."""
    host = base_url.split("://", 1)[-1].rstrip("/")
    return f"json://{host}{PREFIX}/{campus_id}/{kind}/{quote(key, safe='')}"


def point_channels_here(db: Session, base_url: str) -> None:
    """Every staff member and office alerted in this inbox, at this start's address: a demo channel of an
    earlier start (another PORT) is replaced, one is added to those with none, and others are kept."""
    rows: list[tuple[Staff | Office, str, str]] = []
    rows += [(s, "staff", s.external_id) for s in db.scalars(select(Staff))]
    rows += [(o, "office", o.key) for o in db.scalars(select(Office))]
    for row, kind, key in rows:
        urls = split_urls(row.alert_urls)
        others = [u for u in urls if not DEMO_CHANNEL.fullmatch(u)]
        if not urls or len(others) < len(urls):
            row.alert_urls = "\n".join([channel_url(base_url, row.campus_id, kind, key), *others])


def recipient(db: Session, campus_id: int, kind: str, key: str) -> str:
    if kind == "office":
        return queue.OFFICE_NAMES.get(key, key)
    member = db.scalar(select(Staff).where(Staff.campus_id == campus_id, Staff.external_id == key))
    return queue.staff_name(member) if member is not None else key


@router.post(PREFIX + "/{campus_id}/{kind}/{key}")
def receive(
    request: Request, campus_id: int, kind: str, key: str, body: Annotated[dict[str, Any], Body()]
) -> dict[str, bool]:
    """One alert, as Apprise's JSON webhook sends it ({"title", "message", ...}); loopback only."""
    if request.client is None or request.client.host not in LOOPBACK:
        raise HTTPException(403, "the demo's inbox takes alerts from this machine only")
    if kind not in ("staff", "office"):
        raise HTTPException(404, "no such recipient")
    with read(request) as db:
        to = recipient(db, campus_id, kind, key)
    title, message = (str(body.get(k) or "")[:MAX_TEXT] for k in ("title", "message"))
    request.app.state.demo_inbox.add(Received(service.now_ms(), to, title, message))
    return {"ok": True}


@dataclass(frozen=True)
class Line:
    text: str
    link: str = ""  # an "on my way" link on this server, shown as a link


@dataclass(frozen=True)
class Shown:
    time: str
    to: str
    title: str
    lines: list[Line]


def lines_of(message: str, base_url: str) -> list[Line]:
    ack = re.compile(re.escape(base_url.rstrip("/")) + r"/ack/[A-Za-z0-9_-]+")
    out = []
    for text in message.splitlines():
        found = ack.search(text)
        out.append(Line(text[: found.start()], found.group()) if found else Line(text))
    return out


@router.get(PAGE)
def page(request: Request, viewer: Signed) -> HTMLResponse:
    """What the staff's phones and inboxes would have shown, newest first."""
    base_url = request.app.state.settings.public_url
    with read(request) as db:
        zone = queries.zone_of(queries.campuses(db)[0])  # the demo has one campus
    shown = [Shown(clock_time(at(r.at_ms, zone)), r.to, r.title, lines_of(r.message, base_url))
             for r in request.app.state.demo_inbox.items()]  # fmt: skip
    return render(request, "demo_alerts.html", nav="demo-alerts", received=shown)


def install(app: FastAPI, inbox_file: Path) -> None:
    """The inbox and its page on the demo's server, and the "Alerts received" link in the pages' menu."""
    app.state.demo_inbox = Inbox(inbox_file)
    app.include_router(router)
    app.state.templates.globals["demo_inbox"] = PAGE
