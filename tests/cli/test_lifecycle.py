"""Scripts drive the lifecycle after registration: lines, orders, queues, archive, audit, outbox."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from tests.factories import make_customer

LINE = "34612345678"


@pytest.fixture
def lucia(services, csr, supervisor):
    return make_customer(services, cert_number="12345678Z", service_number=LINE, outstanding=Decimal("23.45"))


def test_subscriber_show_has_the_documented_keys(cli, lucia):
    line = cli.json("subscribers", "show", "612345678")
    assert {
        "service_number",
        "status",
        "iccid",
        "imsi",
        "customer_id",
        "account_id",
        "primary_offering",
        "status_reason",
    } <= set(line)
    assert (line["service_number"], line["customer_id"], line["status"]) == (LINE, lucia, "active")
    assert cli.json("subscribers", "show", "612000000", expect=5)["error"]["code"] == "not_found"


def test_suspend_and_resume_on_a_date_then_run_due(cli, lucia):
    order = cli.json("subscribers", "suspend", LINE, "--reason", "travel")
    assert order["status"] == "closed" and [s["status"] for s in order["steps"]] == ["done"] * 4
    reserved = cli.json(
        "subscribers", "resume", LINE, "--reason", "Back home", "--effective-date", "2030-03-01", expect=4
    )  # accepted, waits for its date: exit 4 as README's table says
    assert reserved["order"]["status"] == "reserved"
    assert cli.json("orders", "run-due")["orders"] == []  # cron, at the right time: no operator needed
    early = cli.json("orders", "run-due", "--as-of", "2030-03-02T00:00", expect=6)  # a CSR may not run it early
    assert early["error"]["code"] == "not_allowed" and "Supervisor" in early["error"]["message"]
    assert cli.json("orders", "run-due", "--as-of", "2030-02-28T12:00", operator="sam")["orders"] == []
    ran = cli.json("orders", "run-due", "--as-of", "2030-03-02T00:00", operator="sam")["orders"]
    assert [o["status"] for o in ran] == ["closed"]
    assert cli.json("subscribers", "show", LINE)["status"] == "active"


def test_a_csr_asking_to_lift_fraud_is_held(cli, lucia):
    cli.json("subscribers", "suspend", LINE, "--reason", "fraud", operator="sam")
    held = cli.json("subscribers", "resume", LINE, "--reason", "ID checked", expect=4)
    item = held["error"]["held"]["item_id"]
    [queued] = cli.json("queue", "list", "fraud_resumptions", operator="sam")["items"]
    assert queued["item_id"] == item
    assert (
        cli.json("queue", "act", "fraud_resumptions", str(item), "approve", operator="alice", expect=6)["error"]["code"]
        == "not_allowed"
    )
    assert cli.json("queue", "act", "fraud_resumptions", str(item), "approve", operator="sam")["status"] == "approved"
    assert cli.json("subscribers", "show", LINE)["status"] == "active"


def test_deregister_needs_confirmation_from_a_script(cli, lucia):
    result = cli(
        "subscribers",
        "deregister",
        LINE,
        "--reason",
        "fee_problem",
        "--number-mode",
        "freeze",
        "--sim",
        "reuse",
        "--pay",
        "card",
    )
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert cli.json("subscribers", "show", LINE)["status"] == "active"


def test_deregister_end_to_end(cli, lucia):
    done = cli.json(
        "subscribers",
        "deregister",
        LINE,
        "--reason",
        "fee_problem",
        "--number-mode",
        "freeze",
        "--sim",
        "reuse",
        "--pay",
        "card",
        "--yes",
    )
    assert done["order"]["status"] == "closed" and done["order_id"].startswith("ORD")
    assert Decimal(done["receipt"]["amount"]) == sum(Decimal(line["amount"]) for line in done["receipt"]["lines"])
    shown = cli.json("orders", "show", done["order_id"])
    assert [s["name"] for s in shown["steps"]] == [
        "cbs.change_state",
        "provisioning.deactivate",
        "cbs.deactivate",
        "inventory.recycle",
        "archive.subscriber",
        "order.close",
    ]
    again = cli.json(
        "subscribers",
        "deregister",
        LINE,
        "--reason",
        "fee_problem",
        "--number-mode",
        "freeze",
        "--sim",
        "reuse",
        "--yes",
        expect=3,
    )
    assert "already" in again["error"]["message"]


def test_retention_accepted_keeps_the_customer(cli, lucia):
    kept = cli.json(
        "subscribers",
        "deregister",
        LINE,
        "--reason",
        "fee_problem",
        "--number-mode",
        "freeze",
        "--sim",
        "reuse",
        "--retention",
        "accepted:FEE-30-6M",
    )
    assert kept["retention"]["offer_code"] == "FEE-30-6M"
    assert cli.json("subscribers", "show", LINE)["status"] == "active"


def test_missing_reason_is_a_usage_error(cli, lucia):
    result = cli("subscribers", "deregister", LINE, "--number-mode", "freeze", "--sim", "reuse", "--yes")
    assert result.exit_code == 2


def test_an_external_failure_exits_7_and_the_order_waits(cli, lucia):
    failed = cli.json(
        "subscribers",
        "deregister",
        LINE,
        "--reason",
        "call_quality",
        "--number-mode",
        "immediate",
        "--sim",
        "abandon",
        "--pay",
        "cash",
        "--yes",
        expect=7,
        CRM_FAULTS="provisioning.deactivate:fail",
    )
    order_id = failed["error"]["order_id"]
    assert failed["error"]["failed_step"] == 2
    [item] = cli.json("queue", "list", "failed_orders", operator="sam")["items"]
    assert item["ref_id"] == order_id
    assert cli.json("orders", "retry", order_id, operator="sam")["status"] == "closed"


def test_a_crash_then_orders_resume(cli, lucia, database_url, tmp_path):
    env = cli.environment() | {"CRM_FAULTS": "cbs.deactivate:crash"}
    crashed = subprocess.run(
        [
            sys.executable,
            "-m",
            "crm_tui",
            "subscribers",
            "deregister",
            LINE,
            "--reason",
            "fee_problem",
            "--number-mode",
            "freeze",
            "--sim",
            "reuse",
            "--pay",
            "cash",
            "--yes",
            "--json",
        ],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == 86, crashed.stderr
    [open_order] = cli.json("orders", "list", "--status", "running")["orders"]
    resumed = cli.json("orders", "resume")["orders"]
    assert [o["status"] for o in resumed] == ["closed"] and resumed[0]["order_id"] == open_order["order_id"]


def test_terminate_archive_show_and_reestablish(cli, lucia):
    done = cli.json(
        "customers", "terminate", lucia, "--reason", "customer_request", "--archive-consent", "yes", "--yes"
    )
    assert done["order"]["status"] == "closed"
    kept = cli.json("archive", "show", lucia, operator="sam")["records"]
    assert {r["kind"] for r in kept} == {"customer", "subscriber"}
    look = cli.json("customers", "reestablish", "--former-service-number", LINE, "--dry-run")
    assert look["customer_id"] == lucia and look["former_lines"][0]["recoverable"] is True
    back = cli.json("customers", "reestablish", "--id", lucia)
    assert back["status"] == "idle"


def test_erasure_request_is_held_then_approved_from_the_queue(cli, lucia):
    cli.json("customers", "terminate", lucia, "--reason", "customer_request", "--archive-consent", "no", "--yes")
    held = cli.json("customers", "erase", lucia, "--legal-ground", "GDPR art. 17", expect=4)
    item = held["error"]["held"]["item_id"]
    approved = cli("queue", "act", "erasure_requests", str(item), "approve", operator="sam")
    assert approved.exit_code == 0, approved.stderr
    assert "Erased: nothing of the person is left; confirmation " in approved.stderr + approved.stdout
    shown = cli.json("events", "list", operator="sam")["events"]
    assert shown[-1]["event_type"] == "customer.erased"


def test_queue_summaries_for_supervisors_only(cli, lucia):
    queues = {q["queue"]: q for q in cli.json("queue", "list", operator="sam")["queues"]}
    assert set(queues) >= {
        "duplicates",
        "held_registrations",
        "failed_orders",
        "reserved_orders",
        "erasure_requests",
        "penalty_waivers",
    }
    assert cli.json("queue", "list", expect=6)["error"]["code"] == "not_allowed"


def test_audit_verify_and_show_and_events(cli, lucia):
    cli.json("subscribers", "suspend", LINE, "--reason", "travel")
    assert cli.json("audit", "verify", operator="sam")["intact"] is True
    actions = [e["action"] for e in cli.json("audit", "show", "--customer", lucia, operator="sam")["entries"]]
    assert "subscriber.suspend" in actions
    assert [e["event_type"] for e in cli.json("events", "list", operator="sam")["events"]] == ["subscriber.suspended"]
    assert cli.json("audit", "verify", expect=6)["error"]["code"] == "not_allowed"


def test_import_then_dedupe_merge_and_unmerge(cli, services, supervisor, csr, tmp_path):
    path = tmp_path / "people.jsonl"
    path.write_text(
        '{"cert_type": "national_id", "cert_number": "12345678Z", "cert_country": "ES", "first_name": "Lucía", "last_name": "García Pérez", "birthday": "1988-04-12", "email": "lucia@example.com"}\n'
        '{"cert_type": "passport", "cert_number": "PAA123456", "cert_country": "ES", "first_name": "Lucia", "last_name": "Garcia Perez", "birthday": "1988-04-12", "email": "lucia@example.com"}\n'
        '{"cert_type": "national_id", "cert_number": "12345678A", "cert_country": "ES", "first_name": "Bad", "last_name": "Row", "birthday": "1988-04-12"}\n'
    )
    report = cli.json("customers", "import", str(path), operator="sam", expect=2)  # one row refused: exit 2
    assert report["created"] == 2 and [e["line"] for e in report["errors"]] == [3]
    scan = cli.json("dedupe", "scan", operator="sam")
    assert scan["new"] == 1
    pair = scan["pairs"][0]
    assert "name" in pair["reasons"]["agree"]  # scripts get the stored keys; people get their language:
    table = cli("dedupe", "scan", operator="sam", CRM_LOCALE="es_ES")
    assert table.exit_code == 0 and "nombre" in table.stdout and "Abierto" in table.stdout
    assert "name," not in table.stdout and " open " not in table.stdout
    merged = cli.json("dedupe", "merge", pair["customer_id_a"], pair["customer_id_b"], "--yes", operator="sam")
    assert cli.json("customers", "show", pair["customer_id_b"])["customer_id"] == pair["customer_id_a"]
    cli.json("dedupe", "unmerge", str(merged["merge_id"]), operator="sam")
    assert cli.json("customers", "show", pair["customer_id_b"])["customer_id"] == pair["customer_id_b"]
    assert cli.json("dedupe", "scan", operator="sam")["new"] == 0
