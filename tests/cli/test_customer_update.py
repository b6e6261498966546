"""`crm-tui customers update` and `document-seen` as a script runs them: exit codes, JSON, and two
terminals changing one customer at once (one wins, the other exits 3, nothing is lost)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from crm_tui.storage.models.audit import AuditEntry
from tests.cli.conftest import EXAMPLE


@pytest.fixture
def marta(cli, csr, tmp_path) -> str:
    form = json.loads(EXAMPLE.read_text()) | {"primary_offering": ""}
    path = tmp_path / "marta.json"
    path.write_text(json.dumps(form))
    return cli.json("customers", "register", "--file", str(path))["customer_id"]


def test_a_new_address_by_options_is_saved_and_shown(cli, marta):
    before = cli.json("customers", "show", marta)
    assert before["version"] == 1
    result = cli.json(
        "customers",
        "update",
        marta,
        "--address-line",
        "Calle Nueva 7, 1º",
        "--city",
        "Madrid",
        "--postal-code",
        "28001",
        "--expect-version",
        "1",
    )
    assert result == {
        "customer_id": marta,
        "version": 2,
        "changed": ["addresses"],
        "warnings": [],
        "near_matches_confirmed": [],
    }
    after = cli.json("customers", "show", marta)
    assert after["addresses"][0] | {"region": None} == {
        "address_type": "living",
        "detail": "Calle Nueva 7, 1º",
        "city": "Madrid",
        "postal_code": "28001",
        "region": None,
        "country": "ES",
    }
    assert after["addresses"][1]["address_type"] == "billing"  # the other addresses stay


def test_a_patch_file_changes_preferences_and_contacts(cli, marta, tmp_path):
    patch = tmp_path / "patch.json"
    patch.write_text(
        json.dumps(
            {
                "preferences": {"dnd_channel": "email"},
                "contacts": [{"contact_type": "emergency", "method": "email", "value": "jordi@example.com"}],
            }
        )
    )
    result = cli.json("customers", "update", marta, "--file", str(patch))
    assert result["changed"] == ["contacts", "preferences"]
    shown = cli.json("customers", "show", marta)
    assert shown["preferences"]["dnd_channel"] == "email" and shown["preferences"]["dnd_start"] == "21:00"
    assert [c["value"] for c in shown["contacts"]] == ["jordi@example.com"]


def test_bad_input_exits_2_with_the_field(cli, marta, tmp_path):
    error = cli.json("customers", "update", marta, "--email", "marta@", expect=2)["error"]
    assert "email" in error["fields"]
    patch = tmp_path / "patch.json"
    patch.write_text(json.dumps({"favourite_colour": "blue"}))
    error = cli.json("customers", "update", marta, "--file", str(patch), expect=2)["error"]
    assert error["fields"] == {"favourite_colour": "Not a field of a profile patch."}
    assert cli.json("customers", "update", marta, expect=2)["error"]["fields"] == {
        "file": "Required without field options."
    }
    assert cli.json("customers", "show", marta)["version"] == 1


def test_a_stale_version_exits_3_and_changes_nothing(cli, marta):
    cli.json("customers", "update", marta, "--email", "first@example.com", "--expect-version", "1")
    error = cli.json("customers", "update", marta, "--email", "second@example.com", "--expect-version", "1", expect=3)[
        "error"
    ]
    assert (error["code"], error["expected_version"], error["current_version"]) == ("stale_edit", 1, 2)
    shown = cli.json("customers", "show", marta)
    assert (shown["email"], shown["version"]) == ("first@example.com", 2)


def test_an_unknown_customer_exits_5(cli, csr):
    assert cli.json("customers", "update", "C0000000018", "--email", "a@example.com", expect=5)["error"]["code"] == (
        "not_found"
    )


def test_document_seen_is_recorded(cli, marta):
    seen = cli.json("customers", "document-seen", marta)
    assert (seen["cert_type"], seen["last_digits"], seen["expired"]) == ("national_id", "912S", False)
    shown = cli.json("customers", "show", marta)
    assert shown["document_seen"].startswith("ID inspected: National ID •••• 912S")


@pytest.mark.slow
def test_two_terminals_editing_one_customer_one_wins_the_other_exits_3(cli, services, marta):
    environment = os.environ | cli.environment()
    emails = ("winner.one@example.com", "winner.two@example.com")
    terminals = [
        subprocess.Popen(
            [sys.executable, "-m", "crm_tui", "customers", "update", marta]
            + ["--email", email, "--city", f"City {n}", "--expect-version", "1", "--json"],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for n, email in enumerate(emails)
    ]
    outcomes = [(t.wait(timeout=180), t.stdout.read(), t.stderr.read()) for t in terminals]
    for terminal in terminals:
        terminal.stdout.close()
        terminal.stderr.close()
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 3], outcomes
    [winner] = [n for n, (code, _, _) in enumerate(outcomes) if code == 0]
    [loser_out] = [out for code, out, _ in outcomes if code == 3]
    assert json.loads(loser_out)["error"]["code"] == "stale_edit"
    shown = cli.json("customers", "show", marta)
    # nothing lost: the winner's whole change is there, none of the loser's
    assert (shown["email"], shown["addresses"][0]["city"], shown["version"]) == (
        emails[winner],
        f"City {winner}",
        2,
    )
    with services.reader() as uow:
        updates = uow.session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "customer.update")
        ).scalar_one()
    assert updates == 1
