"""A CSR deregisters a line at the counter by keyboard, watches the order run, and sees the pools right."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rich.console import Console
from sqlalchemy import select
from textual.widgets import Button, OptionList, Static

from crm_tui.app import CrmApp, LaunchRequest
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.deregistration import DeregistrationScreen
from crm_tui.screens.terminate import TerminateModal
from crm_tui.services.bootstrap import services_over
from crm_tui.services.context import Services
from crm_tui.services.lifecycle import deregistration, deregistration_quote
from crm_tui.storage.models.archive import ArchiveRecord
from crm_tui.storage.models.customers import Customer, Interaction
from crm_tui.storage.models.lines import NumberPoolEntry, SimCard, Subscriber
from crm_tui.storage.models.money import Payment
from crm_tui.storage.models.orders import Order
from crm_tui.storage.models.queues import QueueItem
from crm_tui.widgets.order_progress import OrderProgress
from tests.factories import make_customer
from tests.screens.conftest import FROZEN_NOW, settle, sign_in

LINE = "34612345678"
PENALTY = Decimal("96.33")
"""120.00 x 293 of 365 commitment days left on the frozen day (2026-03-14), half up."""
TOTAL = Decimal("23.45") + PENALTY


@pytest.fixture(autouse=True)
def counter_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Penalties are pro rata of the days left: quote and submit on the frozen day."""
    monkeypatch.setattr(deregistration, "utcnow", lambda: FROZEN_NOW)
    monkeypatch.setattr(deregistration_quote, "utcnow", lambda: FROZEN_NOW)


@pytest.fixture
def lucia(services):
    return make_customer(services, cert_number="12345678Z", service_number=LINE, outstanding=Decimal("23.45"))


def rows(services, model, *where):
    with services.reader() as uow:
        return uow.session.execute(select(model).where(*where)).scalars().all()


def with_faults(services: Services, faults: str) -> Services:
    return services_over(services.database, services.settings.model_copy(update={"faults": faults}))


def plain(widget: Static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=118, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def focused_id(app) -> str | None:
    return app.focused.id if app.focused is not None else None


async def open_lucia_and_press_d(pilot) -> DeregistrationScreen:
    await sign_in(pilot)
    await pilot.press("ctrl+f", *"12345678Z", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerViewScreen)
    await pilot.press("d")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DeregistrationScreen)
    return pilot.app.screen


async def decline_and_choose(pilot, *, number: str = "freeze", sim: str = "reuse") -> None:
    """Fee problem, the customer declines the offers, number and SIM modes, accepts the charges."""
    app = pilot.app
    assert focused_id(app) == "reason"
    await pilot.press("enter")  # Fee problem, the first reason
    await settle(pilot)
    assert focused_id(app) == "offers"
    offers = app.screen.query_one("#offers", OptionList)
    assert [offers.get_option_at_index(i).id for i in range(offers.option_count)] == [
        "FEE-30-6M",
        "CHEAPER-PLAN",
        "declined",
    ]
    await pilot.press("end", "enter")
    assert focused_id(app) == "number_mode"
    await pilot.press(*(("right",) if number == "freeze" else ()), "enter")
    assert focused_id(app) == "sim_mode"
    await pilot.press(*(("right",) if sim == "reuse" else ()), "enter")
    assert focused_id(app) == "accept"
    await pilot.press("space")


