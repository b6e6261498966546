"""Clean-up and archive, erasure that leaves nothing of the person, and a tamper-evident audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_tui.errors import Conflict, NotAllowed
from crm_tui.services import queues
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.lifecycle.termination import terminate_customer
from crm_tui.services.privacy import archive, erasure
from crm_tui.services.shared import audit
from crm_tui.storage.models.money import Payment
from tests.factories import stock_pools

NAME, CERT, EMAIL, MOBILE = "Eulalia Quintanilla", "71234567W", "eulalia.q@example.com", "+34 677 888 999"


@pytest.fixture
def leaver(services, csr, admin, tmp_path):
    """A customer with a line, a scanned document and history, who then left (with archive consent)."""
    stock_pools(services, admin)
    scan = tmp_path / "dni.pdf"
    scan.write_bytes(b"%PDF-1.7 " + NAME.encode() + b" " + CERT.encode())
    form = RegistrationForm(
        cert_type="national_id",
        cert_number=CERT,
        cert_country="ES",
        first_name="Eulalia",
        last_name="Quintanilla",
        birthday="1979-03-14",
        email=EMAIL,
        mobile=MOBILE,
        address="Calle del Pez 7",
        city="Madrid",
        service_password="Pez-globo-2024",
        security_question="Pet?",
        security_answer="Bolita",
        primary_offering="MAR-POST-4G-25",
        attachments=[str(scan)],
        contacts=[{"method": "email", "value": "eulalia.work@example.com", "first_name": "Eulalia"}],
    )
    result = register_customer(form, uow=services.writer(), actor=csr, region="ES", data_dir=services.settings.data_dir)
    terminate_customer(
        result.customer_id, services=services, actor=csr, reason="customer_request", archive_consent=True
    )
    return result.customer_id


def test_archive_keeps_what_was_consented_and_masks_it_for_a_csr(services, csr, supervisor, leaver):
    records = archive.show_archive(leaver, uow=services.reader(), actor=supervisor)
    profile = next(r for r in records if r.kind == "customer")
    assert profile.consent and profile.payload["last_name"] == "Quintanilla"
    assert profile.payload["certificates"][0]["cert_number"] == CERT
    masked = next(r for r in archive.show_archive(leaver, uow=services.reader(), actor=csr) if r.kind == "customer")
    assert masked.payload["certificates"][0]["cert_number"] == "•••• 567W"


def test_purge_lists_first_then_removes_what_passed_its_date(services, supervisor, csr, leaver):
    later = datetime.now(UTC) + timedelta(days=1826)
    assert archive.purge_archive(uow=services.writer(), actor=supervisor, as_of=datetime.now(UTC)).records == []
    dry = archive.purge_archive(uow=services.writer(), actor=supervisor, dry_run=True, as_of=later)
    assert {r.kind for r in dry.records} == {"customer", "subscriber"}
    assert len(archive.show_archive(leaver, uow=services.reader(), actor=supervisor)) == 2
    archive.purge_archive(uow=services.writer(), actor=supervisor, dry_run=False, as_of=later)
    assert archive.show_archive(leaver, uow=services.reader(), actor=supervisor) == []
    with pytest.raises(NotAllowed):
        archive.purge_archive(uow=services.writer(), actor=csr, dry_run=False)


def test_an_active_customer_cannot_be_erased(services, csr, admin):
    stock_pools(services, admin)
    form = RegistrationForm(
        cert_type="national_id",
        cert_number="12345678Z",
        cert_country="ES",
        first_name="Ana",
        last_name="Activa",
        birthday="1980-01-01",
        service_password="Ballena-azul-cruza",
        primary_offering="OLA-PRE-4G-10",
    )
    customer_id = register_customer(form, uow=services.writer(), actor=csr, region="ES").customer_id
    with pytest.raises(Conflict, match="terminate"):
        erasure.request_erasure(
            customer_id, uow=services.writer(), actor=csr, requested_by="the customer", legal_ground="GDPR art. 17"
        )


def _raw_database_bytes(services) -> bytes:
    path = Path(services.database.engine.url.database)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_erasure_destroys_every_identifier_and_proves_it(services, csr, supervisor, leaver):
    paid_before = _total_paid(services)
    request = erasure.request_erasure(
        leaver, uow=services.writer(), actor=csr, requested_by="the customer in person", legal_ground="GDPR art. 17"
    )
    with pytest.raises(NotAllowed):
        queues.act_on_item("erasure_requests", request.item_id, "approve", services=services, actor=csr)
    result = queues.act_on_item("erasure_requests", request.item_id, "approve", services=services, actor=supervisor)
    assert result.status == "approved"
    report = result.detail
    assert report["complete"] is True
    assert {t["table"] for t in report["tables"]} >= {
        "customers",
        "archive_records",
        "interactions",
        "outbox_events",
        "orders",
        "external_requests",
    }
    assert (
        report["files_checked"] == 0 and report["files_found"] == 0
    )  # the scan went with the person: nothing left to scan
    assert [p for p in (services.settings.data_dir / "attachments").rglob("*") if p.is_file()] == []
    if services.database.is_sqlite:
        raw = _raw_database_bytes(services)
        for needle in (NAME, "Quintanilla", CERT, EMAIL, "677888999", "eulalia.work"):
            assert needle.encode() not in raw, needle
    assert (
        search_customers(CustomerQuery(name="quintanilla"), uow=services.reader(), actor=supervisor, region="ES").total
        == 0
    )
    assert _total_paid(services) == paid_before  # money stays, without the person
    assert audit.verify_chain(uow=services.reader(), actor=supervisor).intact


def _total_paid(services) -> Decimal:
    with services.reader() as uow:
        return Decimal(uow.session.execute(select(func.coalesce(func.sum(Payment.amount), 0))).scalar_one())
