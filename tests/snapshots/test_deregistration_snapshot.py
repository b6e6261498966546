"""The Deregistration screen at 120x40, filled in and ready to submit: the picture is the specification.

Review a changed SVG before `--snapshot-update`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from crm_tui.app import LaunchRequest
from crm_tui.services.lifecycle import deregistration, deregistration_quote
from crm_tui.storage.models.lines import Subscriber
from tests.factories import make_customer
from tests.screens.conftest import FROZEN_NOW, settle, sign_in

SIZE = (120, 40)
LINE = "34612345678"


@pytest.fixture
def lucia_line(services, csr, monkeypatch: pytest.MonkeyPatch) -> str:
    """One line with a bill and a commitment, every key and time fixed; quoted on the frozen day."""
    monkeypatch.setattr(deregistration, "utcnow", lambda: FROZEN_NOW)
    monkeypatch.setattr(deregistration_quote, "utcnow", lambda: FROZEN_NOW)
    make_customer(
        services,
        cert_number="12345678Z",
        service_number=LINE,
        imsi="214070000000001",
        iccid="8934070000000000015",
        outstanding=Decimal("23.45"),
    )
    with services.writer() as uow:
        subscriber = uow.session.execute(select(Subscriber)).scalar_one()
        subscriber.activated_at = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
        subscriber.language = "es"
        subscriber.written_language = "es"
        uow.session.add(subscriber)
        uow.commit()
    return LINE


def test_deregistration_filled_before_submit(snap_compare, make_app, lucia_line):
    async def fill(pilot):
        await sign_in(pilot)
        await settle(pilot)
        await pilot.press("enter")  # Fee problem
        await settle(pilot)
        await pilot.press("end", "enter")  # the customer declines the offers
        await pilot.press("right", "enter")  # number: freeze
        await pilot.press("right", "enter")  # SIM: reuse
        await pilot.press("space")  # the customer accepts the charges
        await pilot.press("right", "enter")  # pay by card
        await settle(pilot)

    app = make_app(LaunchRequest("deregister", {"service_number": lucia_line}))
    assert snap_compare(app, terminal_size=SIZE, run_before=fill)
