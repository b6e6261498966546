"""Orders run once however many runners start together (issue 19.6): eight `orders resume` released
by one barrier over four deregistrations that crashed mid-order run each local step once and close
each order once, on SQLite and on PostgreSQL (CRM_TEST_DATABASE_URL)."""

from __future__ import annotations

import multiprocessing
import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from crm_tui.config import Settings
from crm_tui.domain import OrderStatus, Role
from crm_tui.errors import Conflict
from crm_tui.services.bootstrap import open_services
from crm_tui.services.lifecycle.deregistration import submit_deregistration
from crm_tui.services.orders import engine as orders
from crm_tui.services.orders import lease
from crm_tui.services.orders import operations as order_operations
from crm_tui.services.shared import runners
from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.archive import ArchiveRecord
from crm_tui.storage.models.customers import Interaction
from crm_tui.storage.models.orders import ExternalRequest, Order
from crm_tui.storage.models.outbox import OutboxEvent
from tests.factories import make_customer

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LINES = [f"3461234567{i}" for i in range(4)]
RUNNERS = 8


def _crash_during(url: str, line: str, step: str, actor_id: int) -> None:
    services = open_services(Settings(database_url=url, faults=f"{step}:crash"), migrate=False)
    actor = Actor(id=actor_id, username="alice", display_name="Alice", role=Role.CSR)
    submit_deregistration(
        line,
        services=services,
        actor=actor,
        reason="fee_problem",
        number_mode="freeze",
        sim_mode="reuse",
        payment_method="cash",
        now=NOW,
    )
    os._exit(0)  # not reached: the fault ends the process after the request was received


def _resume(args: tuple[str, int, object]) -> list[str]:
    url, actor_id, barrier = args
    services = open_services(Settings(database_url=url), migrate=False)
    actor = Actor(id=actor_id, username="sam", display_name="Sam", role=Role.SUPERVISOR)
    barrier.wait()  # type: ignore[attr-defined]
    try:
        return [view.status for view in order_operations.resume_orders(services=services, actor=actor)]
    finally:
        services.close()


def _count(services, model, *where) -> int:
    with services.reader() as uow:
        return uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.mark.slow
def test_eight_resumes_at_once_over_crashed_orders_run_each_local_step_once(services, csr, supervisor):
    for n, line in enumerate(LINES):
        make_customer(services, cert_number=None, service_number=line, email=f"c{n}@example.com")
    context = multiprocessing.get_context("fork")
    crash_points = ["cbs.change_state", "provisioning.deactivate", "cbs.deactivate", "cbs.deactivate"]
    for line, step in zip(LINES, crash_points, strict=True):
        child = context.Process(target=_crash_during, args=(services.database.url, line, step, csr.id))
        child.start()
        child.join(60)
        assert child.exitcode == 86
    assert _count(services, Order, Order.status == OrderStatus.RUNNING) == 4  # each runner died holding its lease

    with context.Manager() as manager:
        barrier = manager.Barrier(RUNNERS)
        with context.Pool(RUNNERS) as pool:
            outcomes = pool.map(_resume, [(services.database.url, supervisor.id, barrier) for _ in range(RUNNERS)])

    assert all(status in ("closed", "running") for statuses in outcomes for status in statuses), outcomes
    assert _count(services, Order, Order.status == OrderStatus.CLOSED) == 4
    assert _count(services, Order, Order.lease_owner.is_not(None)) == 0
    # local steps once: one archive copy per line, one event per line, one close interaction per order
    assert _count(services, ArchiveRecord, ArchiveRecord.kind == "subscriber") == 4
    assert _count(services, OutboxEvent, OutboxEvent.event_type == "subscriber.deactivated") == 4
    assert _count(services, Interaction, Interaction.kind == "order_closed") == 4
    # external requests: each idempotency key applied once (the simulator counts what it applied)
    with services.reader() as uow:
        applied = uow.session.execute(
            select(ExternalRequest.idempotency_key, func.count())
            .where(ExternalRequest.outcome == "ok")
            .group_by(ExternalRequest.idempotency_key)
        ).all()
    assert len(applied) == 12 and {n for _, n in applied} == {1}


def test_a_live_lease_refuses_a_second_runner_and_an_expired_one_is_taken_over(services, csr, supervisor):
    make_customer(services, cert_number=None, service_number=LINES[0])
    with services.writer() as uow:
        order = orders.create_order(
            uow, order_type="deregister", actor=csr, customer_pk=1, subscriber_pk=1, payload={}, now=NOW
        )
        order_pk, number = order.id, order.order_number
        uow.commit()
    now = datetime.now(UTC)
    with services.writer() as uow:  # someone else, alive (this very process, another token), holds it
        assert lease.claim(uow, order_pk, f"{runners.HOST}:{os.getpid()}:other", now, from_states=(OrderStatus.OPEN,))
        uow.commit()
    with pytest.raises(Conflict, match="being run elsewhere"):
        orders.run_order(
            number,
            database_uow=services.writer,
            externals=services.externals,
            settings=services.settings,
            actor=supervisor,
        )
    with services.writer() as uow:  # ...until the lease runs out
        uow.session.execute(
            update(Order).where(Order.id == order_pk).values(lease_expires_at=now - timedelta(seconds=1))
        )
        uow.commit()
    with services.writer() as uow:
        assert lease.claim(uow, order_pk, "elsewhere:1:mine", now, from_states=(OrderStatus.OPEN,))
        assert not lease.renew(uow, order_pk, f"{runners.HOST}:{os.getpid()}:other", now), "the old holder lost it"
        assert not lease.claim(uow, order_pk, "elsewhere:2:late", now, from_states=(OrderStatus.OPEN,))


def test_a_closed_order_is_never_reopened_by_a_late_runner(services, csr):
    make_customer(services, cert_number=None, service_number=LINES[0])
    with services.writer() as uow:
        order = orders.create_order(
            uow, order_type="deregister", actor=csr, customer_pk=1, subscriber_pk=1, payload={}, now=NOW
        )
        order.status = OrderStatus.CLOSED
        uow.commit()
        order_pk = order.id
    with services.writer() as uow:
        assert not lease.claim(uow, order_pk, "late:1:x", NOW, from_states=(OrderStatus.OPEN, OrderStatus.FAILED))
        assert not lease.release(uow, order_pk, "late:1:x", status=OrderStatus.OPEN)
        uow.commit()
    assert _count(services, Order, Order.status == OrderStatus.CLOSED) == 1


def test_a_dead_runner_on_this_host_frees_its_lease_at_once():
    child = multiprocessing.get_context("fork").Process(target=os._exit, args=(0,))
    child.start()
    child.join(10)
    assert runners.runner_is_gone(f"{runners.HOST}:{child.pid}:token")
    assert not runners.runner_is_gone(f"{runners.HOST}:{os.getpid()}:token")
    assert not runners.runner_is_gone("another-host:1:token"), (
        "a runner elsewhere is waited for until its lease runs out"
    )
