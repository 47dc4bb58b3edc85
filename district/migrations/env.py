"""Alembic's entry point: runs migrations on the engine district.db hands it."""

from alembic import context

from district.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration copies a table and drops the old one; with foreign keys enforced, dropping a
        # table other rows refer to (visit, under its alerts) fails. Off for the migration (SQLite ignores
        # this inside a transaction, hence before it), then every reference is checked before commit.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite)
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke {len(broken)} references, first {broken[0]}")
        connection.commit()
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
