"""Suspend and resume: each kind of suspension lifts by its own rule; reserved resumptions wait."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.errors import (
    Conflict,
    ExternalSystemFailed,
    Held,
    InvalidInput,
    NotAllowed,
)
from crm_tui.services.bootstrap import open_services, services_over
from crm_tui.services.context import Services
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.lifecycle.resumption import (
    decide_fraud_resumption,
    resume_quote,
    resume_subscriber,
)
from crm_tui.services.lifecycle.suspension import suspend_subscriber
from crm_tui.services.orders import engine as orders
from crm_tui.services.orders import operations as order_operations
from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.orders import ExternalRequest, Order
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer

LINE = "34612345678"


@pytest.fixture
def lucia(services):
    return make_customer(services, service_number=LINE)


def suspend(services, actor, reason="customer_request"):
    return suspend_subscriber(LINE, services=services, actor=actor, reason=reason)


def resume(services, actor, **kw):
    kw.setdefault("operation", "customer_request")
    return resume_subscriber(LINE, services=services, actor=actor, **kw)


def line_status(services) -> tuple[str, str | None]:
    with services.reader() as uow:
        s = uow.session.execute(select(Subscriber)).scalar_one()
        return s.status, s.status_reason


def test_suspend_and_resume_at_the_customers_request(services, csr, lucia):
    order = suspend(services, csr, "travel")
    assert order.type == "suspend" and order.status == "closed"
    assert line_status(services) == ("suspended", "travel")
    assert get_customer(lucia, uow=services.reader(), actor=csr).status == "suspended"
    quote = resume_quote(LINE, uow=services.reader(), actor=csr, region="ES")
    assert quote.reason == "travel" and quote.fee == 0 and not quote.needs_supervisor
    result = resume(services, csr, reason="Back home")
    assert result.order.status == "closed" and result.paid == 0
    assert line_status(services) == ("active", None)
    assert get_customer(lucia, uow=services.reader(), actor=csr).status == "active"
    with services.reader() as uow:
        ops = uow.session.execute(select(ExternalRequest.system, ExternalRequest.operation)).all()
    assert set(ops) == {("cbs", "suspend"), ("provisioning", "suspend"), ("cbs", "resume"), ("provisioning", "resume")}


def test_a_lost_sim_resumption_costs_the_catalog_fee(services, csr, lucia):
    suspend(services, csr, "lost_sim")
    with pytest.raises(InvalidInput):
        resume(services, csr)
    result = resume(services, csr, payment_method="cash")
    assert result.paid == Decimal("5.00") and result.receipt_number


def test_a_debt_suspension_lifts_only_when_paid(services, csr, lucia):
    with services.writer() as uow:
        from crm_tui.storage.models.lines import Account

        account = uow.session.execute(select(Account)).scalar_one()
        uow.session.add(Charge(account_id=account.id, amount=Decimal("42.10"), description="Unpaid bill"))
        uow.commit()
    order = suspend_subscriber(LINE, services=services, actor=None, reason="debt")
    assert order.status == "closed"
    with pytest.raises(Conflict, match="42.10"):
        resume(services, csr)
    result = resume(services, csr, pay_outstanding=True, payment_method="card")
    assert result.paid == Decimal("52.10")  # the debt and the 10.00 resumption fee
    assert line_status(services)[0] == "active"
    with services.reader() as uow:
        assert (
            uow.session.execute(
                select(func.count()).select_from(Charge).where(Charge.status == "outstanding")
            ).scalar_one()
            == 0
        )


def test_only_debt_is_suspended_by_the_system(services, lucia):
    with pytest.raises(NotAllowed):
        suspend_subscriber(LINE, services=services, actor=None, reason="travel")


def test_a_fraud_suspension_needs_a_supervisor(services, csr, supervisor, lucia):
    with pytest.raises(NotAllowed):
        suspend(services, csr, "fraud")
    suspend(services, supervisor, "fraud")
    with pytest.raises(Held) as held:
        resume(services, csr, reason="Customer proved identity")
    assert held.value.exit_code == 4
    item_id = held.value.extra["held"]["item_id"]
    assert line_status(services)[0] == "suspended"
    with pytest.raises(NotAllowed):
        decide_fraud_resumption(item_id, approve=True, services=services, actor=csr)
    result = decide_fraud_resumption(item_id, approve=True, note="ID checked", services=services, actor=supervisor)
    assert result.order.status == "closed" and line_status(services)[0] == "active"


def test_an_administrators_suspension_is_lifted_by_a_supervisor(services, csr, supervisor, lucia):
    suspend(services, supervisor, "admin")
    with pytest.raises(NotAllowed):
        resume(services, csr)
    resume(services, supervisor, operation="administrator", reason="Audit done")
    assert line_status(services)[0] == "active"


def test_cannot_suspend_twice_or_resume_an_active_line(services, csr, lucia):
    with pytest.raises(Conflict):
        resume(services, csr)
    suspend(services, csr)
    with pytest.raises(Conflict, match="already suspended"):
        suspend(services, csr)


def test_suspension_failing_once_then_retried(services, csr, supervisor, lucia):
    faulty = services_over(
        services.database, services.settings.model_copy(update={"faults": "provisioning.suspend:fail-once"})
    )
    with pytest.raises(ExternalSystemFailed) as caught:
        suspend(faulty, csr)
    assert caught.value.extra["failed_step"] == 2 and line_status(services)[0] == "active"
    assert (
        order_operations.retry_order(caught.value.extra["order_id"], services=faulty, actor=supervisor).status
        == "closed"
    )
    assert line_status(services)[0] == "suspended"


# --- reserved resumptions ------------------------------------------------------------------------------


def test_reserved_resume_waits_for_its_date_then_runs_once(services, csr, supervisor, lucia):
    suspend(services, csr, "travel")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    result = resume(services, csr, effective_date=tomorrow)
    assert result.order.status == "reserved"
    with services.reader() as uow:
        [item] = uow.session.execute(select(QueueItem).where(QueueItem.queue == "reserved_orders")).scalars().all()
    assert item.ref_id == result.order.order_id
    assert (
        order_operations.run_due_orders(services=services, actor=None) == []
    )  # a script at the right time needs no one
    assert (
        order_operations.run_due_orders(services=services, actor=supervisor, as_of=tomorrow - timedelta(minutes=1))
        == []
    )
    assert line_status(services)[0] == "suspended"
    [ran] = order_operations.run_due_orders(services=services, actor=supervisor, as_of=tomorrow)
    assert ran.status == "closed" and line_status(services)[0] == "active"
    assert (
        order_operations.run_due_orders(services=services, actor=supervisor, as_of=tomorrow + timedelta(days=1)) == []
    )


def test_running_orders_ahead_of_their_date_needs_a_supervisor_and_is_audited(services, csr, supervisor, lucia):
    suspend(services, csr, "travel")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    resume(services, csr, effective_date=tomorrow)
    with pytest.raises(NotAllowed, match="Sign in"):
        order_operations.run_due_orders(services=services, actor=None, as_of=tomorrow)
    with pytest.raises(NotAllowed, match="Supervisor"):
        order_operations.run_due_orders(services=services, actor=csr, as_of=tomorrow)
    assert line_status(services)[0] == "suspended"
    [ran] = order_operations.run_due_orders(services=services, actor=supervisor, as_of=tomorrow)
    assert ran.status == "closed"
    with services.reader() as uow:
        [entry] = (
            uow.session.execute(select(AuditEntry).where(AuditEntry.action == "order.run_due_ahead")).scalars().all()
        )
    assert entry.operator == supervisor.username and entry.summary["as_of"].startswith(tomorrow.date().isoformat())


def test_reserved_resume_accepts_a_date_in_the_shops_time_zone(services, csr, lucia):
    suspend(services, csr, "travel")
    result = resume(services, csr, effective_date="2030-03-01")
    assert result.order.effective_at == datetime(2030, 2, 28, 23, 0, tzinfo=UTC)  # midnight in Madrid


def test_a_reserved_resume_can_be_cancelled_before_its_date(services, csr, supervisor, lucia):
    suspend(services, csr, "travel")
    result = resume(services, csr, effective_date="2030-03-01")
    view, cannot = order_operations.cancel_order(result.order.order_id, services=services, actor=csr)
    assert view.status == "cancelled" and cannot == []
    assert (
        order_operations.run_due_orders(services=services, actor=supervisor, as_of=datetime(2030, 3, 2, tzinfo=UTC))
        == []
    )
    assert line_status(services)[0] == "suspended"
    with services.reader() as uow:
        assert (
            uow.session.execute(select(QueueItem.status).where(QueueItem.queue == "reserved_orders")).scalar_one()
            == "done"
        )


def _run_due(url: str, as_of: datetime, barrier, supervisor_id: int) -> int:
    services = open_services(Settings(database_url=url), migrate=False)
    supervisor = Actor(id=supervisor_id, username="sam", display_name="Sam", role=Role.SUPERVISOR)
    barrier.wait()
    try:
        return len(order_operations.run_due_orders(services=services, actor=supervisor, as_of=as_of))
    finally:
        services.close()


def test_two_concurrent_run_due_run_each_order_once(services, csr, supervisor, lucia):
    second = make_customer(
        services,
        first_name="Pablo",
        last_name="Ruiz",
        service_number="34612000333",
        imsi="214070000000333",
        iccid="8934070000000000031",
    )
    suspend(services, csr, "travel")
    suspend_subscriber("34612000333", services=services, actor=csr, reason="travel")
    for number in (LINE, "34612000333"):
        resume_subscriber(
            number, services=services, actor=csr, operation="customer_request", effective_date="2030-03-01"
        )
    context = multiprocessing.get_context("fork")
    as_of = datetime(2030, 3, 2, tzinfo=UTC)
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        with context.Pool(2) as pool:
            counts = pool.starmap(_run_due, [(services.database.url, as_of, barrier, supervisor.id)] * 2)
    assert sum(counts) == 2
    with services.reader() as uow:
        resumes = (
            uow.session.execute(
                select(ExternalRequest).where(ExternalRequest.operation == "resume", ExternalRequest.outcome == "ok")
            )
            .scalars()
            .all()
        )
        assert len(resumes) == 4  # 2 orders x (billing + network), each once
        assert (
            uow.session.execute(
                select(func.count()).select_from(Order).where(Order.type == "resume", Order.status == "closed")
            ).scalar_one()
            == 2
        )
    assert second


# --- every external step of suspension and resumption: a failure retried, a crash resumed ----------------

SUSPEND_STEPS = ["cbs.suspend", "provisioning.suspend"]
RESUME_STEPS = ["cbs.resume", "provisioning.resume"]


def _with_faults(services, faults: str) -> Services:
    return services_over(services.database, services.settings.model_copy(update={"faults": faults}))


def _effects(services) -> dict[tuple[str, str], int]:
    with services.reader() as uow:
        rows = uow.session.execute(
            select(ExternalRequest.idempotency_key, ExternalRequest.operation, func.count())
            .where(ExternalRequest.outcome == "ok")
            .group_by(ExternalRequest.idempotency_key, ExternalRequest.operation)
        ).all()
    return {(key, op): n for key, op, n in rows}


@pytest.mark.parametrize("step", SUSPEND_STEPS + RESUME_STEPS)
def test_each_step_failing_once_then_retried(services, csr, supervisor, lucia, step):
    if step in RESUME_STEPS:
        suspend(services, csr, "travel")
    faulty = _with_faults(services, f"{step}:fail-once")
    with pytest.raises(ExternalSystemFailed) as caught:
        (suspend(faulty, csr, "travel") if step in SUSPEND_STEPS else resume(faulty, csr, reason="Back"))
    done = order_operations.retry_order(caught.value.extra["order_id"], services=faulty, actor=supervisor)
    assert done.status == "closed"
    assert line_status(services)[0] == ("suspended" if step in SUSPEND_STEPS else "active")
    assert set(_effects(services).values()) == {1}


def _crash(url: str, faults: str, actor_id: int, action: str) -> None:
    import os

    from crm_tui.domain import Role
    from crm_tui.services.shared.views import Actor

    services = open_services(Settings(database_url=url, faults=faults), migrate=False)
    actor = Actor(id=actor_id, username="alice", display_name="Alice", role=Role.CSR)
    if action == "suspend":
        suspend_subscriber(LINE, services=services, actor=actor, reason="travel")
    else:
        resume_subscriber(LINE, services=services, actor=actor, operation="customer_request", reason="Back")
    os._exit(0)


@pytest.mark.parametrize("step", SUSPEND_STEPS + RESUME_STEPS)
def test_a_crash_at_each_step_then_resume_has_every_effect_once(services, csr, lucia, step):
    action = "suspend" if step in SUSPEND_STEPS else "resume"
    if action == "resume":
        suspend(services, csr, "travel")
    child = multiprocessing.get_context("fork").Process(
        target=_crash, args=(services.database.url, f"{step}:crash", csr.id, action)
    )
    child.start()
    child.join(60)
    assert child.exitcode == 86
    resumed = order_operations.resume_orders(services=services, actor=csr)
    assert [o.status for o in resumed] == ["closed"]
    assert line_status(services)[0] == ("suspended" if action == "suspend" else "active")
    assert set(_effects(services).values()) == {1}


def test_suspend_and_resume_report_each_step_as_it_finishes(services, csr, lucia):
    """The workbench shows the order's steps advancing: on_progress sees the order each time it waits
    on another system (the steps done so far, the one sent with its attempt counted), then the end."""
    seen: list[tuple[str, int, int | None]] = []

    def progress(view: orders.OrderView) -> None:
        running = next((s for s in view.steps if s.status == "pending" and s.attempts), None)
        seen.append((view.type, sum(step.status == "done" for step in view.steps), running and running.seq))

    order = suspend_subscriber(LINE, services=services, actor=csr, reason="travel", on_progress=progress)
    # billing, then the network (each awaited apart), then marking the line and closing, in one go
    assert [(done, running) for kind, done, running in seen if kind == "suspend"] == [(0, 1), (1, 2), (4, None)]
    assert len(order.steps) == 4 and seen[-1][1] == 4
    result = resume_subscriber(LINE, services=services, actor=csr, operation="customer_request", on_progress=progress)
    assert [(done, running) for kind, done, running in seen if kind == "resume"] == [(0, 1), (1, 2), (4, None)]
    assert result.order.status == "closed"
