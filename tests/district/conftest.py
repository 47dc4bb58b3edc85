"""The district server on loopback (tests/loopback.py), on SQLite and on PostgreSQL, with two campuses."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from loopback import LoopbackServer
from pgserver import PostgresServer, require_postgres
from sqlalchemy import String, select

from district import service
from district.alerts import queue
from district.models import Base, Campus

_names = itertools.count()
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright drives it (no browser download)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium for the pages' tests; missing Chromium fails under CI, skips elsewhere."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer(require_postgres())
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'district.sqlite3'}"
    return request.getfixturevalue("postgres").create_database(f"district_{next(_names)}")


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries in tenths of a second instead of seconds, so a failing channel gives up quickly."""
    monkeypatch.setattr(queue, "RETRY_BASE_MS", 100)
    monkeypatch.setattr(queue, "RETRY_CAP_MS", 200)
    monkeypatch.setattr(queue, "MAX_ATTEMPTS", 3)


@dataclass
class World:
    """A server with two campuses, each with an enrolled-ready kiosk code."""

    server: LoopbackServer
    campus_a: int
    campus_b: int
    code_a: str
    code_b: str


@pytest.fixture
def server(database_url: str) -> Iterator[LoopbackServer]:
    s = LoopbackServer(database_url).start()
    yield s
    s.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackServer]:
    """One server for all of a module's tests: property tests run many examples, and must not start one each."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'district.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"district_{next(_names)}")
    s = LoopbackServer(url).start()
    yield s
    s.dispose()


@pytest.fixture
def world(server: LoopbackServer) -> World:
    return two_campuses(server)


def two_campuses(server: LoopbackServer) -> World:
    with server.sessions.begin() as db:
        a = service.add_campus(db, "Lincoln Elementary", "America/Chicago", ["en", "es"])
        b = service.add_campus(db, "Roosevelt Middle", "America/Chicago", ["en", "es"])
        code_a = service.add_kiosk(db, a.id, "Lincoln front door").code
        code_b = service.add_kiosk(db, b.id, "Roosevelt front door").code
        ids = (a.id, b.id)
    return World(server, ids[0], ids[1], code_a, code_b)


def campus(server: LoopbackServer, campus_id: int) -> Campus:
    with server.sessions() as db:
        return db.get_one(Campus, campus_id)


def malformed_text(server: LoopbackServer) -> list[str]:
    """Stored text that nothing should have let in: a NUL, a lone surrogate, or more than its column holds
    (PostgreSQL refuses all three; SQLite would keep them)."""
    found = []
    with server.sessions() as db:
        for model in (mapper.class_ for mapper in Base.registry.mappers):
            columns = [c for c in model.__table__.columns if isinstance(c.type, String)]
            for row in db.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    too_long = column.type.length is not None and len(value or "") > column.type.length
                    if isinstance(value, str) and (too_long or re.search("[\x00\ud800-\udfff]", value)):
                        found.append(f"{model.__name__}.{column.name}: {value[:80]!r}")
    return found


def short_undo(monkeypatch: pytest.MonkeyPatch, ms: int) -> None:
    """Office sign-outs that can be undone for `ms` (0: never), and reach kiosks just after, instead of the
    real seconds: for tests of what happens once the undo window has passed."""
    monkeypatch.setattr(service, "UNDO_MS", ms)
    monkeypatch.setattr(service, "UNDO_ACCEPTED_MS", ms)
    monkeypatch.setattr(service, "HELD_MS", ms)
