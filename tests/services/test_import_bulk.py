"""Import writes a batch at once (issue 14, import speed): the same rows registration writes, one audit
entry a batch that names no one, a clash found only at insert time falls back to row by row and
reports the row, and an imported person erased leaves no byte behind."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from crm_tui.services import queues
from crm_tui.services.identity import importing
from crm_tui.services.identity.importing import LEDGER_ACTION, import_customers
from crm_tui.services.privacy import erasure
from crm_tui.services.shared import audit
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.customers import AuthenticationInfo, Certificate, Customer, Interaction, Preference
from crm_tui.storage.models.outbox import OutboxEvent
from tests.factories import make_customer

ES = {"cert_type": "national_id", "cert_country": "ES"}
NUMBERS = ["12345678Z", "71234567W", "87654321X", "45678912S", "11111111H", "22222222J"]


def people(path: Path, count: int, extra: dict[int, dict[str, str]] | None = None) -> Path:
    extra = extra or {}
    rows = [
        ES
        | {
            "cert_number": NUMBERS[i],
            "first_name": "Ana",
            "last_name": f"Bulk {'ABCDEF'[i]}",
            "birthday": f"198{i}-01-01",
            "email": f"ana{i}@example.com",
            "mobile": f"61234567{i}",
            "address": f"Calle Mayor {i}",
            "city": "Madrid",
        }
        | extra.get(i, {})
        for i in range(count)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def count(services, model, **where) -> int:
    with services.reader() as uow:
        statement = select(func.count()).select_from(model)
        for column, value in where.items():
            statement = statement.where(getattr(model, column) == value)
        return uow.session.execute(statement).scalar_one()


def test_a_batch_writes_what_registration_writes_and_one_audit_entry(services, supervisor, tmp_path):
    path = people(tmp_path / "people.jsonl", 5, {2: {"login_name": "ana.bulk"}})  # row 3 goes one by one
    before = count(services, AuditEntry)
    report = import_customers(path, services=services, actor=supervisor, batch_size=10)
    assert (report.created, report.refused) == (5, 0) and len(set(report.created_ids)) == 5
    assert [count(services, model) for model in (Certificate, Preference, AuthenticationInfo)] == [5, 5, 5]
    assert count(services, Interaction, kind="register") == 5
    assert count(services, OutboxEvent, event_type="customer.registered") == 5
    with services.reader() as uow:
        ledger = uow.session.execute(select(AuditEntry).where(AuditEntry.action == LEDGER_ACTION)).scalar_one()
        stored = dict(uow.session.execute(select(Customer.customer_id, Customer.email)).all())
    assert ledger.summary["created"] == [[line, cid] for line, cid in zip(range(1, 6), report.created_ids, strict=True)]
    text = json.dumps(ledger.summary)
    assert not any(needle in text for needle in ("Bulk", "ana0@", "12345678Z", "Calle"))  # no personal data
    assert stored[report.created_ids[0]] == "ana0@example.com"
    # One batch entry, plus registration's own for the row that went one by one: not one a row.
    assert count(services, AuditEntry) - before == 2
    assert audit.verify_chain(uow=services.reader(), actor=supervisor).intact


def test_a_clash_seen_only_at_insert_falls_back_to_row_by_row(services, supervisor, tmp_path, monkeypatch):
    taken = make_customer(services, cert_number=NUMBERS[1], first_name="Otra", last_name="Persona")
    monkeypatch.setattr(importing, "_owners", lambda session, keys: {})  # as if a terminal registered it meanwhile
    report = import_customers(people(tmp_path / "people.jsonl", 4), services=services, actor=supervisor)
    assert report.created == 3
    assert [(d.line, d.field, d.existing_customer_id) for d in report.duplicates] == [(2, "cert_number", taken)]
    assert count(services, Certificate, cert_number=NUMBERS[1]) == 1


def test_an_imported_person_erased_leaves_no_byte_behind(services, csr, supervisor, tmp_path):
    report = import_customers(people(tmp_path / "people.jsonl", 2), services=services, actor=supervisor)
    gone, kept = report.created_ids
    request = erasure.request_erasure(
        gone, uow=services.writer(), actor=csr, requested_by="the customer", legal_ground="GDPR art. 17"
    )
    detail = queues.act_on_item(
        "erasure_requests", request.item_id, "approve", services=services, actor=supervisor
    ).detail
    assert detail["complete"] is True, detail
    with services.reader() as uow:
        entries = uow.session.execute(select(AuditEntry.summary)).scalars().all()
    text = json.dumps(entries)
    for needle in ("Bulk A", NUMBERS[0], "ana0@example.com", "612345670", "Calle Mayor 0"):
        assert needle not in text, needle
    assert count(services, Customer, customer_id=kept, status="idle") == 1
