"""App factories and CSR habits for Pilot tests: the same CrmApp the CLI builds, on a test database."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerFailed

from crm_tui.app import CrmApp, LaunchRequest
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.services.context import Services
from tests.conftest import PASSWORD

FROZEN_NOW = datetime(2026, 3, 14, 10, 30, tzinfo=UTC)
"""The clock of every screen test: the header never changes between runs."""


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor would make snapshots flicker between runs."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def make_app(services: Services) -> Callable[..., CrmApp]:
    """Build the workbench over the test services, with the frozen clock."""

    def build(launch: LaunchRequest | None = None) -> CrmApp:
        app = CrmApp(services, launch=launch, clock=lambda: FROZEN_NOW)
        # A toast lives 5 s; the slow part on a loaded machine took longer than that between a Check
        # and its assertion, and the toast was gone. Tests read toasts, they never wait one out.
        app.NOTIFICATION_TIMEOUT = 600
        return app

    return build


async def workers_done(pilot: Pilot) -> None:
    """Wait for every service call to come back. A call that failed as the test intends (a refused
    sign-in, say) has already been shown by its screen (on_worker_state_changed); Textual's wait
    raises it again when the worker is still listed, which depends on timing: not a test failure."""
    try:
        await pilot.app.workers.wait_for_complete()
    except WorkerFailed:
        pass


async def settle(pilot: Pilot) -> None:
    """Wait for every service call to come back and the screen to catch up."""
    await workers_done(pilot)
    await pilot.pause()
    await workers_done(pilot)
    await pilot.pause()


async def until(pilot: Pilot, condition: Callable[[], bool], seconds: float = 15.0) -> None:
    """Wait for what the screen does in its own time (a recompose, a redraw) on a loaded machine: poll
    `condition` between pauses; fail after `seconds` with the condition's name."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still not true after {seconds} s: {condition.__name__}"
        await pilot.pause(0.05)


async def type_into(pilot: Pilot, selector: str, text: str) -> None:
    """Click into a field and type, as a CSR would."""
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.pause()
    await pilot.press(*text)


async def sign_in(pilot: Pilot, username: str = "alice", password: str = PASSWORD, *, typed: bool = False) -> None:
    """Sign in; `typed` presses every key (the sign-in tests), else the fields are filled at once."""

    def sign_in_form_is_up() -> bool:  # a snapshot's run_before starts before the first screen composes
        return bool(pilot.app.screen.query("#username"))

    await until(pilot, sign_in_form_is_up)
    if typed:
        await type_into(pilot, "#username", username)
        await pilot.press("enter")
        await pilot.press(*password)
    else:
        pilot.app.screen.query_one("#username", Input).value = username
        pilot.app.screen.query_one("#password", Input).value = password
        pilot.app.screen.query_one("#password", Input).focus()
        await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


def key_event(key: str) -> events.Key:
    """The event a terminal sends for `key`: a character ("a", "/", "ñ") or a key name ("enter", "tab", "f3")."""
    if len(key) == 1:
        name = _character_to_key(key) if not key.isalnum() else key
        return events.Key(name, key)
    return events.Key(key, {"enter": "\r", "tab": "\t", "space": " "}.get(key))


async def burst(pilot: Pilot, *keys: str) -> None:
    """Press `keys` as fast as a terminal delivers a paste or `tmux send-keys`: every key is queued
    before the workbench reads the first (`pilot.press` waits for the app between keys and would not
    see a key land in the wrong place). Then wait for the keys and what they started."""
    app = pilot.app
    assert app._driver is not None
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()
    await app.key_line.settled()  # type: ignore[attr-defined]
    await settle(pilot)
    await app.key_line.settled()  # type: ignore[attr-defined]


async def open_lucia(pilot: Pilot) -> CustomerViewScreen:
    """Identify Lucía (the `lucia` fixture) by her certificate from anywhere: her customer view."""
    await pilot.press("ctrl+f", *"12345678Z", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerViewScreen)
    return pilot.app.screen
