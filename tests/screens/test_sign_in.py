"""Signing in at the counter: the right password opens Query Customers, wrong ones count to a lock."""

from __future__ import annotations

import subprocess
import sys
import threading

from textual.widgets import Input, Static

from crm_tui.app import CrmApp
from crm_tui.errors import DatabaseUnavailable
from crm_tui.screens.query_customers import QueryCustomersScreen
from crm_tui.screens.sign_in import SignInScreen
from crm_tui.services.context import Services
from crm_tui.widgets.header import WorkbenchHeader
from tests.conftest import PASSWORD
from tests.screens.conftest import FROZEN_NOW, settle, sign_in


def message(app) -> str:
    return str(app.screen.query_one("#sign-in-message", Static).render())


def database_line(app) -> str:
    return str(app.screen.query_one("#sign-in-database", Static).render())


async def test_good_password_opens_query_customers_with_the_operator_in_the_header(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, SignInScreen)
        await sign_in(pilot, typed=True)
        assert isinstance(app.screen, QueryCustomersScreen)
        assert app.actor == csr
        who = str(app.screen.query_one(WorkbenchHeader).query_one("#header-operator", Static).render())
        assert who == "Alice · CSR · Main street shop"


async def test_wrong_password_says_so_with_tries_left(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, password="not the password", typed=True)
        assert isinstance(app.screen, SignInScreen)
        assert app.actor is None
        assert message(app) == "Wrong operator name or password (4 tries left before the lock)."
        assert app.screen.query_one("#password").value == ""


async def test_five_wrong_passwords_lock_the_operator_even_for_the_right_one(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, password="wrong password 1")
        for attempt in range(2, 6):
            await pilot.press(*f"wrong password {attempt}", "enter")
            await settle(pilot)
        assert "is now locked after 5 failed sign-ins" in message(app)
        await pilot.press(*"correct horse battery", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "alice is locked" in message(app)
        assert app.actor is None


async def test_the_sign_in_screen_is_up_while_the_database_opens_and_a_sign_in_waits_for_it(services, csr):
    """`crm-tui` opens the database behind the sign-in screen: the operator types meanwhile."""
    release = threading.Event()

    def open_slowly() -> Services:
        assert release.wait(10), "the test never released the opening"
        return services

    app = CrmApp(open_services=open_slowly, clock=lambda: FROZEN_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert app.focused is app.screen.query_one("#username")
        assert database_line(app) == "Database: opening…"
        app.screen.query_one("#username", Input).value = "alice"
        app.screen.query_one("#password", Input).value = PASSWORD
        app.screen.query_one("#password", Input).focus()
        await pilot.press("enter")  # sent before the database is open: it waits, then signs in
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        release.set()
        await settle(pilot)
        assert isinstance(app.screen, QueryCustomersScreen)
        assert app.actor == csr


async def test_a_database_that_cannot_open_is_said_on_the_sign_in_screen_and_at_sign_in(services, csr):
    def cannot_open() -> Services:
        raise DatabaseUnavailable("Cannot open postgresql database: connection refused")

    app = CrmApp(open_services=cannot_open, clock=lambda: FROZEN_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert database_line(app) == "Database: cannot open it (Cannot open postgresql database: connection refused)"
        await sign_in(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.actor is None


def _loaded_after(imports: str) -> list[str]:
    code = (
        f"import sys, {imports}; "
        "print(sorted({m.split('.')[0] if not m.startswith('crm_tui') else '.'.join(m.split('.')[:2]) for m in sys.modules "
        "if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic', 'typer') "
        "or m.startswith(('crm_tui.services', 'crm_tui.storage'))}))"
    )
    return eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)  # noqa: S307 - our own print


def test_bare_crm_tui_reaches_the_sign_in_screen_without_storage_or_the_commands():
    """Cold start (issue 2): the sign-in screen is up before SQLAlchemy, pydantic, the services or typer load."""
    assert _loaded_after("crm_tui.launch, crm_tui.app, crm_tui.cli.session, crm_tui.screens.sign_in") == []
    assert _loaded_after("crm_tui.cli.main") == ["typer"]  # the commands import their services when run


async def test_the_header_clock_changes_with_the_minute_and_only_then(services, csr, monkeypatch):
    """Every update lays the whole screen out again (the registration form: ~30 ms): once a minute, not a second."""
    now = [FROZEN_NOW]
    app = CrmApp(services, clock=lambda: now[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        header = app.screen.query_one(WorkbenchHeader)
        clock = header.query_one("#header-clock", Static)
        updates: list[object] = []
        real_update = Static.update
        monkeypatch.setattr(
            Static, "update", lambda self, *a, **k: (updates.append(self.id), real_update(self, *a, **k))[1]
        )
        before = str(clock.render())
        header._tick()
        assert updates == [] and str(clock.render()) == before
        now[0] = FROZEN_NOW.replace(minute=FROZEN_NOW.minute + 1)
        header._tick()
        await pilot.pause()
        assert updates == ["header-clock"] and str(clock.render()) != before


async def test_signing_out_leaves_an_empty_sign_in_for_the_next_operator(make_app, csr, supervisor, lucia):
    """Ctrl+Q from a customer view: back to the sign-in screen, which is the bottom of the stack,
    with nothing of the last operator left in it; the next operator signs in from there."""
    from crm_tui.screens.customer_view import CustomerViewScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        sign_in_screen = app.screen
        await sign_in(pilot, password="wrong password", typed=True)
        await sign_in(pilot, typed=True)
        await pilot.press("ctrl+f", *lucia, "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert len(app.screen_stack) == 3  # sign-in, Query Customers, the customer
        assert app.screen_stack[0] is sign_in_screen
        assert sign_in_screen.query_one("#password", Input).value == ""  # not kept while signed in

        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.screen is sign_in_screen and app.screen_stack == [sign_in_screen]
        assert app.actor is None and app.current_customer_id is None
        assert app.screen.query_one("#username", Input).value == ""
        assert app.screen.query_one("#password", Input).value == ""
        assert message(app) == ""
        assert app.focused is app.screen.query_one("#username", Input)

        await pilot.press(*"sam", "enter", *PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueryCustomersScreen)
        assert app.actor == supervisor
        assert app.focused is app.screen.query_one("#identify-input", Input)
