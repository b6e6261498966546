"""Scripts keep the blacklist (supervisors change it, CSRs read it: exit 6) and print receipts (REPRINT, PDF)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import make_customer

LINE = "34612345678"
CERT = ("--cert-type", "national_id", "--cert-number", "12345678Z", "--cert-country", "ES")


@pytest.fixture
def lucia(services, csr, supervisor):
    return make_customer(services, cert_number="12345678Z", service_number=LINE, outstanding=Decimal("23.45"))


def test_a_supervisor_adds_lists_and_lifts_and_a_csr_only_reads(cli, csr, supervisor):
    added = cli.json("blacklist", "add", *CERT, "--reason", "Forged ID", "--expires", "2099-12-31", operator="sam")
    assert added["state"] == "live" and added["severity"] == "ban" and added["cert_number"] == "12345678Z"
    entry = str(added["entry_id"])
    listed = cli.json("blacklist", "list")
    assert listed["total"] == 1 and listed["entries"][0]["cert_number"] == "•••• 678Z"
    refused = cli.json("blacklist", "lift", entry, "--reason", "Mine", expect=6)
    assert refused["error"]["code"] == "not_allowed" and "Supervisor" in refused["error"]["message"]
    assert cli.json("blacklist", "add", *CERT, "--reason", "Again", expect=6)["error"]["code"] == "not_allowed"
    assert (
        cli.json("blacklist", "add", *CERT, "--reason", "Again", operator="sam", expect=3)["error"]["code"]
        == "conflict"
    )
    lifted = cli.json("blacklist", "lift", entry, "--reason", "Court ruling", operator="sam")
    assert lifted["state"] == "lifted" and lifted["lifted_by"] == "sam"
    assert (
        cli.json("blacklist", "lift", entry, "--reason", "Again", operator="sam", expect=3)["error"]["code"]
        == "conflict"
    )
    assert (
        cli.json("blacklist", "lift", "99", "--reason", "None", operator="sam", expect=5)["error"]["code"]
        == "not_found"
    )
    assert cli.json("blacklist", "list", "--state", "lifted")["entries"][0]["lift_reason"] == "Court ruling"
    people = cli("blacklist", "list", "--state", "lifted")
    assert people.exit_code == 0 and "Court ruling" in people.stdout


def test_bad_entries_exit_2_with_the_fields(cli, supervisor):
    bad = cli.json("blacklist", "add", "--name", "Ana Ruiz", "--reason", "x", operator="sam", expect=2)
    assert "birthday" in bad["error"]["fields"]
    assert cli.json(
        "blacklist", "add", "--name", "Ana", "--birthday", "1990-13-01", "--reason", "x", operator="sam", expect=2
    )
    by_name = cli.json("blacklist", "add", "--name", "Ana Ruiz", "--birthday", "1990-05-01", "--severity", "warn",
                       "--reason", "Unpaid devices", operator="sam")  # fmt: skip
    assert by_name["matched_on"] == "name_birthday" and by_name["severity"] == "warn"


def test_a_fraud_termination_prints_the_entry_to_add_or_adds_it(cli, lucia, services):
    result = cli("customers", "terminate", lucia, "--reason", "fraud", "--archive-consent", "no", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "crm-tui blacklist add --cert-type national_id --cert-number 12345678Z" in result.stderr
    assert cli.json("blacklist", "list")["total"] == 0
    other = make_customer(services, cert_number="87654321X", first_name="Pablo", last_name="Nuevo")
    refused = cli.json("customers", "terminate", other, "--reason", "fraud", "--archive-consent", "no", "--yes",
                       "--blacklist", expect=6)  # fmt: skip
    assert refused["error"]["code"] == "not_allowed"
    done = cli.json("customers", "terminate", other, "--reason", "fraud", "--archive-consent", "no", "--yes",
                    "--blacklist", operator="sam")  # fmt: skip
    assert done["blacklist_entry_id"] and done["blacklist_proposal"]["cert_number"] == "87654321X"
    [entry] = cli.json("blacklist", "list", operator="sam")["entries"]
    assert entry["cert_number"] == "87654321X" and other in entry["reason"]


def test_receipts_list_show_and_print_text_and_pdf(cli, lucia, tmp_path):
    paid = cli.json(
        "subscribers", "deregister", LINE, "--reason", "fee_problem", "--number-mode", "immediate",
        "--sim", "reuse", "--pay", "cash", "--yes",
    )  # fmt: skip
    number = paid["receipt"]["receipt_number"]
    [listed] = cli.json("receipts", "list", lucia)["receipts"]
    assert listed["receipt_number"] == number and listed["kind"] == "payment"
    shown = cli.json("receipts", "show", number)
    assert shown["customer_id"] == lucia and Decimal(shown["total"]) == Decimal(paid["receipt"]["amount"])
    assert shown["reprint"] is False
    text = cli("receipts", "print", number)
    assert text.exit_code == 0 and "*** REPRINT ***" in text.stdout and number in text.stdout
    assert max(len(line) for line in text.stdout.splitlines()) <= 42
    target = tmp_path / "slips" / f"{number}.pdf"
    printed = cli.json("receipts", "print", number, "--pdf", str(target))
    assert printed["pdf"] == str(target) and printed["receipt"]["reprint"] is True and printed["text"] is None
    assert target.read_bytes().startswith(b"%PDF-")
    audit = cli.json("audit", "show", "--customer", lucia, operator="sam")
    assert "receipt.reprint" in str(audit)
    assert cli.json("receipts", "show", "RC999999999", expect=5)["error"]["code"] == "not_found"
    assert cli.json("receipts", "show", "nonsense!", expect=2)["error"]["code"] == "invalid_input"
