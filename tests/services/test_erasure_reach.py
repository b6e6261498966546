"""Erasure finds every copy (issue 19.1 and 19.7): the ID scan of a refused registration, the records
merged into the person and the merges' before-images, every text column whatever its SQL type,
and every stored file; and the orphan sweep removes files no row refers to."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_tui.errors import Conflict
from crm_tui.services import queues
from crm_tui.services.dedupe.merge import merge_customers
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.lifecycle.termination import terminate_customer
from crm_tui.services.privacy import archive, erasure, verification
from crm_tui.services.privacy.orphans import sweep_orphans
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.dedupe import MergeRecord
from tests.factories import make_customer, stock_pools

NAME, CERT, PASSPORT, EMAIL = "Eulalia Quintanilla", "71234567W", "XDB123456", "eulalia.q@example.com"


def _stored(services) -> list[Path]:
    root = services.settings.data_dir / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _raw_database_bytes(services) -> bytes:
    path = Path(services.database.engine.url.database)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _pg_dump(services) -> bytes:
    """Everything PostgreSQL holds for the test database, as pg_dump writes it (rows, TOAST included)."""
    url = services.database.engine.url
    command = [
        "pg_dump",
        "--data-only",
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
        url.database,
    ]
    return subprocess.run(command, capture_output=True, check=True, timeout=120).stdout


def _form(scan: Path, **changes) -> RegistrationForm:
    fields = dict(
        cert_type="passport",
        cert_number=PASSPORT,
        cert_country="ES",
        first_name="Eulalia",
        last_name="Quintanilla",
        birthday="1979-03-14",
        email=EMAIL,
        service_password="Pez-globo-2024",
        primary_offering="MAR-POST-4G-25",
        attachments=[str(scan)],
    )
    return RegistrationForm(**(fields | changes))


def _erase(services, csr, supervisor, customer_id: str) -> dict:
    request = erasure.request_erasure(
        customer_id, uow=services.writer(), actor=csr, requested_by="the customer", legal_ground="GDPR art. 17"
    )
    return queues.act_on_item(
        "erasure_requests", request.item_id, "approve", services=services, actor=supervisor
    ).detail


def test_a_refused_registration_leaves_no_scan_and_the_later_erasure_finds_nothing(
    services, csr, supervisor, admin, tmp_path
):
    scan = tmp_path / "passport.pdf"
    scan.write_bytes(b"%PDF-1.7 " + NAME.encode() + b" " + PASSPORT.encode())
    with pytest.raises(Conflict, match="No free number"):  # the pool is empty: refused after the scan was checked
        register_customer(
            _form(scan), uow=services.writer(), actor=csr, region="ES", data_dir=services.settings.data_dir
        )
    assert _stored(services) == [], "the refused registration's scan stayed on disk"
    stock_pools(services, admin)
    customer_id = register_customer(
        _form(scan), uow=services.writer(), actor=csr, region="ES", data_dir=services.settings.data_dir
    ).customer_id
    assert len(_stored(services)) == 1
    terminate_customer(customer_id, services=services, actor=csr, reason="customer_request", archive_consent=True)
    report = _erase(services, csr, supervisor, customer_id)
    assert report["complete"] is True and report["files_found"] == 0, report
    assert _stored(services) == []
    assert any("stored file" in place for place in report["places"])


def test_an_orphan_holding_the_person_is_found_and_the_report_is_not_complete(
    services, csr, supervisor, admin, tmp_path
):
    stock_pools(services, admin)
    scan = tmp_path / "passport.pdf"
    scan.write_bytes(b"%PDF-1.7 " + PASSPORT.encode())
    customer_id = register_customer(
        _form(scan), uow=services.writer(), actor=csr, region="ES", data_dir=services.settings.data_dir
    ).customer_id
    orphan = services.settings.data_dir / "attachments" / "ab" / ("ab" + "0" * 62)  # a process killed mid-registration
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"%PDF-1.7 " + NAME.encode())
    terminate_customer(customer_id, services=services, actor=csr, reason="customer_request", archive_consent=False)
    report = _erase(services, csr, supervisor, customer_id)
    assert report["complete"] is False and report["files_found"] == 1 and report["files_checked"] == 1


def test_erasing_the_survivor_of_a_merge_leaves_no_byte_of_either_record(services, csr, supervisor, admin):
    survivor = make_customer(
        services,
        first_name="Eulalia",
        last_name="Quintanilla",
        cert_number=CERT,
        email=EMAIL,
        service_number="34612345678",
    )
    absorbed = make_customer(
        services,
        first_name="Eulalia",
        last_name="Quintanilla Ruiz",
        cert_number="12345678Z",
        email="eulalia.old@example.com",
        mobile="+34 699 555 444",
    )
    merge_customers(survivor, absorbed, uow=services.writer(), actor=supervisor, note="same person")
    with services.reader() as uow:
        assert uow.session.execute(select(MergeRecord.before_image)).scalar_one()  # an unmerge could bring it back
    terminate_customer(survivor, services=services, actor=csr, reason="customer_request", archive_consent=True)
    report = _erase(services, csr, supervisor, survivor)
    assert report["complete"] is True and report["merged_records"] == 1, report
    with services.reader() as uow:
        statuses = dict(uow.session.execute(select(Customer.customer_id, Customer.status)).all())
        images = uow.session.execute(select(MergeRecord.before_image)).scalars().all()
    assert statuses[survivor] == statuses[absorbed] == "erased"
    assert images == [{"erased": True}]
    raw = _raw_database_bytes(services) if services.database.is_sqlite else _pg_dump(services)
    for needle in ("Quintanilla", CERT, "12345678Z", EMAIL, "eulalia.old", "699555444", "699 555 444"):
        assert needle.encode() not in raw, needle
    assert archive.show_archive(survivor, uow=services.reader(), actor=supervisor) == [] or all(
        not record.payload for record in archive.show_archive(survivor, uow=services.reader(), actor=supervisor)
    )


def test_the_table_check_searches_every_text_column_whatever_its_sql_class():
    from crm_tui.storage.schema import metadata

    customers = metadata.tables["customers"]
    searched = [column.name for column in customers.columns if verification.searchable(column)]
    assert {"first_name", "last_name", "email", "mobile", "name_search", "display_name"} <= set(searched)
    assert "birthday" not in searched and "id" not in searched


def _age(path: Path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_orphan_sweep_removes_old_unreferenced_files_only(services, csr, supervisor, admin, tmp_path):
    stock_pools(services, admin)
    scan = tmp_path / "passport.pdf"
    scan.write_bytes(b"%PDF-1.7 kept")
    register_customer(_form(scan), uow=services.writer(), actor=csr, region="ES", data_dir=services.settings.data_dir)
    [kept] = _stored(services)
    folder = kept.parent.parent
    old, young, temporary = (
        folder / "cd" / ("cd" + "1" * 62),
        folder / "ef" / ("ef" + "2" * 62),
        kept.parent / ".incoming-x1",
    )
    for path in (old, young, temporary):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
    for path in (old, temporary, kept):
        _age(path, 7200)
    dry = sweep_orphans(uow=services.writer(), actor=supervisor, data_dir=services.settings.data_dir, dry_run=True)
    assert (dry.files_checked, dry.orphans, dry.removed, dry.kept_too_young) == (4, 3, 2, 1) and old.exists()
    done = sweep_orphans(
        uow=services.writer(), actor=supervisor, data_dir=services.settings.data_dir, grace=timedelta(hours=1)
    )
    assert done.removed == 2 and not old.exists() and not temporary.exists()
    assert young.exists() and kept.exists()
    purged = archive.purge_archive(
        uow=services.writer(), actor=supervisor, dry_run=False, data_dir=services.settings.data_dir
    )
    assert purged.files is not None and purged.files.files_checked == 2
