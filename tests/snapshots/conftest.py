"""Snapshots are pictures: always the same SQLite file name, clock, time zone, data and cursor."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from crm_tui.services.customers import profile
from tests.screens.conftest import FROZEN_NOW, make_app, no_cursor_blink  # noqa: F401 - shared fixtures


@pytest.fixture
def database_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """Always the embedded SQLite file (even when the suite runs on PostgreSQL): the header names it."""
    path = tmp_path / "crm.db"
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """UTC on screen, and interactions recorded at the frozen instant."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(profile, "utcnow", lambda: FROZEN_NOW)
    yield
    monkeypatch.undo()
    time.tzset()
