"""The Alembic migrations build exactly the models' schema, and 0002 upgrades a live 0001 database."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from district.db import alembic_config, make_engine, make_sessions, upgrade
from district.models import Base, Office


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
        connection.execute(text(
            "INSERT INTO campus (name, timezone, languages, default_language, revision, settings_revision, created_ms)"
            " VALUES ('Lincoln Elementary', 'America/Chicago', 'en es', 'en', 1, 1, 0)"
        ))  # fmt: skip
    upgrade(engine)
    with make_sessions(engine)() as db:
        offices = db.scalars(select(Office.key).order_by(Office.key)).all()
    engine.dispose()
    assert offices == ["attendance", "front_office", "volunteers"]
