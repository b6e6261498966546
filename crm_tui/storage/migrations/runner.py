"""Run Alembic programmatically against a Database (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from crm_tui.storage.db import Database

HERE = Path(__file__).parent


def alembic_config(database: Database) -> Config:
    """A Config pointing at this folder and at the database's URL."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["database"] = database
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply migrations up to `revision`, each in a transaction (SQLite: BEGIN IMMEDIATE)."""
    command.upgrade(alembic_config(database), revision)


def head_revision() -> str:
    """The newest revision among the files, as Alembic sees it."""
    script = ScriptDirectory(str(HERE))
    return script.get_current_head() or ""
