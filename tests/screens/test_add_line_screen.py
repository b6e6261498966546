"""At the counter by keyboard: `n` on the customer view adds a line on the defaults in three keys; a
golden number with its fee paid, ctrl+n back to the pool, a hold shown in place, the palette's entry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from textual.widgets import RadioSet, Select, Static

from crm_tui.screens.add_line import POOL, AddLineScreen
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.models.money import Payment
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer, stock_pools
from tests.screens.conftest import settle, sign_in
from tests.screens.test_deregistration_screen import plain

LINE = "34612345678"
GOLDEN = "34600777777"


@pytest.fixture
def lucia(services, admin) -> str:
    stock_pools(services, admin, numbers=3)
    return make_customer(services, cert_number="12345678Z", service_number=LINE)


def numbers(services) -> list[tuple[str, str]]:
    with services.reader() as uow:
        rows = uow.session.execute(select(Subscriber.service_number, Subscriber.status).order_by(Subscriber.id))
        return [tuple(row) for row in rows]


async def press_n(pilot) -> AddLineScreen:
    await pilot.press("ctrl+f", *"12345678Z", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerViewScreen)
    await pilot.press("n")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AddLineScreen)
    return screen


def outcome(screen) -> str:
    return plain(screen.query_one("#outcome", Static))


async def test_a_line_on_the_defaults_is_three_keys_from_the_customer_view(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await press_n(pilot)  # key 1: n
        assert screen.query_one("#service_number", Select).value == POOL
        shown = screen.query_one("#service_number #label", Static)
        assert plain(shown).startswith("Pool's next: +34 600 00 00 00 (3 free)")
        assert plain(screen.query_one("#contract", Static)).startswith("Contract: 12-month commitment")
        await pilot.press("ctrl+s")  # key 2: what will happen
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ConfirmModal)
        await pilot.press("enter")  # key 3: confirm
        await settle(pilot)
        assert "+34 600 00 00 00 added on account" in outcome(screen)
        assert "closed" in outcome(screen)
        assert [s.status for s in screen.progress.view.steps] == ["done"] * 5
        assert numbers(services) == [(LINE, "active"), ("34600000000", "active")]
        await pilot.press("escape")
        await settle(pilot)
        view = pilot.app.screen
        assert isinstance(view, CustomerViewScreen)
        assert sorted(line.service_number for line in view.detail.subscribers) == ["34600000000", LINE]


async def test_ctrl_n_puts_the_pools_next_number_back(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await press_n(pilot)
        await pilot.press("tab", "tab")  # account -> offering -> number
        await pilot.press("enter", "down", "enter")  # the first golden number: the cursor goes to "Pay by"
        await pilot.pause()
        assert screen.query_one("#service_number", Select).value == GOLDEN
        assert screen.query_one("#payment_method", RadioSet).has_focus
        assert "49.90" in plain(screen.query_one("#total-due", Static))
        await pilot.press("ctrl+n")  # back to the pool: nothing to pay
        await pilot.pause()
        assert screen.query_one("#service_number", Select).value == POOL
        assert not screen.query_one("#field-payment_method").display
        await pilot.press("ctrl+s", "enter")
        await settle(pilot)
        assert "+34 600 00 00 00 added" in outcome(screen)
        assert numbers(services) == [(LINE, "active"), ("34600000000", "active")]


async def test_a_golden_number_paid_in_cash_is_nine_keys(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await press_n(pilot)  # 1
        await pilot.press("tab", "tab", "enter", "down", "enter")  # 2-6: to the number, the first golden one
        await pilot.press("enter")  # 7: cash (the cursor is on "Pay by")
        await pilot.press("ctrl+s", "enter")  # 8-9: what will happen, confirm
        await settle(pilot)
        assert "receipt RC" in outcome(screen) and "+34 600 77 77 77 added" in outcome(screen)
        with services.reader() as uow:
            [payment] = uow.session.execute(select(Payment)).scalars().all()
            assert (payment.method, payment.amount) == ("cash", Decimal("49.90"))
        assert (GOLDEN, "active") in numbers(services)


async def test_a_banned_customer_is_held_in_place(make_app, services, csr, lucia):
    with services.writer() as uow:
        uow.session.add(
            BlacklistEntry(cert_type="national_id", cert_number="12345678Z", cert_country="ES", reason="Fraud 2024")
        )
        uow.commit()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await press_n(pilot)
        await pilot.press("ctrl+s", "enter")
        await settle(pilot)
        assert "supervisor decides" in outcome(screen) and "Fraud 2024" in outcome(screen)
        assert screen.query_one("#outcome", Static).has_class("held")
        assert numbers(services) == [(LINE, "active")]
        with services.reader() as uow:
            assert uow.session.execute(select(QueueItem.queue)).scalars().all() == ["held_registrations"]


async def test_the_palette_offers_a_new_line_on_the_customer_view(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+f", *"12345678Z", "enter")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"New line", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AddLineScreen)


async def test_the_accounts_and_offerings_say_prepaid_or_postpaid_in_the_operators_words(
    make_app, services, csr, lucia
):
    """They said the stored slug ('21000000001 · postpaid · 1 línea') on a Spanish counter."""
    from crm_tui.services import operators

    operators.set_language("es", uow=services.writer(), actor=csr)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await press_n(pilot)
        shown = [
            str(prompt)
            for selector in ("#account", "#offering")
            for prompt, _value in screen.query_one(selector, Select)._options
        ]
        assert any(" · Pospago · " in option or " · Prepago · " in option for option in shown), shown
        assert not any("postpaid" in option or "prepaid" in option for option in shown), shown
