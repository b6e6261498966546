"""`crm-tui customers search|show`: a script finds a customer by any key and reads them as JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from crm_tui.services.shared.validation import customer_id_for
from crm_tui.storage.models.customers import Customer
from tests.factories import LUCIA_KEYS, make_customer

CUSTOMER_KEYS = {
    "customer_id",
    "status",
    "type",
    "first_name",
    "last_name",
    "name",
    "cert_type",
    "cert_number",
    "cert_country",
    "birthday",
    "email",
    "mobile",
    "credit_level",
}
SUBSCRIBER_KEYS = {
    "service_number",
    "status",
    "iccid",
    "imsi",
    "customer_id",
    "account_id",
    "primary_offering",
    "status_reason",
}


@pytest.fixture
def lucia(services, csr):
    return make_customer(services, **LUCIA_KEYS, mobile="34699111222", outstanding=Decimal("35.20"))


@pytest.fixture
def others(services, csr):
    return [
        make_customer(
            services,
            first_name="Pablo",
            last_name="Ruiz",
            service_number="34612000001",
            imsi="214070000000002",
            iccid="8934070000000000023",
        ),
        make_customer(services, first_name="Lucas", last_name="García Ruiz"),
    ]


@pytest.mark.parametrize(
    "option, value",
    [
        ("--id", None),
        ("--cert-number", "12345678-z"),
        ("--service-number", "612 345 678"),
        ("--service-number", "+34612345678"),
        ("--imsi", "214070000000001"),
        ("--iccid", "8934070000000000015"),
        ("--email", "LUCIA@example.com"),
        ("--name", "lucia garcia"),
    ],
)
def test_search_by_each_key_answers_json(cli, lucia, others, option, value):
    found = cli.json("customers", "search", option, value or lucia)
    assert [c["customer_id"] for c in found["customers"]] == [lucia]
    assert found["total"] == 1
    assert CUSTOMER_KEYS <= set(found["customers"][0])


def test_filled_fields_combine_and_the_csr_sees_certificates_masked(cli, lucia, others):
    found = cli.json(
        "customers", "search", "--name", "garcia", "--cert-type", "national_id", "--cert-number", "12345678Z"
    )
    assert [c["customer_id"] for c in found["customers"]] == [lucia]
    assert found["customers"][0]["cert_number"] == "•••• 678Z"
    assert cli.json("customers", "search", "--name", "garcia")["total"] == 2


def test_search_pages(cli, lucia, others):
    first = cli.json("customers", "search", "--name", "garcia", "--limit", "1")
    second = cli.json("customers", "search", "--name", "garcia", "--limit", "1", "--page", "2")
    assert first["total"] == second["total"] == 2
    assert first["page_size"] == 1 and second["page"] == 2
    assert {first["customers"][0]["customer_id"], second["customers"][0]["customer_id"]} == {lucia, others[1]}


def test_search_for_people_is_a_table_in_words(cli, lucia):
    result = cli("customers", "search", "--service-number", "612345678")
    assert result.exit_code == 0, result.stderr
    assert "Lucía García Pérez" in result.stdout
    assert "Female" in result.stdout and "female" not in result.stdout
    assert "+34 699 11 12 22" in result.stdout  # the mobile, formatted
    assert "1 found" in result.stdout


def test_nothing_found_is_no_data_not_an_error(cli, lucia):
    result = cli("customers", "search", "--name", "zzyzx")
    assert result.exit_code == 0
    assert "No Data" in result.stdout
    assert cli.json("customers", "search", "--name", "zzyzx") == {
        "customers": [],
        "total": 0,
        "total_is_capped": False,
        "page": 1,
        "page_size": 50,
        "key_kind": None,
    }


@pytest.mark.parametrize(
    "option, value, field",
    [
        ("--imsi", "12345", "imsi"),
        ("--iccid", "8934070000000000016", "iccid"),
        ("--service-number", "12", "service_number"),
        ("--id", "C0000000010", "customer_id"),
        ("--email", "not-an-email", "email"),
        ("--cert-type", "library_card", "cert_type"),
    ],
)
def test_bad_input_exits_2_with_the_field(cli, csr, option, value, field):
    error = cli.json("customers", "search", option, value, expect=2)["error"]
    assert error["code"] == "invalid_input"
    assert field in error["fields"]
    result = cli("customers", "search", option, value)
    assert result.exit_code == 2
    assert f"{field}:" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_bad_input_is_refused_before_any_sign_in(cli, csr):
    """No operator configured at all: still exit 2, because the field is wrong."""
    result = cli("customers", "search", "--imsi", "1", operator=None, password=None)
    assert result.exit_code == 2


@pytest.mark.parametrize("text", ["'; DROP TABLE customers; --", "[/red] [bold]", "a\x00b\x1bc", "x" * 5000, "%_\\"])
def test_hostile_text_is_just_text(cli, lucia, text):
    result = cli("customers", "search", "--name", text)
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert cli.json("customers", "search", "--name", "garcia")["total"] == 1


def test_empty_search_is_invalid(cli, csr):
    assert cli.json("customers", "search", expect=2)["error"]["code"] == "invalid_input"


def test_show_answers_the_whole_customer(cli, lucia):
    shown = cli.json("customers", "show", lucia.lower())
    assert CUSTOMER_KEYS <= set(shown)
    assert shown["customer_id"] == lucia
    assert shown["cert_number"] == "12345678Z"
    [line] = shown["subscribers"]
    assert SUBSCRIBER_KEYS <= set(line)
    assert line["service_number"] == "34612345678" and line["customer_id"] == lucia
    assert shown["outstanding"] == "35.20"
    assert {"accounts", "contracts", "interactions", "certificates"} <= set(shown)


def test_show_for_people_formats_numbers_and_money(cli, lucia):
    result = cli("customers", "show", lucia)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "+34 612 34 56 78" in out
    assert "€35.20" in out and "€12.50" in out  # en_IE (tests/conftest.py); es_ES in tests/cli/test_locale.py
    assert "Test 4G 20 GB" in out
    assert "National ID" in out and "national_id" not in out


def test_show_unknown_customer_is_not_found(cli, csr):
    nobody = customer_id_for(9999)
    error = cli.json("customers", "show", nobody, expect=5)["error"]
    assert error["code"] == "not_found"
    result = cli("customers", "show", nobody)
    assert result.exit_code == 5
    assert "Not found" in result.stderr


def test_show_bad_id_is_invalid(cli, csr):
    assert cli.json("customers", "show", "C0000000010", expect=2)["error"]["fields"] == {
        "customer_id": "Check digit does not match."
    }


def test_show_merged_id_answers_with_the_survivor(cli, services, lucia):
    old = make_customer(services, first_name="Lucia", last_name="Garcia")
    with services.writer() as uow:
        survivor = uow.session.exec(select(Customer).where(Customer.customer_id == lucia)).one()
        merged = uow.session.exec(select(Customer).where(Customer.customer_id == old)).one()
        merged.status, merged.merged_into_id = "merged", survivor.id
        uow.session.add(merged)
        uow.commit()
    shown = cli.json("customers", "show", old)
    assert shown["customer_id"] == lucia
    assert shown["merged_from"] == old
