"""Every screen at 80x24 (the smallest terminal it must be usable on) and 120x40 (the shop's usual one):
sign-in, Query Customers with results, the customer view and its help, its suspend, terminate and
verify-the-caller modals and its receipts, Registration, Deregistration, Resume, the supervisor queues,
a merge and the blacklist. (Edit profile and Add line have their own snapshot modules.) Data, clock and time zone fixed
(tests/snapshots/conftest.py and the fixtures borrowed from the neighbouring snapshot modules).

Review a changed SVG before `--snapshot-update`: the picture is the specification.
"""

from __future__ import annotations

import pytest

from crm_tui.app import LaunchRequest
from tests.screens.conftest import settle, sign_in
from tests.snapshots.shop import shop_customers  # noqa: F401 - a fixture
from tests.snapshots.test_deregistration_snapshot import lucia_line  # noqa: F401 - a fixture
from tests.snapshots.test_queues_snapshot import waiting_work  # noqa: F401 - a fixture
from tests.snapshots.test_resume_snapshot import debt_suspended_line  # noqa: F401 - a fixture

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


async def _open_lucia(pilot) -> None:
    await sign_in(pilot)
    await pilot.press("ctrl+f", *"612345678", "enter")
    await settle(pilot)


@SIZES
def test_sign_in(snap_compare, make_app, csr, size):
    assert snap_compare(make_app(), terminal_size=size)


@SIZES
def test_query_customers_with_results(snap_compare, make_app, shop_customers, size):  # noqa: F811
    async def search(pilot):
        await sign_in(pilot)
        await pilot.press("ctrl+f", *"garcia", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=search)


@SIZES
def test_customer_view(snap_compare, make_app, shop_customers, size):  # noqa: F811
    assert snap_compare(make_app(), terminal_size=size, run_before=_open_lucia)


@SIZES
def test_customer_view_help(snap_compare, make_app, shop_customers, size):  # noqa: F811
    async def help_on_the_customer(pilot):
        await _open_lucia(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=help_on_the_customer)


@SIZES
@pytest.mark.parametrize("key", ["s", "t", "v", "p"], ids=["suspend", "terminate", "verify-caller", "receipts"])
def test_customer_view_modals(snap_compare, make_app, shop_customers, size, key):  # noqa: F811
    async def open_modal(pilot):
        await _open_lucia(pilot)
        await pilot.press(key)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_modal)


@SIZES
def test_registration(snap_compare, make_app, csr, size):
    async def open_registration(pilot):
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_registration)


@SIZES
def test_deregistration(snap_compare, make_app, lucia_line, size):  # noqa: F811
    async def opened(pilot):
        await sign_in(pilot)
        await settle(pilot)

    app = make_app(LaunchRequest("deregister", {"service_number": lucia_line}))
    assert snap_compare(app, terminal_size=size, run_before=opened)


@SIZES
def test_resume(snap_compare, make_app, debt_suspended_line, size):  # noqa: F811
    async def opened(pilot):
        await sign_in(pilot)
        await settle(pilot)

    app = make_app(LaunchRequest("resume", {"service_number": debt_suspended_line}))
    assert snap_compare(app, terminal_size=size, run_before=opened)


@SIZES
def test_queues(snap_compare, make_app, waiting_work, size):  # noqa: F811
    async def open_queues(pilot):
        await sign_in(pilot, "sam")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("tab")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_queues)


@SIZES
def test_merge(snap_compare, make_app, waiting_work, size):  # noqa: F811
    async def open_pair(pilot):
        await sign_in(pilot, "sam")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_pair)


@SIZES
def test_blacklist(snap_compare, make_app, shop_customers, size):  # noqa: F811
    async def open_blacklist(pilot):
        await sign_in(pilot)
        await pilot.press("ctrl+p", *"Blacklist")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_blacklist)
