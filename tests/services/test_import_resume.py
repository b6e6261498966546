"""An import killed half-way and run again neither duplicates nor loses a row (issue 16.1), on
whichever engine the suite runs on (SQLite here, PostgreSQL in CI's second pass).

The import runs as a script would, `crm-tui customers import FILE` in its own process, which is
sent SIGKILL once a few batches have committed; the same command again must end with every row in
exactly once. About 45 s on the project machine: 10,000 registrations through the real service.
Ctrl+C (SIGINT) the same way on 1,000 rows: exit 130, the open batch rolled back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_tui.services.identity.importing import import_customers
from crm_tui.storage.models.customers import Certificate, Customer
from tests.conftest import PASSWORD

ROWS = 10_000
LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
ROOT = Path(__file__).parents[2]


def _dni(n: int) -> str:
    number = 10_000_000 + n
    return f"{number:08d}{LETTERS[number % 23]}"


def write_people(path: Path, rows: int) -> Path:
    lines = ["cert_type,cert_number,cert_country,first_name,last_name,birthday,email,city,address"]
    lines += [
        f"national_id,{_dni(i)},ES,Nombre{chr(97 + i % 26)},Prueba {chr(97 + i // 26 % 26)}{chr(97 + i // 676 % 26)},"
        f"19{60 + i % 40}-0{1 + i % 9}-1{i % 9},p{i}@example.com,Madrid,Calle {i}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _counts(services) -> tuple[int, int]:
    with services.reader() as uow:
        customers = uow.session.execute(select(func.count()).select_from(Customer)).scalar_one()
        certificates = uow.session.execute(select(func.count(func.distinct(Certificate.cert_number)))).scalar_one()
    return customers, certificates


@pytest.mark.slow
def test_a_killed_import_run_again_neither_duplicates_nor_loses(services, supervisor, settings, tmp_path):
    path = write_people(tmp_path / "people.csv", ROWS)
    environment = os.environ | {
        "CRM_DATABASE_URL": settings.resolved_database_url,
        "CRM_DATA_DIR": str(settings.data_dir),
        "CRM_OPERATOR": "sam",
        "CRM_OPERATOR_PASSWORD": PASSWORD,
    }
    command = [sys.executable, "-m", "crm_tui", "customers", "import", str(path), "--json"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while _counts(services)[0] < 1_000:  # five batches committed
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import made no progress"
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    killed_at, _ = _counts(services)
    assert 1_000 <= killed_at < ROWS and killed_at % 200 == 0  # whole batches only: nothing half-written

    report = import_customers(path, services=services, actor=supervisor)
    assert (report.rows, report.refused) == (ROWS, 0), report.errors[:3]
    assert report.already_imported == killed_at and report.created == ROWS - killed_at
    assert _counts(services) == (ROWS, ROWS)  # every row once


@pytest.mark.slow
def test_ctrl_c_stops_an_import_cleanly_and_a_rerun_finishes_it(services, supervisor, settings, tmp_path):
    path = write_people(tmp_path / "people.csv", 1_000)
    environment = os.environ | {
        "CRM_DATABASE_URL": settings.resolved_database_url,
        "CRM_DATA_DIR": str(settings.data_dir),
        "CRM_OPERATOR": "sam",
        "CRM_OPERATOR_PASSWORD": PASSWORD,
    }
    command = [sys.executable, "-m", "crm_tui", "customers", "import", str(path), "--json"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _counts(services)[0] < 200 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)  # what Ctrl+C sends
    _, stderr = process.communicate(timeout=30)
    interrupted_at, _ = _counts(services)
    if process.returncode != 0:  # it was still running: stopped between rows, the open batch rolled back
        assert process.returncode == 130 and b"Interrupted" in stderr
        assert interrupted_at % 200 == 0
    report = import_customers(path, services=services, actor=supervisor)
    assert (report.already_imported, report.created, report.refused) == (interrupted_at, 1_000 - interrupted_at, 0)
    assert _counts(services) == (1_000, 1_000)
