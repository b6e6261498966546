"""Receipts: every payment and every refund paid out has a numbered receipt, shown, reprinted (REPRINT,
audited) as 42-column text or as a real PDF; an erased customer's saved receipt files go too."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_tui.errors import InvalidInput, NotAllowed, NotFound
from crm_tui.services.lifecycle.deregistration import submit_deregistration
from crm_tui.services.lifecycle.resumption import resume_subscriber
from crm_tui.services.lifecycle.suspension import suspend_subscriber
from crm_tui.services.lifecycle.termination import terminate_customer
from crm_tui.services.privacy.erasure import erase_customer, request_erasure
from crm_tui.services.shared.receipt_documents import WIDTH, receipt_pdf, receipt_text, save_pdf
from crm_tui.services.shared.receipts import (
    get_receipt,
    list_receipts,
    receipt_path,
    reprint_receipt,
)
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.lines import Account
from crm_tui.storage.models.money import Charge, Payment
from tests.factories import make_customer

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LINE = "34612345678"


def pdf_text(data: bytes) -> str:
    """The text drawn on the PDF's pages: every content stream, inflated."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            shown.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            shown.append(stream.decode("latin-1"))
    return "\n".join(shown)


@pytest.fixture
def lucia(services):
    return make_customer(services, service_number=LINE, outstanding=Decimal("23.45"))


def deregister(services, actor, **options):
    defaults = dict(reason="fee_problem", number_mode="immediate", sim_mode="reuse", payment_method="card", now=NOW)
    defaults.update(options)
    return submit_deregistration(LINE, services=services, actor=actor, **defaults)


def test_a_payment_has_a_receipt_with_its_items_vat_and_total(services, csr, lucia):
    result = deregister(services, csr)
    number = result.receipt.receipt_number
    [summary] = list_receipts(lucia, uow=services.reader(), actor=csr)
    assert summary.receipt_number == number and summary.kind == "payment" and summary.total == result.receipt.amount
    receipt = get_receipt(number, uow=services.reader(), actor=csr)
    assert receipt.customer_id == lucia and receipt.customer_name == "L••• G••• P•••"
    assert sum(item.amount for item in receipt.items) == receipt.total == result.receipt.amount
    assert {item.description for item in receipt.items} >= {"Bill"}
    assert receipt.vat_rate == Decimal("21") and receipt.vat_amount + receipt.net_amount == receipt.total
    assert receipt.method == "card" and receipt.operator == "Alice" and not receipt.reprint
    with services.reader() as uow:
        charges = uow.session.execute(select(Charge).where(Charge.status == "paid")).scalars().all()
    assert charges and all(charge.receipt_number == number for charge in charges)


def test_the_text_receipt_fits_a_receipt_printer(services, csr, lucia):
    number = deregister(services, csr).receipt.receipt_number
    text = receipt_text(get_receipt(number, uow=services.reader(), actor=csr))
    lines = text.splitlines()
    assert all(len(line) <= WIDTH for line in lines)
    assert "Mar Telecom S.A." in text and number in text and lucia in text
    assert "REPRINT" not in text and "García" not in text
    assert any(line.startswith("TOTAL") and line.rstrip().split()[-1].startswith("€") for line in lines)  # en_IE
    assert any("incl. VAT 21%" in line for line in lines)


def test_a_reprint_is_marked_and_audited(services, csr, lucia):
    number = deregister(services, csr).receipt.receipt_number
    reprinted = reprint_receipt(number, uow=services.writer(), actor=csr, form="pdf")
    assert reprinted.reprint and "*** REPRINT ***" in receipt_text(reprinted)
    with services.reader() as uow:
        [entry] = uow.session.execute(select(AuditEntry).where(AuditEntry.action == "receipt.reprint")).scalars().all()
    assert (
        entry.entity_id == lucia and entry.summary == {"receipt": number, "form": "pdf"} and entry.operator == "alice"
    )


