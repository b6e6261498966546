"""Who runs an order right now: a lease taken and kept by conditional updates, so any number of
runners (`orders resume` from cron and from a person, `run-due`, a retry from the queue, the
workbench) run each local step once and close each order once.

An order is claimed by one UPDATE that moves it to `running` with the runner's id and an expiry,
and only from a state that may run (open, failed, or running under a lease that has run out or
whose runner is gone). Every step begins and ends with a renewal that names the runner: a runner
that lost its lease (it stalled past the expiry and another took over) changes nothing more. A
runner that dies leaves its lease behind; it runs out after LEASE, or at once for a runner on this
host whose process no longer exists, so `orders resume` right after a crash still finishes the order.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update

from crm_tui.domain import OrderStatus
from crm_tui.services.shared.runners import runner_is_gone
from crm_tui.storage.models.orders import Order
from crm_tui.storage.unit_of_work import UnitOfWork

LEASE = timedelta(seconds=60)
"""How long a claim holds without a renewal; each step renews it (external calls retry within it)."""


def claim(uow: UnitOfWork, order_pk: int, runner: str, now: datetime, *, from_states: tuple[str, ...]) -> bool:
    """Take the order for `runner` (one conditional UPDATE); False when someone else holds it."""
    holder = uow.session.execute(select(Order.status, Order.lease_owner).where(Order.id == order_pk)).one_or_none()
    if holder is None:
        return False
    runnable = Order.status.in_(from_states)
    stale = and_(
        Order.status == OrderStatus.RUNNING, or_(Order.lease_expires_at.is_(None), Order.lease_expires_at < now)
    )
    conditions = [runnable, stale]
    if holder.status == OrderStatus.RUNNING and runner_is_gone(holder.lease_owner):
        conditions.append(and_(Order.status == OrderStatus.RUNNING, Order.lease_owner == holder.lease_owner))
    taken = uow.session.execute(
        update(Order)
        .where(Order.id == order_pk, or_(*conditions))
        .values(status=OrderStatus.RUNNING, lease_owner=runner, lease_expires_at=now + LEASE, version=Order.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return taken == 1


def renew(uow: UnitOfWork, order_pk: int, runner: str, now: datetime) -> bool:
    """Keep the lease for one more step; False when it is no longer this runner's."""
    kept = uow.session.execute(
        update(Order)
        .where(Order.id == order_pk, Order.status == OrderStatus.RUNNING, Order.lease_owner == runner)
        .values(lease_expires_at=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    return kept == 1


def release(uow: UnitOfWork, order_pk: int, runner: str, *, status: str | None = None) -> bool:
    """Let the order go (optionally moving a still-running order to `status`); only the holder can."""
    values: dict[str, object] = {"lease_owner": None, "lease_expires_at": None}
    if status is not None:  # only a still-running order moves: a closed one stays closed
        values["status"] = case((Order.status == OrderStatus.RUNNING, status), else_=Order.status)
    released = uow.session.execute(
        update(Order)
        .where(Order.id == order_pk, Order.lease_owner == runner)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return released == 1
