"""Query Customers as a CSR uses it: each key finds the customer, Reset clears, pages turn, Enter opens."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Select, Static

from crm_tui.config import Settings
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.query_customers import QueryCustomersScreen
from crm_tui.services.bootstrap import open_services
from tests.factories import make_customer
from tests.screens.conftest import settle, sign_in, type_into


@pytest.fixture
def someone_else(services):
    return make_customer(
        services, first_name="Pedro", last_name="Ruiz", cert_number="87654321X", service_number="34699000111"
    )


def rows(app) -> list[str]:
    table = app.screen.query_one("#results", DataTable)
    return [key.value for key in table.rows]


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


@pytest.mark.parametrize(
    "field, value",
    [
        ("cert_number", "12345678z"),
        ("service_number", "612 345 678"),
        ("name", "garcia"),
        ("imsi", "214070000000001"),
        ("iccid", "8934070000000000015"),
        ("email", "Lucia@Example.com"),
        ("customer_id", "LUCIA"),
    ],
)
async def test_each_search_key_finds_the_customer(make_app, csr, lucia, someone_else, field, value):
    value = lucia if value == "LUCIA" else value
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await type_into(pilot, f"#{field}", value)
        await pilot.press("enter")
        await settle(pilot)
        assert rows(app) == [lucia]
        assert text_of(app, "#page-info") == "Page 1 of 1 · 1 customer"
        assert app.screen.query_one("#no-data").display is False
        row = app.screen.query_one("#results", DataTable).get_row_at(0)
        assert [str(cell) for cell in row] == [
            "Lucía García Pérez",
            "Female",
            "ES",
            "—",
            "lucia@example.com",
            "B",
            "Active",
            "Open ▸",
        ]


async def test_certificate_type_narrows_the_certificate_search(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await type_into(pilot, "#cert_number", "12345678Z")
        app.screen.query_one("#cert_type", Select).value = "passport"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app) == []
        assert app.screen.query_one("#no-data").display is True
        app.screen.query_one("#cert_type", Select).value = "national_id"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app) == [lucia]


async def test_filled_fields_combine(make_app, csr, lucia, someone_else):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await type_into(pilot, "#name", "Pedro")
        await type_into(pilot, "#service_number", "612345678")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(app) == []
        assert text_of(app, "#no-data") == "No Data"


async def test_a_malformed_imsi_is_told_under_its_field(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await type_into(pilot, "#imsi", "12345")
        await pilot.press("enter")
        await settle(pilot)
        field = app.screen.query_one("#field-imsi")
        assert field.has_class("error")
        assert str(field.query_one(".field-error", Static).render()) == "15 digits, known MCC and MNC."
        assert app.focused is app.screen.query_one("#imsi", Input)
        assert rows(app) == []


async def test_reset_clears_fields_and_results(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await type_into(pilot, "#name", "lucia")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(app) == [lucia]
        app.screen.query_one("#cert_type", Select).value = "passport"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen.query_one("#name", Input).value == ""
        assert app.screen.query_one("#cert_type", Select).value is Select.NULL
        assert rows(app) == []
        assert text_of(app, "#page-info") == ""


async def test_pages_turn_with_n_and_p(tmp_path, database_url, csr):
    services = open_services(Settings(database_url=database_url, data_dir=tmp_path / "data", page_size=3))
    try:
        ids = [
            make_customer(services, first_name=f"Ana{n}", last_name="Martín", service_number=f"3461100000{n}")
            for n in range(7)
        ]
        from crm_tui.app import CrmApp
        from tests.screens.conftest import FROZEN_NOW

        app = CrmApp(services, clock=lambda: FROZEN_NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await sign_in(pilot)
            await type_into(pilot, "#name", "martin")
            await pilot.press("enter")
            await settle(pilot)
            assert text_of(app, "#page-info") == "Page 1 of 3 · 7 customers"
            first = rows(app)
            assert len(first) == 3
            await pilot.press("n")
            await settle(pilot)
            assert text_of(app, "#page-info") == "Page 2 of 3 · 7 customers"
            second = rows(app)
            await pilot.press("n")
            await settle(pilot)
            third = rows(app)
            assert text_of(app, "#page-info") == "Page 3 of 3 · 7 customers"
            assert sorted(first + second + third) == sorted(ids)
            await pilot.press("n")  # no page 4: nothing happens
            await settle(pilot)
            assert rows(app) == third
            await pilot.press("p")
            await settle(pilot)
            assert rows(app) == second
    finally:
        services.close()


async def test_enter_on_a_result_opens_the_customer_and_records_the_interaction(make_app, csr, lucia, someone_else):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await type_into(pilot, "#service_number", "+34 612 345 678")
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#results")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.detail.customer_id == lucia
        interactions = app.screen.detail.interactions
        assert [(i.kind, i.key_kind, i.operator) for i in interactions] == [("identify", "service_number", "alice")]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueryCustomersScreen)
        assert rows(app) == [lucia]


async def test_slash_filters_and_s_sorts_the_page_on_screen(make_app, csr, services):
    """On the results, `/` narrows the page by any text in a row and `s` cycles the order (UX.md)."""
    ids = {
        "ana": make_customer(
            services,
            first_name="Ana",
            last_name="Garcés Vidal",
            cert_number="11111111H",
            email="ana@valencia.example",
            status="suspended",
        ),
        "bea": make_customer(
            services,
            first_name="Beatriz",
            last_name="García Soler",
            cert_number="22222222J",
            email="bea@madrid.example",
        ),
        "carla": make_customer(
            services,
            first_name="Carla",
            last_name="Garrido Ruiz",
            cert_number="33333333P",
            email="carla@valencia.example",
        ),
    }
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await type_into(pilot, "#name", "gar")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(app) == [ids["ana"], ids["bea"], ids["carla"]]
        assert app.focused.id == "results"
        await pilot.press("slash", *"VALENCIA")
        await pilot.pause()
        assert app.focused.id == "results-filter"
        assert rows(app) == [ids["ana"], ids["carla"]]
        assert text_of(app, "#page-info") == "Page 1 of 1 · 3 customers · 2 of 3 shown"
        await pilot.press("enter")
        assert app.focused.id == "results"
        await pilot.press("s")  # by state: Active before Suspended
        await pilot.pause()
        assert rows(app) == [ids["carla"], ids["ana"]]
        assert text_of(app, "#page-info") == "Page 1 of 1 · 3 customers · 2 of 3 shown · sorted by state"
        await pilot.press("slash", "escape", "escape")  # clear the filter, then hide it
        await pilot.pause()
        assert not app.screen.query_one("#results-filter").display
        assert rows(app) == [ids["bea"], ids["carla"], ids["ana"]]
        await pilot.press("enter")  # the cursor row opens, whatever the order
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.customer_id == ids["bea"]
