"""Export -> import into an empty database gives back every customer (issue 16.3), for the import
format (jsonl) and TMF629, over 300 seeded customers of every kind; and every sample file in
data/examples imports whole into an empty database."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.services import operators
from crm_tui.services.bootstrap import open_services
from crm_tui.services.customers.export import export_customers
from crm_tui.services.identity.importing import import_customers
from crm_tui.storage.seed import seed_database
from tests.conftest import PASSWORD
from tests.tmf_schemas import problems

EXAMPLES = Path(__file__).parents[2] / "data" / "examples"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
KEYS = ("type", "cert_type", "cert_number", "cert_country", "first_name", "middle_name", "last_name")
KEYS += ("organization_name", "gender", "title", "nationality", "birthday", "email", "mobile", "address", "city")


def _export(services, actor, fmt: str) -> list[dict]:
    out = io.StringIO()
    export_customers(out.write, services=services, actor=actor, format=fmt)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def empty(tmp_path):
    """Another database, empty but for its admin: where an export lands."""
    other = open_services(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", data_dir=tmp_path / "other"))
    operators.add_operator("root", PASSWORD, role=Role.ADMIN, uow=other.writer(), actor=None)
    yield other, operators.sign_in("root", PASSWORD, uow=other.writer())
    other.close()


@pytest.fixture
def seeded(services, admin):
    seed_database(services.database, customers=300, seed=11, now=NOW)
    return services


def _people(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(row.get(key) for key in KEYS) for row in rows)


@pytest.mark.parametrize("fmt", ["jsonl", "tmf629"])
def test_export_then_import_into_an_empty_database_gives_back_every_customer(seeded, admin, empty, tmp_path, fmt):
    before = _export(seeded, admin, "jsonl")
    path = tmp_path / f"export.{fmt}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _export(seeded, admin, fmt)))
    other, other_admin = empty
    report = import_customers(path, services=other, actor=other_admin)
    assert (report.rows, report.created, report.refused) == (300, 300, 0), (report.errors + report.duplicates)[:3]
    after = _export(other, other_admin, "jsonl")
    assert _people(after) == _people(before)  # every customer, with names, documents, birthday, email, mobile
    contacts = lambda rows: sorted(  # noqa: E731 - phones compared as digits: TMF629 writes them +E.164
        (r["cert_number"], c.get("first_name"), c["method"], c["value"].lstrip("+").replace(" ", ""))
        for r in rows
        for c in r.get("contacts", [])
    )
    assert contacts(after) == contacts(before)  # other persons come back as contacts, not as the customer
    if fmt == "jsonl":
        strip = lambda row: {k: v for k, v in row.items() if k != "customer_id"}  # noqa: E731
        assert sorted(map(json.dumps, map(strip, after))) == sorted(map(json.dumps, map(strip, before)))


def test_every_sample_file_imports_whole_into_an_empty_database(empty):
    other, other_admin = empty
    seen = {}
    # the TMF629 sample is customers.jsonl exported: it goes first, then the jsonl finds its people already in
    names = ("customers.tmf629.jsonl", "customers.csv", "customers-excel-es.csv", "customers.xlsx", "customers.jsonl")
    for name in names:
        report = import_customers(EXAMPLES / name, services=other, actor=other_admin)
        assert report.refused == 0 and report.rows > 0, (name, report.errors, report.duplicates)
        assert report.created == (0 if name == "customers.jsonl" else report.rows), name
        seen[name] = (report.format, report.encoding, report.delimiter)
    assert seen["customers-excel-es.csv"] == ("csv", "cp1252", ";")
    assert seen["customers.xlsx"][0] == "xlsx" and seen["customers.tmf629.jsonl"][0] == "tmf629"


def test_the_tmf629_sample_is_valid_in_strict_mode():
    for line in (EXAMPLES / "customers.tmf629.jsonl").read_text(encoding="utf-8").splitlines():
        assert problems("tmf629", "Customer", json.loads(line)) == []
