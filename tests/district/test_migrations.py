"""The Alembic migrations build exactly the models' schema, and 0002 upgrades a live 0001 database."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, select, text

from district.db import alembic_config, make_engine, make_sessions, upgrade
from district.models import Base, Office


def add_campus_row(connection: Connection) -> None:
    """A campus as an older schema holds it (no ORM: the models are the newest schema)."""
    connection.execute(text(
        "INSERT INTO campus (name, timezone, languages, default_language, revision, settings_revision, created_ms)"
        " VALUES ('Lincoln Elementary', 'America/Chicago', 'en es', 'en', 1, 1, 0)"
    ))  # fmt: skip


def test_the_migrations_make_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_a_campus_made_before_alerts_gets_its_three_offices(database_url: str) -> None:
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as connection:
        add_campus_row(connection)
    upgrade(engine)
    with make_sessions(engine)() as db:
        offices = db.scalars(select(Office.key).order_by(Office.key)).all()
    engine.dispose()
    assert offices == ["attendance", "front_office", "volunteers"]


def test_a_server_with_visits_and_their_alerts_upgrades_to_passes_and_keeps_them(database_url: str) -> None:
    """0006 rebuilds the visit table on SQLite; rows that refer to a visit (its alerts) must not stop it."""
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0005")
    with engine.begin() as connection:
        add_campus_row(connection)
        connection.execute(text(
            "INSERT INTO visit (id, campus_id, first_name, last_name, reason, language, interpreter, checked_in_ms,"
            " local_day, revision, received_ms, escalated) VALUES ('v-1', 1, 'Ana', 'Pérez', 'pickup', 'es', false, 1,"
            " '2026-12-02', 0, 1, false)"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO alert (campus_id, visit_id, kind, recipient_kind, recipient_key, recipient_name, why,"
            " language, status, attempts, next_attempt_ms, created_ms, expires_ms, ack_token_hash, resend)"
            " VALUES (1, 'v-1', 'arrival', 'office', 'front_office', 'Front office', 'fallback', 'en', 'pending', 0,"
            " 1, 1, 2, 'h', false)"
        ))  # fmt: skip
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT first_name, pass_id FROM visit")).all() == [("Ana", None)]
        assert connection.execute(text("SELECT visit_id FROM alert")).scalars().all() == ["v-1"]
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for the server
    engine.dispose()
