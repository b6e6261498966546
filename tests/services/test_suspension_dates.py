"""Suspension with a date and by the system: a reserved suspension waits for run-due and is cancelled
from the reserved-orders queue; the overdue scan suspends lines whose debt is past its grace, once,
however often and however many times at once it runs (SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_tui.config import Settings
from crm_tui.errors import Conflict, NotAllowed
from crm_tui.services.bootstrap import open_services
from crm_tui.services.lifecycle.overdue import overdue_rules, suspend_overdue
from crm_tui.services.lifecycle.suspension import suspend_subscriber
from crm_tui.services.orders import operations as order_operations
from crm_tui.services.queues import act_on_item, list_queue
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.orders import Order
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer

LINE = "34612345678"
NOW = datetime(2026, 6, 30, 10, 0, tzinfo=UTC)


def status(services, number: str = LINE) -> tuple[str, str | None]:
    with services.reader() as uow:
        return tuple(
            uow.session.execute(
                select(Subscriber.status, Subscriber.status_reason).where(Subscriber.service_number == number)
            ).one()
        )


@pytest.fixture
def lucia(services):
    return make_customer(services, service_number=LINE)


def test_a_reserved_suspension_waits_then_run_due_suspends(services, csr, supervisor, lucia):
    order = suspend_subscriber(LINE, services=services, actor=csr, reason="travel", effective_date="2030-03-01")
    assert order.status == "reserved" and order.effective_at is not None
    assert status(services) == ("active", None)
    with services.reader() as uow:
        [item] = uow.session.execute(select(QueueItem).where(QueueItem.queue == "reserved_orders")).scalars().all()
        assert item.ref_id == order.order_id
    with pytest.raises(Conflict, match="in progress"):  # one order at a time on a line
        suspend_subscriber(LINE, services=services, actor=csr, reason="lost_sim")
    assert order_operations.run_due_orders(services=services, actor=None) == []  # not yet
    ran = order_operations.run_due_orders(services=services, actor=supervisor, as_of=datetime(2030, 3, 2, tzinfo=UTC))
    assert [(o.order_id, o.status) for o in ran] == [(order.order_id, "closed")]
    assert status(services) == ("suspended", "travel")


def test_a_reserved_suspension_is_cancelled_from_the_reserved_orders_queue(services, csr, supervisor, lucia):
    order = suspend_subscriber(LINE, services=services, actor=csr, reason="travel", effective_date="2030-03-01")
    [item] = list_queue("reserved_orders", uow=services.reader(), actor=supervisor)
    done = act_on_item("reserved_orders", item.item_id, "cancel", services=services, actor=supervisor)
    assert done.detail["order"]["status"] == "cancelled"
    with services.reader() as uow:
        assert uow.session.execute(select(Order.status).where(Order.order_number == order.order_id)).scalar() == (
            "cancelled"
        )
    assert (
        order_operations.run_due_orders(services=services, actor=supervisor, as_of=datetime(2030, 3, 2, tzinfo=UTC))
        == []
    )
    assert status(services) == ("active", None)
    now = suspend_subscriber(LINE, services=services, actor=csr, reason="travel")  # free again
    assert now.status == "closed"


def test_a_past_effective_date_suspends_now(services, csr, lucia):
    order = suspend_subscriber(LINE, services=services, actor=csr, reason="travel", effective_date="2020-01-01")
    assert order.status == "closed" and status(services) == ("suspended", "travel")


# --- the overdue scan ---------------------------------------------------------------------------------


def owe(services, customer_id: str, amount: str, due_on: date | None, *, kind: str = "bill", created: datetime = NOW):
    with services.writer() as uow:
        account = uow.session.execute(
            select(Account)
            .join(Customer, Customer.id == Account.customer_id)
            .where(Customer.customer_id == customer_id)
        ).scalar_one()
        uow.session.add(
            Charge(account_id=account.id, amount=Decimal(amount), due_on=due_on, kind=kind, created_at=created)
        )
        uow.commit()


@pytest.fixture
def debtors(services, lucia):
    """Lucía owes 30.00 due 40 days ago; Pablo 30.00 due 5 days ago (in grace); Marta 2.00 long overdue
    (below the minimum); Nuria a bill without a due date raised 90 days ago (due after 30: overdue)."""
    grace = overdue_rules()["grace_days"]
    assert grace == 15
    pablo = make_customer(services, first_name="Pablo", service_number="34612000002")
    marta = make_customer(services, first_name="Marta", service_number="34612000003")
    nuria = make_customer(services, first_name="Nuria", service_number="34612000004")
    owe(services, lucia, "30.00", (NOW - timedelta(days=40)).date())
    owe(services, pablo, "30.00", (NOW - timedelta(days=5)).date())
    owe(services, marta, "2.00", (NOW - timedelta(days=90)).date())
    owe(services, nuria, "12.00", None, created=NOW - timedelta(days=90))
    return {"lucia": lucia, "pablo": pablo, "marta": marta, "nuria": nuria}


def test_the_scan_suspends_overdue_lines_once(services, csr, debtors):
    dry = suspend_overdue(services=services, actor=None, as_of=NOW, dry_run=True)
    assert {(line.service_number, line.outcome) for line in dry.lines} == {
        (LINE, "would_suspend"),
        ("34612000004", "would_suspend"),
    }
    assert status(services) == ("active", None)
    scan = suspend_overdue(services=services, actor=None, as_of=NOW)
    assert {(line.service_number, line.outcome) for line in scan.lines} == {
        (LINE, "suspended"),
        ("34612000004", "suspended"),
    }
    lucia_line = next(line for line in scan.lines if line.service_number == LINE)
    assert (lucia_line.overdue, lucia_line.oldest_due_on) == (Decimal("30.00"), (NOW - timedelta(days=40)).date())
    assert status(services) == ("suspended", "debt") and status(services, "34612000004") == ("suspended", "debt")
    assert status(services, "34612000002") == ("active", None) and status(services, "34612000003") == ("active", None)
    again = suspend_overdue(services=services, actor=None, as_of=NOW)
    assert again.lines == [] and again.accounts_overdue == 2  # idempotent: already suspended lines are left alone
    with services.reader() as uow:
        assert (
            uow.session.execute(select(func.count()).select_from(Order).where(Order.type == "suspend")).scalar_one()
            == 2
        )


def test_a_scan_ahead_of_today_is_for_supervisors(services, csr, supervisor, debtors):
    later = datetime.now(UTC) + timedelta(days=30)
    with pytest.raises(NotAllowed):
        suspend_overdue(services=services, actor=csr, as_of=later)
    with pytest.raises(NotAllowed):
        suspend_overdue(services=services, actor=None, as_of=later)
    scan = suspend_overdue(services=services, actor=supervisor, as_of=later, dry_run=True)
    assert "34612000002" in {line.service_number for line in scan.lines}  # Pablo's grace is over by then


def _scan(url: str, as_of: datetime, barrier) -> list[tuple[str, str]]:
    services = open_services(Settings(database_url=url), migrate=False)
    barrier.wait()
    try:
        return [
            (line.service_number, line.outcome)
            for line in suspend_overdue(services=services, actor=None, as_of=as_of).lines
        ]
    finally:
        services.close()


def test_two_scans_at_once_suspend_each_line_once(services, debtors):
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        with context.Pool(2) as pool:
            results = pool.starmap(_scan, [(services.database.url, NOW, barrier)] * 2)
    suspended = [number for lines in results for number, outcome in lines if outcome == "suspended"]
    assert sorted(suspended) == ["34612000004", LINE], results
    with services.reader() as uow:
        assert (
            uow.session.execute(select(func.count()).select_from(Order).where(Order.type == "suspend")).scalar_one()
            == 2
        )
    assert status(services) == ("suspended", "debt")
