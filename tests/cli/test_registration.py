"""`crm-tui customers register --file`, held registrations and the pools behind them, as a script runs them.

The pools are stocked through the CLI too (`numbers stock`, `sims stock`): what an operator's engineer does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crm_tui.storage.models.blacklist import BlacklistEntry
from tests.cli.conftest import EXAMPLE, NUMBERS

MARTA = json.loads(EXAMPLE.read_text())


def customer_file(tmp_path: Path, name: str = "customer.json", **changes) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(MARTA | changes), encoding="utf-8")
    return str(path)


def test_the_example_file_registers_a_customer_with_a_line(cli, csr, pools):
    created = cli.json("customers", "register", "--file", str(EXAMPLE))
    assert created["customer_id"].startswith("C") and created["status"] == "active"
    assert created["account_code"] and created["service_number"] == "34600000000"
    assert created["warnings"] == [] and created["held"] is None
    shown = cli.json("customers", "show", created["customer_id"])
    assert shown["name"] == "Marta Soler Vidal"
    assert [line["service_number"] for line in shown["subscribers"]] == ["34600000000"]
    assert cli.json("numbers", "free")["numbers"][0]["service_number"] == "34600000001"


def test_registering_for_people_is_a_table_and_a_message(cli, csr, pools, tmp_path):
    result = cli("customers", "register", "--file", customer_file(tmp_path, primary_offering=""))
    assert result.exit_code == 0, result.output
    assert "Customer ID" in result.stdout and "Idle" in result.stdout
    assert "Registered C" in result.stderr


def test_the_same_certificate_twice_is_exit_3_with_the_existing_id(cli, csr, pools):
    first = cli.json("customers", "register", "--file", str(EXAMPLE))["customer_id"]
    error = cli.json("customers", "register", "--file", str(EXAMPLE), expect=3)["error"]
    assert error["code"] == "duplicate_identity"
    assert error["existing_customer_id"] == first and "cert_number" in error["fields"]
    result = cli("customers", "register", "--file", str(EXAMPLE))
    assert result.exit_code == 3 and first in result.stderr


def test_a_near_match_is_exit_3_until_confirmed_different(cli, csr, pools, tmp_path):
    first = cli.json("customers", "register", "--file", customer_file(tmp_path, primary_offering=""))["customer_id"]
    twin = customer_file(
        tmp_path, "twin.json", cert_type="passport", cert_number="PAA123456", primary_offering="", social_accounts=[]
    )
    error = cli.json("customers", "register", "--file", twin, expect=3)["error"]
    assert error["code"] == "possible_duplicates"
    [match] = error["near_matches"]
    assert match["customer_id"] == first and match["score"] > 0 and "birthday" in match["agree"]
    result = cli("customers", "register", "--file", twin)
    assert result.exit_code == 3
    assert first in result.stderr and "--confirm-different" in result.stderr  # the matches as a table, and the way on
    created = cli.json("customers", "register", "--file", twin, "--confirm-different", first.lower())
    assert created["near_matches_confirmed"] == [first] and created["customer_id"] != first


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"cert_number": "45678912A"}, "cert_number"),  # wrong DNI check letter
        ({"email": "marta@"}, "email"),
        ({"birthday": "2020-01-01"}, "birthday"),
        ({"service_password": "12345678"}, "service_password"),
        ({"contacts": [{"method": "mobile", "value": "12"}]}, "contacts.0.value"),
        ({"favourite_colour": "blue"}, "favourite_colour"),  # not in the import format
        ({"postal_code": 46023}, "postal_code"),  # a number where text belongs
    ],
)
def test_field_errors_are_exit_2_before_any_sign_in(cli, csr, tmp_path, changes, field):
    error = cli.json(
        "customers", "register", "--file", customer_file(tmp_path, **changes), operator=None, password=None, expect=2
    )["error"]
    assert error["code"] == "invalid_input" and field in error["fields"]


@pytest.mark.parametrize("content, message", [(None, "Cannot read"), ("{not json", "not JSON"), ("[]", "one customer")])
def test_a_file_that_is_not_one_customer_is_exit_2(cli, csr, tmp_path, content, message):
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    result = cli("customers", "register", "--file", str(path))
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output


def test_the_file_can_come_on_stdin(cli, csr, pools):
    created = cli.json("customers", "register", "--file", "-", input=EXAMPLE.read_text())
    assert created["service_number"]


def test_a_blacklisted_certificate_is_held_until_a_supervisor_approves(
    cli, services, admin, csr, supervisor, pools, tmp_path
):
    with services.writer() as uow:
        uow.session.add(
            BlacklistEntry(
                cert_type="national_id",
                cert_number="45678912S",
                cert_country="ES",
                severity="ban",
                reason="Fraud with a former operator",
            )
        )
        uow.commit()
    held = cli.json("customers", "register", "--file", str(EXAMPLE), expect=4)
    assert held["held"]["queue"] == "held_registrations" and "Blacklisted" in held["held"]["reason"]
    assert held["customer_id"] and held["service_number"] is None
    item = str(held["held"]["item_id"])

    assert cli.json("registrations", "approve", item, expect=6)["error"]["code"] == "not_allowed"  # a CSR may not
    approved = cli.json("registrations", "approve", item, "--note", "Debt settled", operator="sam")
    assert approved == {"customer_id": held["customer_id"], "approved": True, "service_number": "34600000000"}
    assert cli.json("registrations", "reject", item, operator="sam", expect=3)["error"]["code"] == "conflict"
    assert cli.json("customers", "show", held["customer_id"])["status"] == "active"
    assert cli.json("registrations", "approve", "999", operator="sam", expect=5)["error"]["code"] == "not_found"


def test_a_rejected_registration_keeps_the_customer_without_a_line(cli, services, csr, supervisor, pools):
    with services.writer() as uow:
        uow.session.add(
            BlacklistEntry(
                cert_type="national_id", cert_number="45678912S", cert_country="ES", severity="ban", reason="Fraud"
            )
        )
        uow.commit()
    result = cli("customers", "register", "--file", str(EXAMPLE))
    assert result.exit_code == 4
    [item] = re.findall(r"Held for review in Held registrations \(item (\d+)\): Blacklisted", result.stderr)
    [customer_id] = re.findall(r"C\d{10}", result.stdout)
    rejected = cli("registrations", "reject", item, "--note", "Ban stands", operator="sam")
    assert rejected.exit_code == 0, rejected.output
    assert "rejected" in rejected.stdout and customer_id in rejected.stdout
    shown = cli.json("customers", "show", customer_id)
    assert shown["subscribers"] == [] and shown["status"] == "idle"


# --- pools ---------------------------------------------------------------------------------------


def test_stocking_twice_leaves_the_pool_as_it_was(cli, admin, csr, pools):
    assert cli.json("numbers", "stock", *NUMBERS[:2], "600000009", operator="admin") == {
        "stocked": 1,
        "already_in_pool": 2,
    }
    golden = cli.json("numbers", "free", "--golden")["numbers"]
    assert golden == [{"service_number": "34600777777", "is_golden": True, "fee": "49.90"}]
    listed = cli("numbers", "free")
    assert listed.exit_code == 0 and "+34 600 77 77 77" in listed.stdout and "€49.90" in listed.stdout


@pytest.mark.parametrize(
    "args, field",
    [
        (["numbers", "stock", "12"], "service_number"),
        (["numbers", "stock", "600000001", "--golden-fee", "cheap"], "golden_fee"),
        (["numbers", "stock", "600000001", "--golden-fee", "-1"], "golden_fee"),
        (["numbers", "stock", "600000001", "--golden-fee", "1.999"], "golden_fee"),
    ],
)
def test_bad_stock_is_exit_2(cli, admin, args, field):
    assert field in cli.json(*args, operator="admin", expect=2)["error"]["fields"]


def test_only_an_admin_stocks(cli, csr):
    assert cli.json("numbers", "stock", "600000001", expect=6)["error"]["code"] == "not_allowed"


@pytest.mark.parametrize(
    "content, field",
    [("8934070000000000015\n", "file"), ("8934070000000000016,214070000000001\n", "iccid"), ("\n", "file")],
)
def test_bad_sim_files_are_exit_2(cli, admin, tmp_path, content, field):
    path = tmp_path / "sims.csv"
    path.write_text(content)
    assert field in cli.json("sims", "stock", "--file", str(path), operator="admin", expect=2)["error"]["fields"]
