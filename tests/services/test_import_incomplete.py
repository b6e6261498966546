"""Legacy records kept (issue 14.5): a person without a usable birthday goes in flagged `incomplete`
with a warning; a row that identifies nobody is still refused; an edit with the birthday clears the flag."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crm_tui.errors import InvalidInput
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.customers.search import list_customers
from crm_tui.services.dedupe.scan import scan_duplicates
from crm_tui.services.identity.importing import import_customers
from crm_tui.services.identity.profile_edit import update_profile
from crm_tui.services.identity.profile_patch import ProfilePatch
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.storage.models.audit import AuditEntry

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ES = {"cert_type": "national_id", "cert_country": "ES"}


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def legacy_file(tmp_path):
    return write_jsonl(
        tmp_path / "legacy.jsonl",
        [
            ES | {"cert_number": "12345678Z", "first_name": "Ana", "last_name": "Sin Fecha"},
            ES | {"cert_number": "71234567W", "first_name": "Blas", "last_name": "Antiguo", "birthday": "1850-01-01"},
            ES | {"cert_number": "87654321X", "first_name": "Cira", "last_name": "Futura", "birthday": "2031-05-05"},
            ES | {"cert_number": "45678912S", "first_name": "Dora", "last_name": "Normal", "birthday": "1980-02-02"},
            ES | {"cert_number": "11111111H", "birthday": "1970-01-01"},
            ES | {"cert_number": "12345678A", "first_name": "Eva", "last_name": "Mal Digito"},
        ],
    )


def test_rows_without_a_usable_birthday_go_in_flagged_with_a_warning(services, supervisor, tmp_path):
    report = import_customers(legacy_file(tmp_path), services=services, actor=supervisor, now=NOW)
    assert (report.rows, report.created, report.incomplete, report.refused) == (6, 4, 3, 2)
    assert [(w.line, w.field) for w in report.warnings] == [(1, "birthday"), (2, "birthday"), (3, "birthday")]
    assert "No birthday" in report.warnings[0].message
    assert "older than 120" in report.warnings[1].message and "future" in report.warnings[2].message
    assert {(e.line, e.field) for e in report.errors} == {(5, "first_name"), (6, "cert_number")}
    first = get_customer(report.created_ids[0], uow=services.reader(), actor=supervisor)
    assert (first.incomplete, first.birthday) == (True, None)
    improbable = get_customer(report.created_ids[1], uow=services.reader(), actor=supervisor)
    assert (improbable.incomplete, improbable.birthday) == (True, None)  # never stored as a real date
    assert get_customer(report.created_ids[3], uow=services.reader(), actor=supervisor).incomplete is False
    listed = list_customers(uow=services.reader(), actor=supervisor, incomplete=True)
    assert [c.customer_id for c in listed.customers] == report.created_ids[:3] and listed.total == 3
    assert all(c.incomplete for c in listed.customers)
    assert list_customers(uow=services.reader(), actor=supervisor).total == 4
    again = import_customers(legacy_file(tmp_path), services=services, actor=supervisor, now=NOW)
    assert (again.created, again.already_imported, again.incomplete) == (0, 4, 0)


def test_a_dry_run_warns_the_same_and_writes_nothing(services, supervisor, tmp_path):
    dry = import_customers(legacy_file(tmp_path), services=services, actor=supervisor, now=NOW, check=True)
    assert (dry.created, dry.incomplete, [w.line for w in dry.warnings]) == (4, 3, [1, 2, 3])
    assert list_customers(uow=services.reader(), actor=supervisor).total == 0


def test_the_same_person_without_a_birthday_in_another_file_is_found_not_refused(services, supervisor, tmp_path):
    import_customers(legacy_file(tmp_path), services=services, actor=supervisor, now=NOW)
    copy = write_jsonl(
        tmp_path / "copy.jsonl", [ES | {"cert_number": "12345678Z", "first_name": "Ana", "last_name": "Sin Fecha"}]
    )
    report = import_customers(copy, services=services, actor=supervisor, now=NOW)
    assert (report.created, report.already_imported, report.refused) == (0, 1, 0)


def test_registration_at_the_counter_still_needs_a_valid_birthday(services, csr):
    form = RegistrationForm(**ES, cert_number="12345678Z", first_name="Ana", last_name="Sin Fecha")
    with pytest.raises(InvalidInput) as missing:
        register_customer(form, uow=services.writer(), actor=csr, region="ES", now=NOW, require_password=False)
    assert "birthday" in missing.value.fields
    old = form.model_copy(update={"birthday": "1850-01-01"})
    with pytest.raises(InvalidInput) as improbable:
        register_customer(old, uow=services.writer(), actor=csr, region="ES", now=NOW, require_password=False)
    assert "birthday" in improbable.value.fields


def test_an_edit_keeps_the_record_editable_and_a_birthday_clears_the_flag(services, supervisor, tmp_path):
    report = import_customers(legacy_file(tmp_path), services=services, actor=supervisor, now=NOW)
    customer_id = report.created_ids[0]

    def edit(**changes):
        return update_profile(
            customer_id, ProfilePatch(**changes), uow=services.writer(), actor=supervisor, region="ES", now=NOW
        )

    edit(email="ana@example.com")  # no birthday given: still editable, still incomplete
    assert get_customer(customer_id, uow=services.reader(), actor=supervisor).incomplete is True
    with pytest.raises(InvalidInput):
        edit(birthday="1850-01-01")  # a birthday given is checked as at the counter
    edit(birthday="1961-06-15")
    after = get_customer(customer_id, uow=services.reader(), actor=supervisor)
    assert (after.incomplete, after.birthday.isoformat()) == (False, "1961-06-15")
    assert list_customers(uow=services.reader(), actor=supervisor, incomplete=True).total == 2
    with services.reader() as uow:
        last = uow.session.execute(
            select(AuditEntry.summary)
            .where(AuditEntry.entity_id == customer_id, AuditEntry.action == "customer.update")
            .order_by(AuditEntry.id.desc())
        ).first()[0]
    assert last["changes"]["incomplete"] == {"before": True, "after": False}


def test_the_duplicate_scan_reads_records_without_a_birthday(services, supervisor, tmp_path):
    rows = [
        ES | {"cert_number": "12345678Z", "first_name": "Ana", "last_name": "Sin Fecha", "email": "ana@example.com"},
        ES | {"cert_number": "71234567W", "first_name": "Ana", "last_name": "Sin Fecha", "email": "ana@example.com"},
    ]
    report = import_customers(write_jsonl(tmp_path / "two.jsonl", rows), services=services, actor=supervisor)
    assert report.incomplete == 2
    scanned = scan_duplicates(services=services, actor=supervisor)  # no crash on a null birthday
    assert scanned.customers >= 2
