"""The Add line screen at 80x24 and 120x40, on its defaults with a golden number chosen and its fee
to pay: the picture is the specification. Review a changed SVG before `--snapshot-update`.
"""

from __future__ import annotations

import pytest

from tests.factories import make_customer, stock_pools
from tests.screens.conftest import settle, sign_in

LINE = "34612345678"


@pytest.fixture
def lucia(services, admin, csr) -> str:
    stock_pools(services, admin, numbers=3)
    return make_customer(services, cert_number="12345678Z", service_number=LINE)


async def open_add_line(pilot) -> None:
    await sign_in(pilot)
    await pilot.press("ctrl+f", *"12345678Z", "enter")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    await pilot.press("tab", "tab", "enter", "down", "enter")  # the golden number
    await pilot.pause()
    pilot.app.clear_notifications()
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_add_line_with_a_golden_number_before_submit(snap_compare, make_app, lucia, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=open_add_line)
