"""Alembic's entry point: runs migrations on the engine district.db hands it."""

from alembic import context

from district.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
