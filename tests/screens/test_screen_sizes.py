"""Every screen usable at 80x24 and comfortable at 120x40 and 200x60: the columns that matter stay, the
customer view keeps its balance, mobile and all seven tabs, the footer leads with the screen's keys."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import Static, TabbedContent

from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.widgets.fitted_table import FitColumn, FittedTable, fit_widths, measured
from crm_tui.widgets.footer import shown_keys
from tests.factories import make_customer
from tests.screens.conftest import settle, sign_in

SIZES = [(80, 24), (120, 40), (200, 60)]


@pytest.fixture
def lucia(services) -> str:
    return make_customer(
        services,
        cert_number="12345678Z",
        email="lucia.garcia@example.com",
        mobile="34612345678",
        service_number="34612345678",
        imsi="214070000000001",
        iccid="8934070000000000015",
        outstanding=Decimal("45.90"),
    )


def test_the_least_important_columns_go_first_and_the_most_important_always_stays():
    columns = [
        FitColumn("Name", priority=0, width=20, min_width=10, grow=True),
        FitColumn("Email", priority=3, width=20),
        FitColumn("State", priority=1, width=8),
        FitColumn("Operation", priority=2, width=9),
    ]
    sizes = measured(columns, [])
    assert fit_widths(columns, sizes, 80) == [20 + 80 - 65, 20, 8, 9]  # the room left goes to the name
    assert fit_widths(columns, sizes, 200) == [60, 20, 8, 9]  # up to its max_width
    assert fit_widths(columns, sizes, 50) == [20 + 50 - 43, None, 8, 9]  # email goes, state and operation stay
    assert fit_widths(columns, sizes, 30) == [18, None, 8, None]  # then the operation; the name takes the room
    assert fit_widths(columns, sizes, 5) == [10, None, None, None]


def test_a_column_measured_from_its_cells_is_as_wide_as_the_widest():
    columns = [FitColumn("ICCID"), FitColumn("Summary")]
    assert measured(columns, [("8934070000000000015", "x" * 90)]) == [(19, 19), (40, 40)]


@pytest.mark.parametrize("size", SIZES)
async def test_results_keep_state_and_operation_at_every_size(make_app, csr, lucia, services, size):
    make_customer(services, first_name="Pablo", last_name="García Ruiz", cert_number="23456789D")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+f", *"garcia", "enter")
        await settle(pilot)
        shown = app.screen.query_one("#results", FittedTable).shown_columns
        assert shown[0] == "Customer Name" and shown[-2:] == ["State", "Operation"]
        assert "Mobile Number" in shown
        if size[0] >= 120:
            assert len(shown) == 8
        else:
            assert "Email" not in shown


@pytest.mark.parametrize("size", SIZES)
async def test_the_customer_view_keeps_the_balance_the_mobile_and_every_tab(make_app, csr, lucia, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+f", *lucia, "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerViewScreen)
        region = screen.region
        for label in ("Outstanding", "Mobile"):
            value = next(w for w in screen.query(".profile-label").results(Static) if str(w.render()) == label).region
            assert region.contains_region(value), label
        tabs = screen.query_one(TabbedContent)
        tab_regions = [tabs.get_tab(f"tab-{section}").region for section in ("lines", "interactions")]
        assert all(region.contains_region(r) and r.width > 0 for r in tab_regions)
        lines = screen.query_one("#table-lines", FittedTable).shown_columns
        assert lines[:2] == ["Service Number", "Status"]
        if size[0] == 80:
            assert "IMSI" not in lines
        if size[0] == 200:
            assert "IMSI" in lines and len(lines) == 8


async def test_the_footer_leads_with_help_then_the_screens_own_keys(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+f", *lucia, "enter")
        await settle(pilot)
        keys = [key for key, *_ in shown_keys(app.screen)]
        assert keys[:7] == ["f1", "v", "e", "n", "s", "r", "d"]  # the counter's everyday keys (FOOTER_FIRST)
        assert keys.index("d") < keys.index("t")  # terminating the whole customer is rarer: further right
        assert keys.index("slash") < keys.index("f2") < keys.index("escape") < keys.index("ctrl+q")