def test_the_pdf_is_a_real_pdf_showing_the_receipt_number(services, csr, lucia, tmp_path):
    number = deregister(services, csr).receipt.receipt_number
    view = reprint_receipt(number, uow=services.writer(), actor=csr, form="pdf")
    data = receipt_pdf(view)
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    assert b"/Type /Page" in data and b"xref" in data
    shown = pdf_text(data)
    assert f"({number})" in shown or number in shown
    assert "REPRINT" in shown and "L*** G*** P***" in shown
    saved = save_pdf(view, tmp_path / "out" / "r.pdf")
    assert saved.read_bytes().startswith(b"%PDF-")


def test_a_prepaid_balance_refunded_in_cash_gets_a_payment_row_and_a_voucher(services, csr):
    customer = make_customer(services, service_number=LINE, balance=Decimal("40.00"))
    with services.writer() as uow:
        account = uow.session.execute(select(Account)).scalar_one()
        account.payment_type = "prepaid"
        uow.session.add(account)
        uow.commit()
    result = deregister(services, csr, balance="refund")
    with services.reader() as uow:
        [refund] = uow.session.execute(select(Payment).where(Payment.kind == "refund")).scalars().all()
        [charge] = uow.session.execute(select(Charge).where(Charge.kind == "refund")).scalars().all()
    assert refund.amount == Decimal("-40.00") and refund.method == "cash" and refund.receipt_number.startswith("RF")
    assert charge.receipt_number == refund.receipt_number
    assert refund.receipt_number in result.balance_handling
    voucher = get_receipt(refund.receipt_number, uow=services.reader(), actor=csr)
    assert voucher.kind == "refund" and voucher.total == Decimal("-40.00")
    text = receipt_text(voucher)
    assert "REFUND VOUCHER" in text and "TOTAL PAID OUT" in text and "€40.00" in text
    assert [r.kind for r in list_receipts(customer, uow=services.reader(), actor=csr)].count("refund") == 1


def test_a_resumption_fee_names_its_receipt(services, csr):
    make_customer(services, service_number=LINE)
    suspend_subscriber(LINE, services=services, actor=csr, reason="lost_sim")
    result = resume_subscriber(
        LINE, services=services, actor=csr, operation="customer_request", reason="New SIM", payment_method="cash"
    )
    receipt = get_receipt(result.receipt_number, uow=services.reader(), actor=csr)
    assert [(i.description, i.amount) for i in receipt.items] == [("Resumption fee", Decimal("5.00"))]


def test_unknown_or_malformed_receipts_and_no_sign_in(services, csr, lucia):
    with pytest.raises(NotFound):
        get_receipt("RC999999999", uow=services.reader(), actor=csr)
    with pytest.raises(InvalidInput):
        get_receipt("12; drop", uow=services.reader(), actor=csr)
    with pytest.raises(NotAllowed):
        list_receipts(lucia, uow=services.reader(), actor=None)
    with pytest.raises(InvalidInput):
        reprint_receipt("RC000000001", uow=services.writer(), actor=csr, form="docx")


def test_erasing_a_customer_removes_the_receipt_files_saved_for_them(services, csr, supervisor, lucia):
    number = deregister(services, csr).receipt.receipt_number
    data_dir = services.settings.data_dir
    saved = save_pdf(reprint_receipt(number, uow=services.writer(), actor=csr), receipt_path(data_dir, number))
    other = make_customer(services, first_name="Pablo", last_name="Nuevo", service_number="34612345679")
    kept = receipt_path(data_dir, "RC000000777")
    kept.write_bytes(b"%PDF-1.3 someone else")
    terminate_customer(lucia, services=services, actor=csr, reason="customer_request", archive_consent=False)
    item = request_erasure(
        lucia, uow=services.writer(), actor=csr, requested_by="The customer", legal_ground="GDPR art. 17"
    )
    report = erase_customer(item.item_id, services=services, actor=supervisor)
    assert not saved.exists() and kept.exists() and other
    assert any("receipts" in place for place in report.places) and report.complete
    # the receipt itself stays (financial record), without the person
    receipt = get_receipt(number, uow=services.reader(), actor=csr)
    assert receipt.customer_name == "E••• c•••"  # "Erased customer"
