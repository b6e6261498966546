"""Keys of UX.md, the command palette, scripted launches and the one failure handler."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from crm_tui.app import LaunchRequest
from crm_tui.screens import query_customers
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.query_customers import QueryCustomersScreen
from crm_tui.screens.queues import QueuesScreen
from crm_tui.screens.sign_in import SignInScreen
from tests.factories import make_customer
from tests.screens.conftest import settle, sign_in


@pytest.fixture
def lucia(services):
    return make_customer(
        services, first_name="Lucía", last_name="García Pérez", cert_number="12345678Z", service_number="34612345678"
    )


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_function_keys_move_between_query_and_the_current_customer(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")  # nobody opened yet: nothing happens
        await pilot.pause()
        assert isinstance(app.screen, QueryCustomersScreen)
        await pilot.press("/")
        assert app.focused is app.screen.query_one("#identify-input", Input)
        await pilot.press(*"12345678Z", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, QueryCustomersScreen)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.detail.customer_id == lucia
        assert len(app.screen.detail.interactions) == 1  # F4 shows again, it is not a new identification
        await pilot.press("3")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#table-contracts", DataTable)


async def test_f5_opens_the_queues_for_a_supervisor(make_app, supervisor):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "sam")
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen)


async def test_queues_are_for_supervisors(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        assert app.check_action("queues", ()) is False  # not in the footer
        await pilot.press("f5")
        await pilot.pause()
        assert notes(app) == ["The queues are for supervisors."]


async def test_ctrl_q_signs_out_then_quits(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+f", *"12345678Z", "enter")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert app.actor is None and app.current_customer_id is None
        await pilot.press("f2")  # not signed in: no screens
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_palette_opens_a_customer_by_any_key(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"12345678Z")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.detail.interactions[0].key_kind == "certificate"


async def test_palette_switches_to_the_high_contrast_theme(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.theme == "crm-calm"
        await sign_in(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"High-contrast")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "crm-high-contrast"


async def test_launch_on_query_customers_searched(make_app, csr, lucia):
    app = make_app(LaunchRequest("query", {"service-number": "612345678"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        assert isinstance(app.screen, QueryCustomersScreen)
        assert app.screen.query_one("#service_number", Input).value == "612345678"
        assert [key.value for key in app.screen.query_one("#results", DataTable).rows] == [lucia]


async def test_launch_on_the_customer_view(make_app, csr, lucia):
    app = make_app(LaunchRequest("customer", {}, customer_id=lucia))
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.detail.customer_id == lucia
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueryCustomersScreen)


async def test_launch_on_an_unknown_customer_says_not_found(make_app, csr):
    app = make_app(LaunchRequest("customer", {}, customer_id="C0000000018"))
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        assert isinstance(app.screen, QueryCustomersScreen)
        assert notes(app) == ["No customer C0000000018."]


async def test_an_unexpected_failure_is_logged_and_the_workbench_goes_on(make_app, csr, services, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(query_customers, "search_customers", broken)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        app.screen.query_one("#name", Input).value = "garcia"
        await pilot.press("ctrl+s")
        await settle(pilot)
        log_path = services.settings.log_path
        assert notes(app) == [f"Unexpected failure, see the log at {log_path}"]
        assert "RuntimeError: disk on fire" in log_path.read_text()
        assert app.screen.query_one("#results").loading is False
        assert isinstance(app.screen, QueryCustomersScreen)


async def test_the_demo_database_says_demo_in_the_header(tmp_path, database_url, csr):
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from crm_tui.services.bootstrap import open_services
    from crm_tui.widgets.header import WorkbenchHeader
    from tests.screens.conftest import FROZEN_NOW

    services = open_services(Settings(database_url=database_url, data_dir=tmp_path / "data", demo=True))
    try:
        app = CrmApp(services, clock=lambda: FROZEN_NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await sign_in(pilot)
            label = app.screen.query_one(WorkbenchHeader).query_one("#header-database").render()
            assert str(label).strip() == "DEMO"
            assert [str(span.style) for span in label.spans] == ["bold white on red"]
    finally:
        services.close()


async def test_the_demo_sign_ins_show_every_password_whole_at_80_columns_in_spanish(
    tmp_path, database_url, monkeypatch
):
    """Two operators a row cut the passwords at 80x24 in Spanish ("demo-admi… Administr…"): a CSR
    copying one from the screen could not sign in. One a row, nothing of a password is cut."""
    from textual.geometry import Region

    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from crm_tui.services.bootstrap import open_services
    from crm_tui.services.seeding import DEMO_OPERATORS

    monkeypatch.setenv("CRM_LOCALE", "es_ES")
    services = open_services(Settings(database_url=database_url, data_dir=tmp_path / "data", demo=True))
    try:
        app = CrmApp(services)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            panel = app.screen.query_one("#sign-in-demo")
            lines = [strip.text for strip in panel.render_lines(Region(0, 0, *panel.size))]
            assert panel.region.right <= 80 and "Accesos de demostración" in lines[0], lines
            for username, password, _role, _display in DEMO_OPERATORS:
                assert any(username in line and password in line for line in lines), (username, lines)
            assert not any("…" in line for line in lines), lines
    finally:
        services.close()
