"""A real district server on loopback (uvicorn in a thread), on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from pgserver import PostgresServer, require_postgres
from sqlalchemy.orm import Session, sessionmaker

from district import service
from district.app import ServerSettings, create_app
from district.models import Campus

_names = itertools.count()


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackServer:
    """uvicorn serving the real app on 127.0.0.1; can be stopped and started again on the same port."""

    def __init__(self, database_url: str, port: int | None = None) -> None:
        self.app = create_app(ServerSettings(database_url=database_url, secure_cookies=False))
        self.sessions: sessionmaker[Session] = self.app.state.sessions
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LoopbackServer:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(10)
            self._server = None

    def dispose(self) -> None:
        self.stop()
        self.app.state.engine.dispose()


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
        b = service.add_campus(db, "Roosevelt Middle", "America/Chicago", ["en", "vi"])
        code_a = service.add_kiosk(db, a.id, "Lincoln front door").code
        code_b = service.add_kiosk(db, b.id, "Roosevelt front door").code
        ids = (a.id, b.id)
    return World(server, ids[0], ids[1], code_a, code_b)


def campus(server: LoopbackServer, campus_id: int) -> Campus:
    with server.sessions() as db:
        return db.get_one(Campus, campus_id)
