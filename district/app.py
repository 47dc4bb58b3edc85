"""The FastAPI application: the kiosks' API and the web pages, on one database."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import Depends, FastAPI

from district import __version__, api, errors, staff_api, web
from district.alerts.worker import AlertWorker
from district.boundary import BodyLimit, text_only
from district.db import make_engine, make_sessions, upgrade

log = logging.getLogger(__name__)
ACK_PATH = re.compile(r"/ack/[^/?\s]+")


class HideAckTokens(logging.Filter):
    """An "on my way" link's token acknowledges a visit: keep it out of the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(ACK_PATH.sub("/ack/…", a) if isinstance(a, str) else a for a in record.args)
        return True


@dataclass(frozen=True)
class ServerSettings:
    database_url: str = "sqlite:///district.sqlite3"
    secure_cookies: bool = True  # False only for http://localhost pilots and tests
    session_hours: int = 12
    migrate: bool = True  # bring the schema up to date at start (several workers: run `district-server migrate` once)
    public_url: str = "http://127.0.0.1:8080"  # where staff's phones reach this server: the "on my way" links
    alerts: bool = True  # send alerts from this process (tests that look only at the queue turn it off)


def create_app(settings: ServerSettings) -> FastAPI:
    engine = make_engine(settings.database_url)
    if settings.migrate:
        upgrade(engine)
    sessions = make_sessions(engine)
    worker = AlertWorker(sessions, settings.public_url) if settings.alerts else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            if not settings.public_url.startswith("https://"):
                log.warning("alert links use %s: set the public https address for staff outside the LAN",
                            settings.public_url)  # fmt: skip
            worker.start()
        yield
        if worker is not None:
            worker.stop()

    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideAckTokens) for f in access_log.filters):
        access_log.addFilter(HideAckTokens())
    app = FastAPI(
        lifespan=lifespan,
        title="Welcome Kiosk district server",
        version=__version__,
        description="Visits from every campus's kiosks, and what the kiosks need back.",
        docs_url=None,  # Swagger UI loads from a CDN: blocked by the pages' CSP and by closed networks
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        dependencies=[Depends(text_only)],  # before any other: every route's input is text (district.boundary)
    )
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.alert_worker = worker
    # On SQLite, one push at a time: its writes take turns anyway (district.writer_gate), and two
    # pushes parsed at once only split the process's one core (the GIL) further with the heartbeats.
    app.state.one_push = threading.Lock() if engine.dialect.name == "sqlite" else None
    app.state.settings = settings
    app.add_middleware(BodyLimit, answer=errors.http_error)  # inside web's headers middleware: its 413 pages get them
    app.include_router(api.router)
    app.include_router(staff_api.router)
    web.install(app)
    errors.install(app)
    return app

