"""Issue 15, point 2 at the command line: amounts and dates typed the Spanish way, money and dates
shown in the operator's locale, the operator's language stored, a bad CRM_TIMEZONE refused at start.

The tests run in en_IE by default (tests/conftest.py); Ana is a Spanish operator (`--language es`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.factories import make_customer

LINE = "34612345678"


@pytest.fixture
def ana(cli, admin):
    """A Spanish CSR, added as the README says: `operator add ana --role csr --language es`."""
    added = cli.json(
        "operator", "add", "ana", "--role", "csr", "--language", "es", operator="admin", CRM_NEW_PASSWORD=PASSWORD
    )
    assert added["language"] == "es"
    return "ana"


@pytest.fixture
def lucia(services, csr, supervisor):
    return make_customer(services, cert_number="12345678Z", service_number=LINE, outstanding=Decimal("23.45"))


def test_the_operators_language_is_stored_and_listed(cli, ana):
    [row] = [o for o in cli.json("operator", "list", operator="admin")["operators"] if o["username"] == "ana"]
    assert row["language"] == "es"
    assert "es" in cli("operator", "list", operator="admin").stdout


def test_a_language_that_is_not_one_is_refused(cli, admin):
    refused = cli.json(
        "operator",
        "add",
        "bea",
        "--role",
        "csr",
        "--language",
        "qq",
        operator="admin",
        CRM_NEW_PASSWORD=PASSWORD,
        expect=2,
    )
    assert "language" in refused["error"]["fields"]


def test_a_spanish_operator_types_an_amount_with_a_decimal_comma(cli, admin, csr, ana):
    # stocking is an admin's; the admin here speaks Spanish through CRM_LOCALE
    assert (
        cli.json("numbers", "stock", "600000010", "--golden-fee", "12,50", operator="admin", CRM_LOCALE="es_ES")[
            "stocked"
        ]
        == 1
    )
    assert cli.json("numbers", "free", "--golden")["numbers"] == [
        {"service_number": "34600000010", "is_golden": True, "fee": "12.50"}  # JSON stays plain and stable
    ]
    assert "12,50\u00a0€" in cli("numbers", "free", operator="ana").stdout  # Ana reads it the Spanish way
    assert "€12.50" in cli("numbers", "free").stdout  # Alice (en_IE) the Irish-English way


def test_a_grouped_spanish_amount_and_a_plain_one_both_read(cli, admin, csr):
    cli.json("numbers", "stock", "600000011", "--golden-fee", "1.000,00", operator="admin", CRM_LOCALE="es_ES")
    cli.json("numbers", "stock", "600000012", "--golden-fee", "49.90", operator="admin", CRM_LOCALE="es_ES")
    fees = {n["service_number"]: n["fee"] for n in cli.json("numbers", "free", "--golden")["numbers"]}
    assert fees == {"34600000011": "1000.00", "34600000012": "49.90"}


def test_a_decimal_comma_is_refused_where_the_locale_does_not_use_it(cli, admin):
    refused = cli.json("numbers", "stock", "600000010", "--golden-fee", "12,50", operator="admin", expect=2)
    assert refused["error"]["fields"] == {"golden_fee": "An amount like 49.90 or 49.90."}


def test_a_spanish_operator_types_the_date_day_first(cli, lucia, ana):
    cli.json("subscribers", "suspend", LINE, "--reason", "travel")
    reserved = cli.json(
        "subscribers", "resume", LINE, "--reason", "Vuelve", "--effective-date", "31/12/2030", operator="ana", expect=4
    )
    assert reserved["order"]["status"] == "reserved"
    assert reserved["order"]["effective_at"].startswith("2030-12-30T23:00")  # midnight in Madrid, as ISO UTC


def test_an_iso_date_still_reads_and_a_date_that_does_not_exist_is_refused(cli, lucia, ana):
    cli.json("subscribers", "suspend", LINE, "--reason", "travel")
    bad = cli.json(
        "subscribers", "resume", LINE, "--reason", "x", "--effective-date", "31/02/2030", operator="ana", expect=2
    )
    assert bad["error"]["fields"] == {"effective_date": "Una fecha como 31/12/2026 o 2026-12-31."}  # ana speaks es
    ok = cli.json(
        "subscribers", "resume", LINE, "--reason", "x", "--effective-date", "2030-12-31", operator="ana", expect=4
    )
    assert ok["order"]["effective_at"].startswith("2030-12-30T23:00")


def test_input_checked_before_sign_in_still_answers_in_the_operators_language(cli, ana):
    """A bad key is refused before the database is needed (exit 2 at once), but a Spanish operator
    who can sign in without a prompt reads the refusal in Spanish, as she reads everything else."""
    bad_id = cli.json("customers", "show", "C000", operator="ana", expect=2)
    assert bad_id["error"]["fields"] == {"customer_id": "C y diez dígitos."}
    assert bad_id["error"]["message"].startswith("Un ID de cliente")
    bad_email = cli.json("customers", "search", "--email", "a@b..com", operator="ana", expect=2)
    assert "dos puntos seguidos" in bad_email["error"]["message"]  # email-validator's reason, in her words
    english = cli.json("customers", "show", "C000", operator="admin", expect=2)  # admin has no language: en_IE
    assert english["error"]["fields"] == {"customer_id": "C and ten digits."}


def test_a_customer_reads_in_spanish_with_crm_locale(cli, services, csr):
    customer = make_customer(services, service_number=LINE, balance=Decimal("1234.50"))
    out = cli("customers", "show", customer, CRM_LOCALE="es_ES").stdout
    assert "1.234,50\u00a0€" in out and "300,00\u00a0€" in out  # CLDR's Spanish: a no-break space before €
    assert "12/4/1988" in out  # the birthday, day first
    assert "2026-" not in out.split("Accounts")[0]  # no ISO dates in the customer's panel


def test_an_unknown_time_zone_stops_a_command_at_start(cli, csr):
    result = cli.json("customers", "search", "--name", "garcia", CRM_TIMEZONE="Mars/Olympus", expect=2)
    assert "CRM_TIMEZONE" in result["error"]["fields"]


def test_an_unknown_time_zone_stops_the_workbench_at_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {"CRM_TIMEZONE": "Mars/Olympus", "CRM_DATA_DIR": str(tmp_path), "PYTHONPATH": str(Path.cwd())}
    done = subprocess.run([sys.executable, "-m", "crm_tui"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "CRM_TIMEZONE" in done.stderr and "Mars/Olympus" in done.stderr
