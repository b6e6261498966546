"""Alembic environment: uses the write engine handed in by the runner, or the URL in the config."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from crm_tui.storage import schema  # noqa: F401  (registers every table)
from crm_tui.storage.db import Database

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    write_engine = config.attributes.get("write_engine")
    if write_engine is None:
        write_engine = Database.open(config.get_main_option("sqlalchemy.url"), migrate=False).write_engine
    with write_engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
