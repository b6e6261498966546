"""At the counter by keyboard: suspend a line, resume it now or on a date (and cancel that), pay a
debt to resume, send a fraud case to the supervisor, and bring a former customer back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from textual.widgets import Checkbox, Input, RadioSet, Select, Static

from crm_tui.app import LaunchRequest
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.reestablish import ReestablishScreen
from crm_tui.screens.resume import ResumeScreen
from crm_tui.screens.suspend import SuspendModal
from crm_tui.services.lifecycle.suspension import suspend_subscriber
from crm_tui.services.lifecycle.termination import terminate_customer
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.orders import Order
from crm_tui.storage.models.queues import QueueItem
from crm_tui.widgets.order_progress import CustomerOrders
from tests.factories import make_customer, stock_pools
from tests.screens.conftest import open_lucia, settle, sign_in
from tests.screens.test_deregistration_screen import plain

LINE = "34612345678"


@pytest.fixture
def lucia(services) -> str:
    return make_customer(services, cert_number="12345678Z", service_number=LINE)


def line(services) -> Subscriber:
    """Lucía's live line (a re-established customer also has the archived one)."""
    with services.reader() as uow:
        return uow.session.execute(
            select(Subscriber).where(Subscriber.status.in_(["active", "suspended"]))
        ).scalar_one()


def suspend(services, actor, reason: str) -> None:
    suspend_subscriber(LINE, services=services, actor=actor, reason=reason)


async def press_r(pilot) -> ResumeScreen:
    await open_lucia(pilot)
    await pilot.press("r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ResumeScreen)
    return screen


def outcome(screen) -> str:
    return plain(screen.query_one("#outcome", Static))


async def test_resume_now_by_keyboard_from_the_customer_view(make_app, services, csr, lucia):
    suspend(services, csr, "travel")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await press_r(pilot)
        assert plain(screen.query_one("#status-value", Static)).strip() == "Suspended"
        assert plain(screen.query_one("#details-value", Static)).startswith("Travel · since ")
        assert app.focused.id == "reason"
        await pilot.press(*"Back from holidays")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Nothing to charge" in app.screen.lines
        assert any("the line becomes active" in effect for effect in app.screen.lines)
        await pilot.press("enter")
        await settle(pilot)
        assert line(services).status == "active"
        assert "resumed: order" in outcome(screen) and "closed" in outcome(screen)
        assert "Mark the line active" in plain(screen.query_one("#progress"))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.detail.subscribers[0].status == "active"


async def test_reserved_resumption_waits_shows_in_the_customer_view_and_is_cancelled_with_x(
    make_app, services, csr, lucia
):
    suspend(services, csr, "customer_request")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await press_r(pilot)
        date_input = screen.query_one("#effective_date", Input)
        assert date_input.disabled  # Immediately is the default
        await pilot.press(*"Customer asked", "tab")
        assert app.focused.id == "effective_mode"
        await pilot.press("right", "enter")  # Reserved
        await pilot.pause()
        assert not date_input.disabled and app.focused is date_input
        await pilot.press(*"2026-03-14", "ctrl+s")  # today (the frozen clock): too soon for a reservation
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert "after today" in plain(screen.query_one("#field-effective_date .field-error"))
        date_input.value = ""
        await pilot.press(*"1/3/2030", "ctrl+s")  # typed the operator's way (en_IE and es: day first)
        await pilot.pause()
        assert any("Reserved for 1/3/2030" in effect for effect in app.screen.lines)
        await pilot.press("enter")
        await settle(pilot)
        with services.reader() as uow:
            order = uow.session.execute(select(Order).where(Order.type == "resume")).scalar_one()
        assert order.status == "reserved" and line(services).status == "suspended"
        assert order.effective_at.isoformat().startswith("2030-02-28T23:00")  # 1 March 2030, midnight in Madrid
        assert "Reserved for 1/3/2030" in outcome(screen)

        await pilot.press("escape")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, CustomerViewScreen)
        assert view.query_one(CustomerOrders).orders[order.order_number].status == "reserved"

        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResumeScreen) and screen.reserved is not None
        assert "Reserved for 1/3/2030" in outcome(screen) and "x cancels" in outcome(screen)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(pilot)
        with services.reader() as uow:
            assert uow.session.get(Order, order.id).status == "cancelled"
        assert line(services).status == "suspended"
        assert "Reservation cancelled" in outcome(screen) and screen.reserved is None


