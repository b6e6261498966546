"""Signing in at the counter: the right password opens Query Customers, wrong ones count to a lock."""

from __future__ import annotations

from textual.widgets import Static

from crm_tui.screens.query_customers import QueryCustomersScreen
from crm_tui.screens.sign_in import SignInScreen
from crm_tui.widgets.header import WorkbenchHeader
from tests.screens.conftest import sign_in


def message(app) -> str:
    return str(app.screen.query_one("#sign-in-message", Static).render())


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
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        assert "is now locked after 5 failed sign-ins" in message(app)
        await pilot.press(*"correct horse battery", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert "alice is locked" in message(app)
        assert app.actor is None
