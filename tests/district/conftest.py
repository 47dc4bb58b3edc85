"""The district server on loopback (tests/loopback.py), on SQLite and on PostgreSQL, with two campuses."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from loopback import LoopbackServer
from pgserver import PostgresServer, require_postgres

from district import service
from district.alerts import queue
from district.models import Campus

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


@pytest.fixture
def world(server: LoopbackServer) -> World:
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
