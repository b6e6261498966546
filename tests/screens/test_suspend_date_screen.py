"""A suspension reserved for a day, by keyboard from the customer view: the modal's effective date
(checked before anything is sent), the order waits, the line stays active until run-due."""

from __future__ import annotations

from datetime import UTC, date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.suspend import SuspendModal
from crm_tui.services import operators
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.models.orders import Order
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer
from tests.screens.conftest import settle, sign_in

LINE = "34612345678"


@pytest.fixture
def lucia(services) -> str:
    return make_customer(services, cert_number="12345678Z", service_number=LINE)


async def suspend_modal(pilot, username: str) -> SuspendModal:
    """Signed in as `username`, Lucía identified by her DNI, `s` pressed: the modal open."""
    await sign_in(pilot, username)
    await pilot.press("ctrl+f", *"12345678Z", "enter")
    await settle(pilot)
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, SuspendModal)
    return pilot.app.screen


async def test_a_suspension_reserved_for_a_day(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await suspend_modal(pilot, "alice")
        await pilot.press("down", "down", "enter")  # Travel
        await pilot.press(*"Abroad until June", "tab", *"2020-01-01", "enter")
        await pilot.pause()
        assert app.screen is modal  # a past day is refused at its field
        assert modal.query_one("#field-effective_date").has_class("error")
        await pilot.press(*["backspace"] * 10, *"2030-03-01", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        with services.reader() as uow:
            order = uow.session.execute(select(Order)).scalar_one()
            assert (order.type, order.status, order.payload["reason"]) == ("suspend", "reserved", "travel")
            assert uow.session.execute(select(Subscriber.status)).scalar_one() == "active"
            assert uow.session.execute(select(QueueItem.queue)).scalars().all() == ["reserved_orders"]


async def test_the_whole_modal_fits_80x24_with_a_message_for_a_spanish_supervisor(
    make_app, services, supervisor, lucia
):
    """Six reasons (a supervisor's), Spanish words (longer), and the message a missing reason adds:
    the box keeps inside the terminal with no scrollbar, the buttons and the last line of help whole."""
    operators.set_language("es", uow=services.writer(), actor=supervisor)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await suspend_modal(pilot, "sam")
        await pilot.press("ctrl+s")  # no reason chosen: a message at the field, nothing sent
        await pilot.pause()
        assert modal.query_one("#field-reason").has_class("error")
        box = modal.query_one("#suspend-box")
        screen = modal.region
        assert screen.contains_region(box.region)
        assert not box.show_vertical_scrollbar and not box.show_horizontal_scrollbar
        inside = box.content_region
        for part in ("#suspension-reason", "#suspend-effects", "#suspend", "#cancel"):
            assert inside.contains_region(modal.query_one(part).region), part
        assert len(modal.query("#suspension-reason RadioButton")) == 6


async def test_a_spanish_csr_types_the_day_as_she_writes_it(make_app, services, csr, lucia):
    """The day as every other date of the Spanish workbench reads (01/03/2030), ISO not required;
    the placeholder shows that way, a wrong one is refused at its field in her words."""
    operators.set_language("es", uow=services.writer(), actor=csr)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await suspend_modal(pilot, "alice")
        assert modal.query_one("#suspension-date").placeholder == "31/12/2026; vacío suspende ya"
        await pilot.press("down", "down", "enter", "tab", *"31/02/2030", "enter")  # Travel; no 31 February
        await pilot.pause()
        assert app.screen is modal and modal.query_one("#field-effective_date").has_class("error")
        assert "Una fecha como 31/12/2026 o 2030-03-01." in str(
            modal.query_one("#field-effective_date .field-error").render()
        )
        await pilot.press(*["backspace"] * 10, *"01/03/2030", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        with services.reader() as uow:
            order = uow.session.execute(select(Order)).scalar_one()
            assert (order.type, order.status) == ("suspend", "reserved")
            at = order.effective_at if order.effective_at.tzinfo else order.effective_at.replace(tzinfo=UTC)
            assert at.astimezone(ZoneInfo("Europe/Madrid")).date() == date(2030, 3, 1)  # the shop's day
