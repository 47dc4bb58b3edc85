"""Database engines and migrations: SQLite for a pilot, PostgreSQL in production.

The schema is made only by Alembic migrations (district/migrations), on both databases, so
a pilot's SQLite file and a production PostgreSQL go through the same steps.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from district import writer_gate

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_TIMEOUT_S = 30  # how long a writer waits for its turn, and then for SQLite's lock


def make_engine(url: str, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT_S, "check_same_thread": False})
        writer_gate.install(engine, SQLITE_TIMEOUT_S)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # WAL lets the pages read while a batch is written; FULL makes a commit durable.
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA synchronous=FULL")
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (does nothing when it is there already)."""
    command.upgrade(alembic_config(engine), "head")


def transaction(request: Request) -> AbstractContextManager[Session]:
    """A request's unit of work, committed when its `with` block ends (rolled back if it raises), and
    before the answer is sent: a kiosk drops an event from its outbox on "stored", so "stored" must
    never be said of something not yet committed."""
    return request.app.state.sessions.begin()
