"""`subscribers suspend --effective-date` (exit 4 while it waits; run-due and the reserved-orders queue)
and `subscribers suspend-overdue` (cron: idempotent, --dry-run, --as-of ahead only for supervisors)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_tui.storage.models.lines import Account
from crm_tui.storage.models.money import Charge
from tests.factories import make_customer

LINE = "34612345678"


@pytest.fixture
def lucia(services, csr, supervisor):
    return make_customer(services, cert_number="12345678Z", service_number=LINE)


def test_a_reserved_suspension_exits_4_and_waits_for_run_due(cli, lucia):
    reserved = cli.json(
        "subscribers", "suspend", LINE, "--reason", "travel", "--effective-date", "2030-03-01", expect=4
    )
    assert reserved["status"] == "reserved" and reserved["type"] == "suspend"
    people = cli("subscribers", "suspend", LINE, "--reason", "travel", "--effective-date", "2030-03-01")
    assert people.exit_code == 3 and "in progress" in people.stderr  # one order at a time on the line
    assert cli.json("subscribers", "show", LINE)["status"] == "active"
    ran = cli.json("orders", "run-due", "--as-of", "2030-03-02T00:00", operator="sam")["orders"]
    assert [(o["order_id"], o["status"]) for o in ran] == [(reserved["order_id"], "closed")]
    line = cli.json("subscribers", "show", LINE)
    assert (line["status"], line["status_reason"]) == ("suspended", "travel")


def test_a_reserved_suspension_is_cancelled_in_the_queue(cli, lucia):
    reserved = cli.json(
        "subscribers", "suspend", LINE, "--reason", "travel", "--effective-date", "2030-03-01", expect=4
    )
    [item] = cli.json("queue", "list", "reserved_orders", operator="sam")["items"]
    assert item["ref_id"] == reserved["order_id"]
    done = cli.json("queue", "act", "reserved_orders", str(item["item_id"]), "cancel", operator="sam")
    assert done["detail"]["order"]["status"] == "cancelled"
    assert cli.json("orders", "run-due", "--as-of", "2030-03-02T00:00", operator="sam")["orders"] == []
    assert cli.json("subscribers", "show", LINE)["status"] == "active"


def test_a_bad_effective_date_is_exit_2(cli, lucia):
    error = cli.json("subscribers", "suspend", LINE, "--reason", "travel", "--effective-date", "1 March", expect=2)
    assert "effective_date" in error["error"]["fields"]


def test_the_overdue_scan_from_cron(cli, services, lucia):
    with services.writer() as uow:
        account = uow.session.execute(select(Account)).scalar_one()
        uow.session.add(
            Charge(
                account_id=account.id,
                amount=Decimal("42.10"),
                description="Unpaid bill",
                due_on=date.today() - timedelta(days=40),
            )
        )
        uow.commit()
    dry = cli.json("subscribers", "suspend-overdue", "--dry-run", operator=None, password=None)
    assert [(line["service_number"], line["outcome"]) for line in dry["lines"]] == [(LINE, "would_suspend")]
    assert cli.json("subscribers", "show", LINE)["status"] == "active"
    scan = cli.json("subscribers", "suspend-overdue", operator=None, password=None)  # cron: no operator
    [line] = scan["lines"]
    assert (line["outcome"], line["overdue"], line["customer_id"]) == ("suspended", "42.10", lucia)
    assert line["order_id"].startswith("ORD") and scan["grace_days"] == 15
    shown = cli.json("subscribers", "show", LINE)
    assert (shown["status"], shown["status_reason"]) == ("suspended", "debt")
    assert cli.json("subscribers", "suspend-overdue", operator=None, password=None)["lines"] == []  # idempotent
    table = cli("subscribers", "suspend-overdue", operator=None, password=None)
    assert table.exit_code == 0 and "Overdue scan" in table.stdout


def test_an_overdue_scan_ahead_of_today_needs_a_supervisor(cli, lucia):
    ahead = cli.json("subscribers", "suspend-overdue", "--as-of", "2099-01-01T00:00", expect=6)
    assert ahead["error"]["code"] == "not_allowed"
    drill = cli.json("subscribers", "suspend-overdue", "--as-of", "2099-01-01T00:00", "--dry-run", operator="sam")
    assert drill["lines"] == []
    assert cli.json("subscribers", "suspend-overdue", "--as-of", "tomorrow", expect=2)["error"]["code"] == (
        "invalid_input"
    )
