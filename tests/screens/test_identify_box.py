"""The identify box: whatever the customer hands over, typed at the top of any screen, then Enter."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.query_customers import QueryCustomersScreen
from tests.factories import make_customer
from tests.screens.conftest import settle, sign_in


@pytest.fixture
def two_martins(services):
    return [
        make_customer(
            services, first_name="Ana", last_name="Martín Ruiz", cert_number="11111111H", service_number="34611000001"
        ),
        make_customer(
            services, first_name="Pablo", last_name="Martín Gil", cert_number="22222222J", service_number="34611000002"
        ),
    ]


async def identify(pilot, key: str) -> None:
    await pilot.press("ctrl+f")
    await pilot.press(*key, "enter")
    await settle(pilot)


def box_message(app) -> str:
    return str(app.screen.query_one("#identify-message", Static).render())


@pytest.mark.parametrize(
    "key, kind",
    [
        ("LUCIA", "customer_id"),
        ("lucia@example.com", "email"),
        ("214070000000001", "imsi"),
        ("8934070000000000015", "iccid"),
        ("612 345 678", "service_number"),
        ("+34612345678", "service_number"),
        ("12345678Z", "certificate"),
        ("garcía pérez", "name"),
    ],
)
async def test_one_match_opens_the_customer_and_records_how_they_were_identified(
    make_app, csr, lucia, two_martins, key, kind
):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await identify(pilot, lucia if key == "LUCIA" else key)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.detail.customer_id == lucia
        assert app.current_customer_id == lucia
        [interaction] = app.screen.detail.interactions
        assert (interaction.kind, interaction.key_kind, interaction.operator) == ("identify", kind, "alice")
        interactions = app.screen.query_one("#table-interactions", DataTable)
        assert interactions.row_count == 1


async def test_several_matches_show_the_list_with_the_cursor_on_the_first(make_app, csr, lucia, two_martins):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await identify(pilot, "martin")
        assert isinstance(app.screen, QueryCustomersScreen)
        table = app.screen.query_one("#results", DataTable)
        assert sorted(key.value for key in table.rows) == sorted(two_martins)
        assert table.cursor_row == 0
        assert app.focused is table
        assert app.screen.query_one("#name", Input).value == "martin"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.detail.interactions[0].key_kind == "name"


async def test_no_match_says_so_and_keeps_the_text(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await identify(pilot, "Zebedee Nobody")
        assert isinstance(app.screen, QueryCustomersScreen)
        assert box_message(app) == "No customer matches. Looked for: Name."
        assert app.screen.query_one("#identify-input", Input).value == "Zebedee Nobody"
        assert app.focused is app.screen.query_one("#identify-input", Input)


async def test_a_malformed_imsi_gets_a_message_not_a_customer(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await identify(pilot, "99999000000000")  # 14 digits: no IMSI, no phone number
        assert isinstance(app.screen, QueryCustomersScreen)
        assert box_message(app).startswith("No customer matches.")
        assert app.screen.query_one("#identify-input", Input).value == "99999000000000"


async def test_an_empty_box_asks_for_a_key(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await identify(pilot, "")
        assert box_message(app) == "Type something to look for."
        assert app.screen.query_one("IdentifyBox").has_class("error")


async def test_identifying_from_a_customer_view_replaces_it(make_app, csr, lucia, two_martins):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await identify(pilot, "12345678Z")
        assert app.screen.detail.customer_id == lucia
        await identify(pilot, "22222222J")
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.detail.customer_id == two_martins[1]
        assert len(app.screen_stack) == 3  # default, Query Customers, this view
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueryCustomersScreen)


async def test_slash_pressed_again_in_the_box_is_not_typed(make_app, csr, lucia):
    """`/` brings the CSR to the box; a second `/` (habit) must not become part of the key."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("slash", "slash", *"612345678", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.customer_id == lucia
