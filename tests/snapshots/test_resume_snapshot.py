"""The Resume screen at 120x40 for a debt suspension, filled in and ready to submit: the picture is the
specification. Review a changed SVG before `--snapshot-update`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from crm_tui.app import LaunchRequest
from crm_tui.services.lifecycle.suspension import suspend_subscriber
from crm_tui.storage.models.lines import Account, Subscriber
from crm_tui.storage.models.money import Charge
from tests.factories import make_customer
from tests.screens.conftest import settle, sign_in

SIZE = (120, 40)
LINE = "34612345678"


@pytest.fixture
def debt_suspended_line(services, csr) -> str:
    """Billing suspended Lucía's line for an unpaid bill on a fixed day."""
    make_customer(services, cert_number="12345678Z", service_number=LINE)
    with services.writer() as uow:
        account = uow.session.execute(select(Account)).scalar_one()
        uow.session.add(Charge(account_id=account.id, amount=Decimal("42.10"), description="Unpaid bill"))
        uow.commit()
    suspend_subscriber(LINE, services=services, actor=None, reason="debt")
    with services.writer() as uow:
        subscriber = uow.session.execute(select(Subscriber)).scalar_one()
        subscriber.status_since = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
        uow.session.add(subscriber)
        uow.commit()
    return LINE


def test_resume_a_debt_suspension_filled_before_submit(snap_compare, make_app, debt_suspended_line):
    async def fill(pilot):
        await sign_in(pilot)
        await settle(pilot)
        await pilot.press(*"Paid at the counter")
        await pilot.press("ctrl+s")  # not ready: the cursor jumps to "pay the debt now"
        await pilot.press("space")
        await pilot.press("ctrl+s")  # not ready: the cursor jumps to "pay by"
        await pilot.press("right", "enter")  # card
        await pilot.pause()
        pilot.app.clear_notifications()
        await settle(pilot)

    app = make_app(LaunchRequest("resume", {"service_number": debt_suspended_line}))
    assert snap_compare(app, terminal_size=SIZE, run_before=fill)
