"""Verify a caller in a real terminal (tmux at 80×24, the demo database): from the customer view, `v`,
the service password, `Enter`: two keys beyond the password (README "Keys at the counter, counted")."""

from __future__ import annotations

import pytest

from crm_tui.services.seeding import FEATURED_SIGN_IN
from tests.terminal.test_tmux import Terminal, terminal  # noqa: F401 - the fixture

pytestmark = pytest.mark.terminal


def test_v_the_password_and_enter_verify_the_demo_caller(terminal: Terminal):  # noqa: F811
    terminal.wait_for(lambda s: "SIGN IN" in s and "DEMO" in s and "alice" in s, "the demo sign-in screen")
    terminal.send("alice", "Enter", "demo-csr-01", "Enter", "/612 345 678", "Enter")
    terminal.wait_for(lambda s: "Lucía García Pérez" in s and "ACTIVE" in s, "Lucía's customer view")
    terminal.send("v", FEATURED_SIGN_IN["service_password"], "Enter")  # the counted sequence: v, password, Enter
    screen = terminal.wait_for(lambda s: "Caller verified" in s, "the verified notice")
    assert "Verified by service password" in screen
    assert FEATURED_SIGN_IN["service_password"] not in screen