async def test_the_whole_deregistration_by_keyboard_from_the_customer_view(make_app, services, csr, lucia, monkeypatch):
    shown: list[tuple[str, int]] = []
    show = OrderProgress.show
    monkeypatch.setattr(
        OrderProgress,
        "show",
        lambda self, view: (shown.append((view.status, sum(s.status == "done" for s in view.steps))), show(self, view)),
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lucia_and_press_d(pilot)
        basics = " ".join(str(s.content) for s in screen.query(".basics-value"))
        assert (
            "+34 612 34 56 78" in basics and "Active" in basics and "Postpaid" in basics and "Test 4G 20 GB" in basics
        )
        assert screen.query_one("#section-resources").disabled  # locked until the customer answers the offers
        await decline_and_choose(pilot)
        assert focused_id(app) == "payment_method"
        assert f"Total due €{TOTAL}" in str(screen.query_one("#total-due", Static).content)
        await pilot.press("right", "enter")  # Card
        assert isinstance(app.focused, Button) and focused_id(app) == "submit"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.lines[1:4] == [
            "Number frozen for 90 days, then back to the pool",
            "SIM back to stock for reuse",
            "1 contract(s) ended",
        ]
        assert app.screen.lines[4] == f"Charge €{TOTAL} by card (outstanding €23.45 + penalty €{PENALTY})"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert shown[-1] == ("closed", 6)
        # live: each call to another system as it goes out (billing, network, billing), then recycling,
        # archiving and closing in one transaction, then the result
        assert [done for _status, done in shown] == [0, 1, 2, 6, 6]
        assert "deregistered: order ORD" in str(screen.query_one("#outcome", Static).content)
        receipt = plain(screen.query_one("#receipt", Static))
        assert "paid by card" in receipt
        [payment] = rows(services, Payment)
        assert payment.amount == TOTAL and payment.method == "card" and payment.receipt_number in receipt
        [number] = rows(services, NumberPoolEntry, NumberPoolEntry.service_number == LINE)
        assert number.state == "frozen" and abs(
            number.frozen_until - datetime.now(UTC) - timedelta(days=90)
        ) < timedelta(minutes=5)
        [sim] = rows(services, SimCard)
        assert sim.state == "available"
        [subscriber] = rows(services, Subscriber)
        assert subscriber.status == "archived" and subscriber.status_reason == "fee_problem"
        assert [o.status for o in rows(services, Order)] == ["closed"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.detail.subscribers[0].status == "archived" and app.screen.detail.status == "idle"


async def test_retention_accepted_ends_the_flow(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lucia_and_press_d(pilot)
        await pilot.press("enter")  # Fee problem
        await settle(pilot)
        await pilot.press("down", "enter")  # the cheaper plan
        assert isinstance(app.screen, ConfirmModal) and "nothing is deregistered" in app.screen.lines[1]
        await pilot.press("enter")
        await settle(pilot)
        assert "The customer stays" in str(screen.query_one("#outcome", Static).content)
        assert not screen.query_one("#section-payment").display and app.check_action("submit", ()) is not False
        assert screen.check_action("submit", ()) is False
        [subscriber] = rows(services, Subscriber)
        assert subscriber.status == "active"
        assert [i.kind for i in rows(services, Interaction, Interaction.kind == "retention")] == ["retention"]
        assert rows(services, Order) == [] and rows(services, Payment) == []


async def test_submit_too_early_points_at_what_is_missing(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lucia_and_press_d(pilot)
        await pilot.press("enter")  # Fee problem
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert screen.query_one("#field-retention").has_class("error") and focused_id(app) == "offers"
        assert rows(services, Order) == []


async def test_launched_for_a_line_whose_billing_step_fails(services, csr, lucia):
    faulty = with_faults(services, "cbs.deactivate:fail")
    app = CrmApp(faulty, LaunchRequest("deregister", {"service_number": "612 345 678"}), clock=lambda: FROZEN_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeregistrationScreen)
        assert "Lucía García Pérez" in str(screen.query_one("#dereg-customer", Static).content)
        await decline_and_choose(pilot, number="immediate", sim="abandon")
        await pilot.press("enter")  # Cash
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.lines[1:3] == ["Number released to the pool now", "SIM abandoned"]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen  # no crash: the failure is shown in place
        outcome = screen.query_one("#outcome", Static)
        assert outcome.has_class("error")
        assert str(outcome.content).startswith(
            "Failed at step 3 (Deactivate in billing): cbs.deactivate: simulated failure"
        )
        assert "waits in the failed-orders queue" in str(outcome.content)
        progress = screen.query_one(OrderProgress).view
        assert [s.status for s in progress.steps][:4] == ["done", "done", "failed", "pending"]
        [order] = rows(services, Order)
        assert order.status == "failed"
        [queued] = rows(services, QueueItem, QueueItem.queue == "failed_orders")
        assert queued.ref_id == order.order_number
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DeregistrationScreen)
        await pilot.press("ctrl+f", *"12345678Z", "enter")  # the customer view shows the failed order's steps
        await settle(pilot)
        orders = plain(app.screen.query_one("#customer-orders", Static))
        assert (
            f"{order.order_number} Deregistration +34 612 34 56 78 ✓✓✗··· Failed at step 3 of 6: Deactivate in billing"
            in orders
        )
        await pilot.press("d")  # the line waits for its order: no second deregistration
        await pilot.pause()
        assert isinstance(app.screen, CustomerViewScreen)
        assert app._notifications and "a supervisor retries or cancels it first" in list(app._notifications)[-1].message


async def test_terminate_the_customer_from_the_customer_view(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+f", *"12345678Z", "enter")
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TerminateModal)
        await pilot.press("enter")  # Customer request
        assert focused_id(app) == "archive-consent"
        await pilot.press("enter")  # yes, archive
        await pilot.press("enter")  # Continue
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Profile and preferences archived (the customer consents)" in app.screen.lines
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.detail.status == "terminated"
        [customer] = rows(services, Customer)
        assert customer.status == "terminated"
        [profile] = rows(services, ArchiveRecord, ArchiveRecord.kind == "customer")
        assert profile.consent is True
        assert [s.status for s in rows(services, Subscriber)] == ["archived"]


async def test_a_prepaid_balance_moves_to_another_account(make_app, services, csr):
    from crm_tui.storage.models.lines import Account

    make_customer(services, cert_number="12345678Z", service_number=LINE, balance=Decimal("40.00"))
    with services.writer() as uow:
        account = uow.session.execute(select(Account)).scalar_one()
        account.payment_type = "prepaid"
        uow.session.add_all(
            [account, Account(account_code="219999999999", customer_id=account.customer_id, balance=Decimal("0.00"))]
        )
        uow.commit()
    app = make_app(LaunchRequest("deregister", {"service_number": LINE}))
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        screen = app.screen
        assert "prepaid balance €40.00" in str(screen.query_one("#balance-title", Static).content)
        await decline_and_choose(pilot)
        assert focused_id(app) == "balance"
        await pilot.press("right", "enter")  # move to another account
        assert focused_id(app) == "balance_account"
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert focused_id(app) == "payment_method"
        await pilot.press("enter")  # cash
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Prepaid balance €40.00 moved to account 219999999999" in app.screen.lines
        await pilot.press("enter")
        await settle(pilot)
        assert "Prepaid balance: €40.00 moved to account 219999999999." in str(
            screen.query_one("#outcome", Static).content
        )
        balances = {a.account_code: a.balance for a in rows(services, Account)}
        assert balances["219999999999"] == Decimal("40.00") and sorted(balances.values()) == [
            Decimal("0.00"),
            Decimal("40.00"),
        ]
