"""The customer view redrawn in place (the operator switched language): what it loads after compose
is loaded again, and its two-second orders tick does not fail while the screen is being rebuilt."""

from __future__ import annotations

from crm_tui.widgets.order_progress import CustomerOrders
from tests.screens.conftest import open_lucia, settle, sign_in


async def test_the_orders_tick_landing_while_the_view_is_rebuilt_does_not_fail(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await open_lucia(pilot)
        await screen.query_one(CustomerOrders).remove()  # as recompose leaves it, between removing and mounting
        screen._refresh_running_orders()  # the tick (before: NoMatches, and the workbench stopped)
        await settle(pilot)
        assert app.screen is screen and app.is_running


async def test_a_redrawn_view_loads_its_orders_and_social_accounts_again(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        screen = await open_lucia(pilot)
        screen.social_accounts = None  # type: ignore[assignment]
        old_orders = screen.query_one(CustomerOrders)
        await screen.recompose()
        await settle(pilot)
        orders = screen.query_one(CustomerOrders)
        assert orders is not old_orders
        assert orders.display is False  # no empty orders box: nothing is running for Lucía
        assert screen.social_accounts == []  # loaded again (she has none)
