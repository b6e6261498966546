"""By keyboard: a supervisor keeps the blacklist (add, lift, filter), a CSR reads it and is told why not;
a fraud termination offers the prefilled entry; `p` on the customer view lists receipts, shows one,
reprints it and saves it as a PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Static

from crm_tui.screens.blacklist import AddEntryModal, BlacklistScreen, LiftEntryModal
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.receipts import ReceiptsScreen
from crm_tui.screens.terminate import TerminateModal
from crm_tui.services.identity.blacklist import add_blacklist_entry
from crm_tui.services.lifecycle.deregistration import submit_deregistration
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.blacklist import BlacklistEntry
from tests.factories import make_customer
from tests.screens.conftest import settle, sign_in

LINE = "34612345678"


def rows(app, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def blacklist_rows(services) -> list[BlacklistEntry]:
    with services.reader() as uow:
        return uow.session.execute(select(BlacklistEntry).order_by(BlacklistEntry.id)).scalars().all()


async def open_blacklist(pilot) -> BlacklistScreen:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Blacklist")
    await pilot.pause(0.5)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BlacklistScreen)
    return pilot.app.screen


async def test_a_supervisor_adds_an_entry_from_the_palette_by_keys(make_app, services, supervisor):
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await sign_in(pilot, "sam")
        await open_blacklist(pilot)
        assert rows(app, "#blacklist-entries") == []
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddEntryModal)
        await pilot.press(*"national_id", "enter", *"12345678Z", "enter", *"ES", "enter")
        await pilot.press("enter", "enter", "enter")  # no name, no birthday, severity stays "ban"
        await pilot.press(*"Forged ID at the counter", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BlacklistScreen)
        [row] = rows(app, "#blacklist-entries")
        assert row[1:4] == ["Live", "Ban", "National ID 12345678Z (ES)"] and row[4] == "Forged ID at the counter"
        [entry] = blacklist_rows(services)
        assert entry.cert_number == "12345678Z" and entry.created_by == supervisor.id


async def test_the_add_form_shows_errors_at_the_fields(make_app, services, supervisor):
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await sign_in(pilot, "sam")
        await open_blacklist(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("enter", "enter", "enter", *"Ana Ruiz", "ctrl+s")  # a name without a birthday or reason
        await settle(pilot)
        assert isinstance(app.screen, AddEntryModal)
        field = app.screen.query_one("#field-birthday")
        assert field.has_class("error")
        assert app.screen.query_one("#field-reason").has_class("error")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BlacklistScreen) and blacklist_rows(services) == []


async def test_a_supervisor_lifts_an_entry_and_history_keeps_it(make_app, services, supervisor):
    add_blacklist_entry(
        uow=services.writer(), actor=supervisor, severity="warn", reason="Unpaid devices",
        name="Ana Ruiz", birthday=date(1990, 5, 1),
    )  # fmt: skip
    add_blacklist_entry(
        uow=services.writer(), actor=supervisor, severity="ban", reason="Forged ID",
        cert_type="passport", cert_number="XAB123456", cert_country="ES",
    )  # fmt: skip
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await sign_in(pilot, "sam")
        await open_blacklist(pilot)
        assert [r[4] for r in rows(app, "#blacklist-entries")] == ["Forged ID", "Unpaid devices"]
        await pilot.press("/", *"ruiz", "enter")
        await settle(pilot)
        assert [r[4] for r in rows(app, "#blacklist-entries")] == ["Unpaid devices"]
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LiftEntryModal), (notes(app), app.focused)
        await pilot.press(*"Paid in full", "enter")
        await settle(pilot)
        assert isinstance(app.screen, BlacklistScreen)
        assert rows(app, "#blacklist-entries") == []  # only live entries, filtered by "ruiz"
        await pilot.press("h")
        await settle(pilot)
        [row] = rows(app, "#blacklist-entries")
        assert row[1] == "Lifted"
        detail = str(app.screen.query_one("#blacklist-detail", Static).content)
        assert "Lifted" in detail and "by sam: Paid in full" in detail
        lifted = [e for e in blacklist_rows(services) if e.lifted_at]
        assert len(lifted) == 1 and lifted[0].lift_reason == "Paid in full"


async def test_a_csr_sees_the_entries_masked_and_is_told_why_not(make_app, services, csr, supervisor):
    add_blacklist_entry(
        uow=services.writer(), actor=supervisor, severity="ban", reason="Forged ID",
        cert_type="passport", cert_number="XAB123456", cert_country="ES",
    )  # fmt: skip
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await sign_in(pilot, "alice")
        await open_blacklist(pilot)
        [row] = rows(app, "#blacklist-entries")
        assert "•••• 3456" in row[3] and "XAB123456" not in row[3]
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, BlacklistScreen)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, BlacklistScreen)
        assert notes(app).count("Only a Supervisor or Admin may change the blacklist; ask a supervisor.") == 2
        assert blacklist_rows(services)[0].lifted_at is None


async def test_a_fraud_termination_offers_the_prefilled_entry(make_app, services, supervisor):
    customer = make_customer(services, cert_number="12345678Z", service_number=LINE)
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await sign_in(pilot, "sam")
        await pilot.press("ctrl+f", *"12345678Z", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TerminateModal)
        await pilot.press("down", "down", "enter")  # Fraud
        await pilot.press("down", "enter")  # no consent to archive
        await pilot.press("enter")  # Continue
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AddEntryModal)
        assert app.screen.query_one("#add-cert_number").value == "12345678Z"
        assert customer in app.screen.query_one("#add-reason").value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BlacklistScreen)
        [entry] = blacklist_rows(services)
        assert entry.cert_number == "12345678Z" and entry.severity == "ban"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.detail.status == "terminated"
        assert app.screen.detail.blacklisted


@pytest.fixture
def paid(services, csr) -> tuple[str, str]:
    customer = make_customer(services, cert_number="12345678Z", service_number=LINE, outstanding=Decimal("23.45"))
    result = submit_deregistration(
        LINE, services=services, actor=csr, reason="fee_problem", number_mode="immediate", sim_mode="reuse",
        payment_method="cash",
    )  # fmt: skip
    return customer, result.receipt.receipt_number


async def test_p_lists_receipts_enter_shows_one_and_s_saves_a_pdf(make_app, services, csr, paid):
    customer, number = paid
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+f", *"12345678Z", "enter")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReceiptsScreen) and screen.customer_id == customer
        [row] = rows(app, "#receipts-list")
        assert row[0] == number and row[1] == "Payment" and row[3] == "Cash"
        await pilot.press("enter")
        await settle(pilot)
        paper = str(screen.query_one("#receipt-text", Static).content)
        assert number in paper and "RECEIPT" in paper and "REPRINT" not in paper and "TOTAL" in paper
        await pilot.press("r")
        await settle(pilot)
        assert "*** REPRINT ***" in str(screen.query_one("#receipt-text", Static).content)
        await pilot.press("s")
        await settle(pilot)
        assert screen.saved == services.settings.data_dir / "receipts" / f"{number}.pdf"
        assert screen.saved.read_bytes().startswith(b"%PDF-")
        with services.reader() as uow:
            forms = uow.session.execute(
                select(AuditEntry.summary).where(AuditEntry.action == "receipt.reprint").order_by(AuditEntry.id)
            ).scalars()
            assert [f["form"] for f in forms] == ["text", "pdf"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)


def test_the_add_forms_dates_are_typed_the_operators_way():
    """A birthday or an expiry as the Spanish workbench writes days (28/02/1985), ISO still taken;
    a wrong one is refused at its field in her words."""
    from crm_tui import i18n
    from crm_tui.screens.blacklist import _parse_day

    i18n.use_locale("es_ES")
    try:
        errors: dict[str, str] = {}
        assert _parse_day("28/02/1985", "birthday", errors) == date(1985, 2, 28)
        assert _parse_day("1985-02-28", "birthday", errors) == date(1985, 2, 28)
        assert _parse_day("31/02/2030", "expires_on", errors) is None
        assert errors == {"expires_on": "Una fecha como 31/12/2026 o 2030-03-01."}
    finally:
        i18n.use_locale(None)