async def test_a_debt_suspension_needs_the_debt_paid(make_app, services, csr, lucia):
    with services.writer() as uow:
        account = uow.session.execute(select(Account)).scalar_one()
        uow.session.add(Charge(account_id=account.id, amount=Decimal("42.10"), description="Unpaid bill"))
        uow.commit()
    suspend_subscriber(LINE, services=services, actor=None, reason="debt")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await press_r(pilot)
        checkout = plain(screen.query_one("#checkout", Static))
        assert "Outstanding debt" in checkout and "€42.10" in checkout and "€10.00" in checkout
        await pilot.press(*"Paid at the counter", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert app.focused is screen.query_one("#pay_outstanding", Checkbox)
        await pilot.press("space")  # pay the debt now
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is screen.query_one("#payment_method", RadioSet)
        await pilot.press("right", "enter")  # card
        assert "€52.10" in plain(screen.query_one("#total-due", Static))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert any(effect.startswith("Charge €52.10 by card now") for effect in app.screen.lines)
        await pilot.press("enter")
        await settle(pilot)
        assert line(services).status == "active"
        assert "Paid €52.10, receipt RC" in outcome(screen)
        with services.reader() as uow:
            assert (
                uow.session.execute(select(Charge.status).where(Charge.description == "Unpaid bill")).scalar_one()
                == "paid"
            )


async def test_a_csr_on_a_fraud_suspension_sends_it_to_the_supervisor(make_app, services, csr, supervisor, lucia):
    suspend(services, supervisor, "fraud")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await press_r(pilot)
        notice = screen.query_one("#supervisor-notice", Static)
        assert notice.display and "Needs a supervisor" in plain(notice)
        assert [value for _label, value in screen.query_one("#operation", Select)._options] == ["customer_request"]
        await pilot.press(*"Identity proven", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and "supervisor" in app.screen.title_text
        await pilot.press("enter")
        await settle(pilot)
        assert "Sent to the supervisor's queue (Resumptions after fraud" in outcome(screen)
        assert "stays suspended" in outcome(screen)
        assert line(services).status == "suspended"
        with services.reader() as uow:
            assert (
                uow.session.execute(select(QueueItem.ref_id).where(QueueItem.queue == "fraud_resumptions")).scalar_one()
                == LINE
            )


async def test_a_supervisor_is_offered_every_operation_type(make_app, services, supervisor, lucia):
    suspend(services, supervisor, "admin")
    app = make_app(LaunchRequest("resume", {"service_number": "612 345 678"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "sam")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResumeScreen)
        assert [value for _label, value in screen.query_one("#operation", Select)._options] == [
            "customer_request",
            "administrator",
            "system_trigger",
        ]
        assert not screen.query_one("#supervisor-notice", Static).display
        screen.query_one("#operation", Select).value = "administrator"
        await pilot.press(*"Audit done", "ctrl+s")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert line(services).status == "active"


async def test_suspend_with_s_from_the_customer_view(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot)
        await pilot.press("s")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, SuspendModal)
        assert "Fraud" not in [r.label for r in modal.reasons]  # a CSR is not offered fraud or admin
        await pilot.press("down", "enter")  # Lost or stolen SIM
        await pilot.pause()
        await pilot.press(*"Lost in the metro", "enter")
        await settle(pilot)
        assert line(services).status == "suspended" and line(services).status_reason == "lost_sim"
        view = app.screen
        assert isinstance(view, CustomerViewScreen)
        assert view.detail.subscribers[0].status == "suspended"
        assert "Suspended (Lost or stolen SIM)" in str(view.query_one("#table-lines").get_row_at(0)[1])


async def test_a_supervisor_may_suspend_for_fraud_via_launch(make_app, services, supervisor, lucia):
    app = make_app(LaunchRequest("suspend", {"service-number": LINE}))
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "sam")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SuspendModal)
        labels = [r.label for r in modal.reasons]
        assert labels[-2:] == ["Fraud", "Admin"]
        modal.query_one("#suspension-reason", RadioSet).query("RadioButton")[labels.index("Fraud")].value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert line(services).status_reason == "fraud"
        assert isinstance(app.screen, CustomerViewScreen)


async def test_launch_resume_opens_the_resume_screen(make_app, services, csr, lucia):
    suspend(services, csr, "lost_sim")
    app = make_app(LaunchRequest("resume", {"service_number": LINE}))
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResumeScreen)
        assert screen.quote.fee == Decimal("5.00")
        assert "Lost or stolen SIM" in plain(screen.query_one("#details-value", Static))


# --- re-establish ------------------------------------------------------------------------------------


@pytest.fixture
def former(services, csr, admin, lucia) -> str:
    """Lucía left: her number is frozen for her."""
    stock_pools(services, admin)
    terminate_customer(
        lucia, services=services, actor=csr, reason="customer_request", archive_consent=True, number_mode="freeze"
    )
    return lucia


async def test_reestablish_by_former_service_number_with_the_number_recovered(make_app, services, csr, former):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Re-establish")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReestablishScreen)
        screen.query_one("#former_service_number", Input).focus()
        await pilot.press(*"612 345 678", "enter")
        await settle(pilot)
        assert screen.found is not None and screen.found.customer_id == former
        kept = plain(screen.query_one("#kept", Static))
        assert "Consent to archive: yes" in kept and "Past interactions:" in kept
        assert "recoverable" in str(screen.query_one("#former-lines").get_row_at(0)[3])
        screen.query_one("#offering", Select).value = "OLA-PRE-4G-10"
        await pilot.press("ctrl+s")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, CustomerViewScreen) and view.customer_id == former
        assert view.detail.status == "active"
        assert line(services).service_number == LINE and line(services).status == "active"
        assert view.detail.interactions[0].kind == "reestablish"


async def test_b_on_a_terminated_customer_finds_them_and_restores_idle(make_app, services, csr, former):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+f", *former, "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        await pilot.press("b")  # "bring back"
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReestablishScreen) and screen.found.customer_id == former
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.detail.status == "idle"


async def test_erased_customers_have_nothing_to_restore(make_app, services, csr, former):
    with services.writer() as uow:
        customer = uow.session.execute(select(Customer).where(Customer.customer_id == former)).scalar_one()
        customer.status = "erased"
        uow.session.add(customer)
        uow.commit()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        app.open_reestablish(customer_id=former)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReestablishScreen) and screen.found is None
        assert plain(screen.query_one("#outcome", Static)).startswith("Nothing to restore:")
        assert not screen.query_one("#section-kept").display
