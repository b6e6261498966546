"""Login names on the Registration form, social accounts in the identify box and Query Customers (keys)."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input

from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.query_customers import QueryCustomersScreen
from crm_tui.screens.registration import RegistrationResultModal
from crm_tui.storage.models.customers import Customer
from tests.screens.conftest import settle, sign_in
from tests.screens.test_registration_screen import error_at, fill_person, open_registration
from tests.screens.test_verify_caller import caller  # noqa: F401 - the fixture


async def test_the_registration_form_takes_a_login_name_checked_at_its_field(make_app, csr, services, caller):  # noqa: F811
    with services.writer() as uow:
        uow.session.execute(select(Customer).where(Customer.customer_id == caller)).scalar_one().login_name = "lucia.g"
        uow.commit()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        fill_person(screen, cert_number="87654321X", first_name="Pere", last_name="Mas", login_name="no way")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_at(app, "login_name") == "3-32 of a-z 0-9 . _ - (a letter among them)."
        assert app.focused is screen.query_one("#login_name", Input)
        await pilot.press(*(["backspace"] * 6), *"LUCIA.G", "ctrl+s")
        await settle(pilot)
        assert error_at(app, "login_name") == "Taken."
        await pilot.press("backspace", "backspace", *"-mas", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationResultModal)
        await pilot.press("enter")
        await settle(pilot)
        registered = app.screen.detail.customer_id
    with services.reader() as uow:
        login = uow.session.execute(select(Customer.login_name).where(Customer.customer_id == registered)).scalar()
    assert login == "lucia-mas"


async def test_the_identify_box_recognises_a_social_handle(make_app, csr, caller):  # noqa: F811
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        for key in ("@lucia.gp", "x:luciag"):
            await pilot.press("ctrl+f", *key, "enter")
            await settle(pilot)
            assert isinstance(app.screen, CustomerViewScreen) and app.screen.detail.customer_id == caller
            assert app.screen.detail.interactions[0].key_kind == "social"


async def test_query_customers_searches_the_social_account_field(make_app, csr, caller):  # noqa: F811
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, QueryCustomersScreen)
        for _ in range(12):  # tab along the fields to the last one, Social Account
            await pilot.press("tab")
            if app.focused is not None and app.focused.id == "social":
                break
        assert app.focused is app.screen.query_one("#social", Input)
        await pilot.press(*"facebook:lucia.gp", "enter")
        await settle(pilot)
        assert app.screen.key_kind() == "social"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.detail.customer_id == caller
