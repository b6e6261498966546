"""Run Alembic programmatically against an engine (no alembic.ini needed).

Takes a SQLAlchemy engine, not a `Database`, so storage.db (which calls it when the schema is
behind) and this runner do not import each other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

HERE = Path(__file__).parent


def alembic_config(write_engine: Engine) -> Config:
    """A Config pointing at this folder and at the engine that writes (SQLite: BEGIN IMMEDIATE)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", write_engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["write_engine"] = write_engine
    return config


def upgrade(write_engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision`, each in a transaction (SQLite: BEGIN IMMEDIATE)."""
    command.upgrade(alembic_config(write_engine), revision)


def head_revision() -> str:
    """The newest revision among the files, as Alembic sees it."""
    script = ScriptDirectory(str(HERE))
    return script.get_current_head() or ""
