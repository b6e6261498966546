"""Bulk import: good rows in, bad rows reported by line and field, nothing twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crm_tui.errors import NotAllowed
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.identity.importing import import_customers
from tests.factories import make_customer

EXAMPLES = Path(__file__).parents[2] / "data" / "examples"


def test_the_example_csv_imports_and_a_rerun_creates_nothing(services, supervisor, tmp_path):
    path = tmp_path / "customers.csv"
    shutil.copy(EXAMPLES / "customers.csv", path)
    seen: list[int] = []
    report = import_customers(path, services=services, actor=supervisor, progress=seen.append, batch_size=2)
    assert (report.rows, report.created, report.errors, report.duplicates) == (3, 3, [], [])
    assert sum(seen) == 3
    found = search_customers(CustomerQuery(name="popescu"), uow=services.reader(), actor=supervisor, region="ES")
    assert found.customers[0].cert_type == "residence_permit"
    again = import_customers(path, services=services, actor=supervisor)
    assert again.created == 0 and [d.line for d in again.duplicates] == [2, 3, 4]
    assert again.duplicates[0].existing_customer_id == report.created_ids[0]


def test_bad_rows_are_reported_with_line_and_field_and_skipped(services, supervisor, tmp_path):
    make_customer(services, cert_number="87654321X")
    rows = [
        {
            "cert_type": "national_id",
            "cert_number": "12345678Z",
            "cert_country": "ES",
            "first_name": "Ana",
            "last_name": "Uno",
            "birthday": "1980-01-01",
        },
        {
            "cert_type": "national_id",
            "cert_number": "12345678A",
            "cert_country": "ES",
            "first_name": "Bad",
            "last_name": "Letter",
            "birthday": "1980-01-01",
        },
        {
            "cert_type": "national_id",
            "cert_number": "87654321X",
            "cert_country": "ES",
            "first_name": "Already",
            "last_name": "There",
            "birthday": "1970-01-01",
        },
        {
            "cert_type": "passport",
            "cert_number": "XA1234567",
            "cert_country": "FR",
            "first_name": "Jean",
            "last_name": "Dupont",
            "birthday": "1975-05-05",
            "email": "nope",
        },
        {
            "cert_type": "national_id",
            "cert_number": "12345678Z",
            "cert_country": "ES",
            "first_name": "Ana",
            "last_name": "Again",
            "birthday": "1980-01-01",
        },
        {
            "cert_type": "passport",
            "cert_number": "XB7654321",
            "cert_country": "FR",
            "first_name": "Marie",
            "last_name": "Curie",
            "birthday": "1967-11-07",
            "shoe_size": "38",
        },
    ]
    path = tmp_path / "customers.jsonl"
    lines = [json.dumps(r) for r in rows]
    lines.insert(3, "{not json")
    path.write_text("\n".join(lines) + "\n")
    report = import_customers(path, services=services, actor=supervisor)
    assert report.created == 1
    assert {(e.line, e.field) for e in report.errors} == {(2, "cert_number"), (4, None), (5, "email"), (7, "shoe_size")}
    assert {d.line for d in report.duplicates} == {3, 6}


def test_a_csr_cannot_import(services, csr, tmp_path):
    path = tmp_path / "x.csv"
    shutil.copy(EXAMPLES / "customers.csv", path)
    with pytest.raises(NotAllowed):
        import_customers(path, services=services, actor=csr)
