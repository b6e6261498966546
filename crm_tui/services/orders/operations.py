"""What supervisors and scripts do with orders once they exist: retry a failed one, resume every
open one after a crash, run the reserved ones whose date has come, cancel (undoing what can be
undone). Each goes through the engine's lease, so any number of them at once run each step once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from crm_tui.domain import OrderStatus, QueueName, StepStatus
from crm_tui.errors import Conflict, ExternalSystemFailed
from crm_tui.i18n import _
from crm_tui.services.context import ExternalFailure, Services
from crm_tui.services.orders import lease
from crm_tui.services.orders.engine import (
    STEP_KINDS,
    OrderView,
    StepContext,
    find_order,
    order_view,
    run_order,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
    require_signed_in,
)
from crm_tui.services.shared.runners import new_runner_id
from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.orders import Order, OrderStep
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

AHEAD_TOLERANCE = timedelta(minutes=1)
"""`run-due --as-of` within this of now counts as now (clocks differ a little between terminals)."""


def _close_queue_item(
    uow: UnitOfWork, queue: QueueName, order_number: str, status: str, actor: Actor | None, now: datetime
) -> None:
    uow.session.execute(
        update(QueueItem)
        .where(
            QueueItem.queue == queue,
            QueueItem.ref_type == "order",
            QueueItem.ref_id == order_number,
            QueueItem.status.in_(["open", "claimed"]),
        )
        .values(status=status, decided_by=actor.id if actor else None, decided_at=now, version=QueueItem.version + 1)
    )


def retry_order(order_id: str, *, services: Services, actor: Actor) -> OrderView:
    """A supervisor retries a failed order from its failed step."""
    require_role(actor, *SUPERVISORS, doing=_("retry orders"))
    with services.writer() as uow:
        order = find_order(uow, order_id)
        if order.status != OrderStatus.FAILED:
            raise Conflict(
                _("Order {order} is {status}, not failed.").format(order=order.order_number, status=order.status)
            )
        _close_queue_item(uow, QueueName.FAILED_ORDERS, order.order_number, "done", actor, utcnow())
        audit.record(uow, actor, "order.retry", "order", order.order_number)
        uow.commit()
    return run_order(
        order_id, database_uow=services.writer, externals=services.externals, settings=services.settings, actor=actor
    )


def resume_orders(*, services: Services, actor: Actor | None, now: datetime | None = None) -> list[OrderView]:
    """Finish every open order, and every running one whose runner is gone (after a crash): each
    runs from its first unfinished step, claimed by one runner however many resume at once."""
    with services.reader() as uow:
        numbers = (
            uow.session.execute(
                select(Order.order_number)
                .where(Order.status.in_((OrderStatus.OPEN, OrderStatus.RUNNING)))
                .order_by(Order.id)
            )
            .scalars()
            .all()
        )
    results = []
    for number in numbers:
        try:
            results.append(
                run_order(
                    number,
                    database_uow=services.writer,
                    externals=services.externals,
                    settings=services.settings,
                    actor=actor,
                )
            )
        except (ExternalSystemFailed, Conflict):
            with services.reader() as uow:
                results.append(order_view(uow, find_order(uow, number)))
    return results


def runs_ahead(as_of: datetime | None, now: datetime | None = None) -> bool:
    """True when `as_of` is later than now (beyond the clock tolerance): running then is a drill that
    only a supervisor may do."""
    return as_of is not None and as_of > (now or utcnow()) + AHEAD_TOLERANCE


def run_due_orders(*, services: Services, actor: Actor | None, as_of: datetime | None = None) -> list[OrderView]:
    """Reserved orders whose effective date has come: each is claimed by one runner only.

    A moment later than now (a drill, or catching up by hand) runs orders before their date: only a
    supervisor may, and it is audited.
    """
    now = utcnow()
    if runs_ahead(as_of, now):
        require_role(actor, *SUPERVISORS, doing=_("run orders ahead of their effective date"))
        with services.writer() as uow:
            audit.record(uow, actor, "order.run_due_ahead", "order", "*", {"as_of": as_of.isoformat()})
            uow.commit()
    as_of = as_of or now
    with services.reader() as uow:
        due = uow.session.execute(
            select(Order.id, Order.order_number)
            .where(Order.status == OrderStatus.RESERVED, Order.effective_at <= as_of)
            .order_by(Order.effective_at)
        ).all()
    results = []
    for order_pk, number in due:
        with services.writer() as uow:
            won = uow.session.execute(
                update(Order)
                .where(Order.id == order_pk, Order.status == OrderStatus.RESERVED)
                .values(status=OrderStatus.OPEN, version=Order.version + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if won != 1:
                continue
            _close_queue_item(uow, QueueName.RESERVED_ORDERS, number, "done", actor, as_of)
            uow.commit()
        try:
            results.append(
                run_order(
                    number,
                    database_uow=services.writer,
                    externals=services.externals,
                    settings=services.settings,
                    actor=actor,
                )
            )
        except ExternalSystemFailed:
            with services.reader() as uow:
                results.append(order_view(uow, find_order(uow, number)))
    return results


def cancel_order(order_id: str, *, services: Services, actor: Actor, note: str = "") -> tuple[OrderView, list[str]]:
    """Cancel a reserved or failed order: undo what the done steps can undo, say what cannot be."""
    require_signed_in(actor, doing=_("cancel orders"))
    now = utcnow()
    cannot: list[str] = []
    runner = new_runner_id()
    with services.writer() as uow:
        order = find_order(uow, order_id)
        if order.status == OrderStatus.FAILED:
            require_role(actor, *SUPERVISORS, doing=_("cancel failed orders"))
        elif order.status != OrderStatus.RESERVED:
            raise Conflict(
                _("Order {order} is {status}; only reserved or failed orders can be cancelled.").format(
                    order=order.order_number, status=order.status
                )
            )
        if not lease.claim(uow, order.id, runner, now, from_states=(order.status,)):
            raise Conflict(
                _("Order {order} changed while you were cancelling it; look at it again.").format(
                    order=order.order_number
                )
            )
        uow.commit()
        done = (
            uow.session.execute(
                select(OrderStep)
                .where(OrderStep.order_id == order.id, OrderStep.status == StepStatus.DONE)
                .order_by(OrderStep.seq.desc())
            )
            .scalars()
            .all()
        )
        order_pk, number, payload = order.id, order.order_number, dict(order.payload)
        undo_plan = [(s.id, s.seq, s.idempotency_key, STEP_KINDS[s.name]) for s in done]
    externals = services.externals
    for step_pk, seq, key, kind in undo_plan:
        if kind.cannot_undo:
            cannot.append(_("Step {seq} ({step}): {why}").format(seq=seq, step=_(kind.label), why=_(kind.cannot_undo)))
            continue
        if kind.undo_external:
            system, operation = kind.undo_external
            try:
                externals.send(system, operation, idempotency_key=f"{key}-undo", payload=payload, attempt=2)
            except ExternalFailure as failure:
                cannot.append(
                    _("Step {seq} ({step}): undo failed: {failure}").format(
                        seq=seq, step=_(kind.label), failure=failure
                    )
                )
                continue
        with services.writer() as uow:
            step = uow.session.get(OrderStep, step_pk)
            order = uow.session.get(Order, order_pk)
            if kind.undo_local:
                kind.undo_local(StepContext(uow=uow, order=order, step=step, now=now, settings=services.settings))
            step.status = StepStatus.UNDONE
            uow.session.add(step)
            uow.commit()
    with services.writer() as uow:
        if not lease.release(uow, order_pk, runner, status=OrderStatus.CANCELLED):
            raise Conflict(
                _("Order {order} was taken over while it was being cancelled; look at it again.").format(order=number)
            )
        order = uow.session.get(Order, order_pk)
        order.closed_at = now
        uow.session.add(order)
        for queue in (QueueName.FAILED_ORDERS, QueueName.RESERVED_ORDERS):
            _close_queue_item(uow, queue, number, "done", actor, now)
        audit.record(uow, actor, "order.cancel", "order", number, {"not_undone": len(cannot)})
        uow.commit()
        return order_view(uow, order), cannot
