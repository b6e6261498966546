"""`crm-tui subscribers add`: a new line for an existing customer as a script runs it, with its exit
codes; sixteen terminals asking for one golden number at once get one line (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.lines import Subscriber
from tests.factories import make_customer

LINE = "34612345678"
GOLDEN = "34600777777"
TERMINALS = 16


@pytest.fixture
def lucia(services, csr, supervisor, pools):
    return make_customer(services, cert_number="12345678Z", service_number=LINE)


def test_a_line_with_the_defaults_is_exit_0_with_the_order(cli, lucia):
    added = cli.json("subscribers", "add", lucia)
    assert added["customer_id"] == lucia and added["service_number"] == "34600000000"
    assert added["order"]["type"] == "add_line" and added["order"]["status"] == "closed"
    assert added["receipt_number"] is None and added["account_opened"] is False
    line = cli.json("subscribers", "show", "600000000")
    assert (line["customer_id"], line["status"], line["primary_offering"]) == (lucia, "active", "Test 4G 20 GB")


def test_a_golden_number_needs_yes_from_a_script_then_takes_the_fee(cli, lucia):
    refused = cli("subscribers", "add", lucia, "--number", "600777777", "--pay", "card")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    no_pay = cli.json("subscribers", "add", lucia, "--number", "600777777", "--yes", expect=2)
    assert "payment_method" in no_pay["error"]["fields"]
    added = cli.json(
        "subscribers", "add", lucia, "--number", "600777777", "--offering", "OLA-PRE-4G-10", "--pay", "cash", "--yes"
    )
    assert (added["service_number"], added["paid"], added["account_opened"]) == (GOLDEN, "49.90", True)
    assert added["receipt_number"].startswith("RC")
    taken = cli.json("subscribers", "add", lucia, "--number", GOLDEN, "--pay", "cash", "--yes", expect=3)
    assert taken["error"]["fields"] == {"service_number": "Not free."}


def test_people_get_a_message_and_the_steps(cli, lucia):
    result = cli("subscribers", "add", lucia, "--offering", "MAR-POST-4G-25")
    assert result.exit_code == 0, result.stderr
    assert "Line +34 600 00 00 00 for " + lucia in result.stderr
    assert "Open the line" in result.stdout and "add line" in result.stdout


def test_exit_codes_for_held_unknown_and_invalid(cli, services, lucia):
    assert cli.json("subscribers", "add", "C0000000000", expect=5)["error"]["code"] == "not_found"
    assert cli.json("subscribers", "add", "C12", expect=2)["error"]["code"] == "invalid_input"
    assert "offering" in cli.json("subscribers", "add", lucia, "--offering", "NOPE", expect=2)["error"]["fields"]
    with services.writer() as uow:
        uow.session.add(
            BlacklistEntry(cert_type="national_id", cert_number="12345678Z", cert_country="ES", reason="Fraud")
        )
        uow.commit()
    held = cli.json("subscribers", "add", lucia, expect=4)["error"]
    assert held["code"] == "held" and held["held"]["queue"] == "held_registrations"
    [item] = cli.json("queue", "list", "held_registrations", operator="sam")["items"]
    assert item["payload"]["kind"] == "add_line"
    assert (
        cli.json("queue", "act", "held_registrations", str(item["item_id"]), "approve", operator="sam")["status"]
        == "approved"
    )
    assert cli.json("subscribers", "show", "600000000")["customer_id"] == lucia


@pytest.mark.slow
@pytest.mark.race
def test_sixteen_processes_adding_one_golden_number_make_one_line(cli, services, lucia):
    environment = os.environ | cli.environment()
    command = [sys.executable, "-m", "crm_tui", "subscribers", "add", lucia, "--number", "600777777"]
    command += ["--pay", "cash", "--yes", "--json"]
    terminals = [
        subprocess.Popen(
            command,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(TERMINALS)
    ]
    outcomes = [(terminal.wait(timeout=240), terminal.stdout.read(), terminal.stderr.read()) for terminal in terminals]
    for terminal in terminals:
        terminal.stdout.close()
        terminal.stderr.close()
    added = [json.loads(out) for code, out, _ in outcomes if code == 0]
    assert len(added) == 1, outcomes
    assert added[0]["service_number"] == GOLDEN and added[0]["order"]["status"] == "closed"
    refused = [json.loads(out)["error"] for code, out, _ in outcomes if code == 3]
    assert len(refused) == TERMINALS - 1, outcomes
    assert {tuple(error.get("fields", {})) for error in refused} == {("service_number",)}, refused
    with services.reader() as uow:
        lines = uow.session.execute(
            select(func.count()).select_from(Subscriber).where(Subscriber.service_number == GOLDEN)
        ).scalar_one()
    assert lines == 1
    receipts = cli.json("subscribers", "show", "600777777")
    assert receipts["customer_id"] == lucia
