"""The durable order engine: every order type (deregistration, termination, suspension, resumption)
is a list of steps, one row each, run in order and resumable at any point.

A step is idempotent: an external step sends its request with the step's idempotency key (the
external system applies it once per key), a local step changes rows in the same transaction that
marks it done. Each attempt is committed before the work starts, so a crash leaves the step
pending with its attempt counted, and `resume_orders` simply runs it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm_tui.domain import OrderStatus, QueueName, StepStatus
from crm_tui.errors import Conflict, ExternalSystemFailed, NotFound
from crm_tui.i18n import _
from crm_tui.services.context import ExternalFailure, ExternalSystems
from crm_tui.services.orders import lease
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import (
    require_signed_in,
)
from crm_tui.services.shared.runners import new_runner_id
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.models.orders import Order, OrderStep
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.sequences import next_number
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

LocalWork = Callable[["StepContext"], None]


@dataclass(frozen=True)
class StepKind:
    """What one named step does: an external request, local work, or both (request first)."""

    name: str
    label: str
    external: tuple[str, str] | None = None
    local: LocalWork | None = None
    undo_external: tuple[str, str] | None = None
    undo_local: LocalWork | None = None
    cannot_undo: str | None = None


@dataclass
class StepContext:
    """Handed to local work: the open unit of work, the order and the step, the time."""

    uow: UnitOfWork
    order: Order
    step: OrderStep
    now: datetime
    settings: Any
    result: dict[str, Any] = field(default_factory=dict)


STEP_KINDS: dict[str, StepKind] = {}
ORDER_TYPES: dict[str, tuple[str, ...]] = {}
"""Filled by `services.bootstrap` (the one place that registers), from the data modules expose."""


def register_step(kind: StepKind) -> None:
    """Make a step kind known to the engine; `services.bootstrap` calls this, nothing else."""
    STEP_KINDS[kind.name] = kind


def register_order_type(order_type: str, steps: tuple[str, ...]) -> None:
    """Make an order type known, with its steps in order; every step must be registered first."""
    unknown = [name for name in steps if name not in STEP_KINDS]
    if unknown:
        raise ValueError(
            f"Order type {order_type!r} names unregistered steps: {', '.join(unknown)}"  # i18n: not for people
        )
    ORDER_TYPES[order_type] = steps


def steps_of(order_type: str) -> tuple[str, ...]:
    """The steps of a registered order type; a clear error when bootstrap was never run."""
    try:
        return ORDER_TYPES[order_type]
    except KeyError:
        raise LookupError(
            f"Order type {order_type!r} is not registered: open the services with crm_tui.services.bootstrap.open_services"
        ) from None


class StepView(View):
    seq: int
    name: str
    label: str
    status: str
    attempts: int
    error: str | None
    answer: str | None = None
    """The external system's answer once done: `HTTP 200 · 2 tries · 41 ms`, `in-process · 3 ms`."""
    elapsed_ms: int | None = None
    """From the step's (last) start to done."""


class OrderView(View):
    order_id: str
    type: str
    status: str
    customer_id: str | None
    service_number: str | None
    effective_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    payload: dict[str, Any]
    steps: list[StepView]

    @property
    def failed_step(self) -> StepView | None:
        return next((s for s in self.steps if s.status == StepStatus.FAILED), None)


def create_order(
    uow: UnitOfWork,
    *,
    order_type: str,
    actor: Actor | None,
    customer_pk: int | None,
    subscriber_pk: int | None,
    payload: dict[str, Any],
    now: datetime,
    effective_at: datetime | None = None,
) -> Order:
    """An order and its pending steps, inside the caller's transaction."""
    steps = steps_of(order_type)
    number = f"ORD{next_number(uow.session, 'order_number'):09d}"
    reserved = effective_at is not None and effective_at > now
    order = Order(
        order_number=number,
        type=order_type,
        status=OrderStatus.RESERVED if reserved else OrderStatus.OPEN,
        customer_id=customer_pk,
        subscriber_id=subscriber_pk,
        effective_at=effective_at,
        payload=payload,
        created_by=actor.id if actor else None,
        created_at=now,
    )
    uow.session.add(order)
    uow.session.flush()
    for seq, name in enumerate(steps, start=1):
        uow.session.add(OrderStep(order_id=order.id, seq=seq, name=name, idempotency_key=f"{number}-{seq}-{name}"))
    if reserved:
        uow.session.add(
            QueueItem(
                queue=QueueName.RESERVED_ORDERS,
                ref_type="order",
                ref_id=number,
                reason=_("Runs on {when} UTC").format(when=f"{effective_at:%Y-%m-%d %H:%M}"),
                created_at=now,
            )
        )
    audit.record(uow, actor, f"order.create.{order_type}", "order", number, {"steps": len(steps), "reserved": reserved})
    return order


def order_view(uow: UnitOfWork, order: Order, steps: list[OrderStep] | None = None) -> OrderView:
    """The order as people see it; `steps`: its steps, in order, when the caller has them loaded."""
    if steps is None:
        steps = _steps_of(uow, order.id)
    customer_id = (
        uow.session.execute(select(Customer.customer_id).where(Customer.id == order.customer_id)).scalar()
        if order.customer_id
        else None
    )
    service_number = (
        uow.session.execute(select(Subscriber.service_number).where(Subscriber.id == order.subscriber_id)).scalar()
        if order.subscriber_id
        else None
    )
    return OrderView(
        order_id=order.order_number,
        type=order.type,
        status=order.status,
        customer_id=customer_id,
        service_number=service_number,
        effective_at=order.effective_at,
        created_at=order.created_at,
        closed_at=order.closed_at,
        payload=order.payload,
        steps=[
            StepView(
                seq=s.seq,
                name=s.name,
                label=_(STEP_KINDS[s.name].label) if s.name in STEP_KINDS else s.name,
                status=s.status,
                attempts=s.attempts,
                error=s.last_error,
                answer=s.answer,
                elapsed_ms=_elapsed_ms(s.started_at, s.done_at),
            )
            for s in steps
        ],
    )


def _steps_of(uow: UnitOfWork, order_pk: int) -> list[OrderStep]:
    return list(
        uow.session.execute(select(OrderStep).where(OrderStep.order_id == order_pk).order_by(OrderStep.seq)).scalars()
    )


def find_order(uow: UnitOfWork, order_id: str) -> Order:
    order = uow.session.execute(
        select(Order).where(Order.order_number == order_id.strip().upper())
    ).scalar_one_or_none()
    if order is None:
        raise NotFound(_("No order {order}.").format(order=order_id))
    return order


UNFINISHED = (OrderStatus.OPEN, OrderStatus.RUNNING, OrderStatus.RESERVED, OrderStatus.FAILED)
RUNNABLE = (OrderStatus.OPEN, OrderStatus.RUNNING, OrderStatus.FAILED)
"""A runner may try to claim these; the claim itself decides (a live lease on `running` refuses)."""


def unfinished_order(
    uow: UnitOfWork, *, subscriber_pk: int | None = None, customer_pk: int | None = None, whole_customer: bool = False
) -> str | None:
    """The number of an order on this line (or customer) that is not closed or cancelled yet.

    `whole_customer` looks only at orders on the customer as a whole (a termination).
    """
    query = select(Order.order_number).where(Order.status.in_(UNFINISHED))
    if subscriber_pk is not None:
        query = query.where(Order.subscriber_id == subscriber_pk)
    if customer_pk is not None:
        query = query.where(Order.customer_id == customer_pk)
    if whole_customer:
        query = query.where(Order.subscriber_id.is_(None))
    return uow.session.execute(query.limit(1)).scalar()


def get_order(order_id: str, *, uow: UnitOfWork, actor: Actor) -> OrderView:
    require_signed_in(actor, doing=_("see orders"))
    with uow:
        return order_view(uow, find_order(uow, order_id))


def list_orders(
    *, uow: UnitOfWork, actor: Actor, status: str | None = None, customer_id: str | None = None, limit: int = 100
) -> list[OrderView]:

    require_signed_in(actor, doing=_("see orders"))
    with uow:
        query = select(Order).order_by(Order.id.desc()).limit(limit)
        if status:
            query = query.where(Order.status == status)
        if customer_id:
            query = query.join(Customer, Customer.id == Order.customer_id).where(Customer.customer_id == customer_id)
        return [order_view(uow, o) for o in uow.session.execute(query).scalars().all()]


# --- running ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """An external step whose attempt is committed: what its request needs, read in that transaction."""

    step_pk: int
    attempt: int
    key: str
    kind: StepKind
    payload: dict[str, Any]


def run_order(
    order_id: str,
    *,
    database_uow: Callable[[], UnitOfWork],
    externals: ExternalSystems,
    settings: Any,
    actor: Actor | None,
    now: Callable[[], datetime] = utcnow,
    on_progress: Callable[[OrderView], None] | None = None,
) -> OrderView:
    """Run the order's remaining steps in order, under a lease; on an external failure leave it
    failed at that step.

    One transaction runs from each external answer to the next external call: the answered step is
    marked done, the local steps after it run, and the next external step's attempt is counted, all
    in one commit (the claim starts the first run the same way). An external step's attempt is thus
    always committed before its request leaves, and local work commits with its step's mark, as
    each step alone used to (issue 20: with the in-process systems' own records, a suspension 10
    commits to 6, a deregistration 14 to 8; tests/services/test_order_transactions.py).

    Raises ExternalSystemFailed (exit 7) after recording the failure and queueing the order, and
    Conflict when another runner holds the order (or takes it over while this one stalled).
    `database_uow` makes a write unit of work (Services.writer); each transaction uses a fresh one.
    `on_progress` gets the order's view after each commit.
    """
    runner = new_runner_id()
    with database_uow() as uow:
        order = find_order(uow, order_id)
        if order.status not in RUNNABLE:
            return order_view(uow, order)
        if not lease.claim(uow, order.id, runner, now(), from_states=(OrderStatus.OPEN, OrderStatus.FAILED)):
            raise Conflict(_("Order {order} is being run elsewhere.").format(order=order.order_number))
        order_pk = order.id
        uow.session.refresh(order)  # the claim wrote its status and lease in SQL, past the object
        call, view = _advance(
            uow, order, _steps_of(uow, order_pk), runner, settings, now, watched=on_progress is not None
        )
    try:
        while True:
            if on_progress and view is not None:
                on_progress(view)
            if call is None:
                break
            answer = None
            try:
                system, operation = call.kind.external  # type: ignore[misc]
                sent = time.monotonic()
                reply = externals.send(
                    system, operation, idempotency_key=call.key, payload=call.payload, attempt=call.attempt
                )
                answer = describe_answer(reply, round((time.monotonic() - sent) * 1000))
            except ExternalFailure as failure:
                _mark_failed(database_uow, order_pk, call.step_pk, runner, str(failure), actor, now())
                with database_uow() as uow:
                    view = order_view(uow, uow.session.get(Order, order_pk))
                if on_progress:
                    on_progress(view)
                raise ExternalSystemFailed(
                    _(
                        "Order {order} failed at step {seq} ({step}): {failure}. It waits in the failed-orders queue; retry or cancel."
                    ).format(
                        order=view.order_id, seq=view.failed_step.seq, step=view.failed_step.label, failure=failure
                    ),
                    order_id=view.order_id,
                    failed_step=view.failed_step.seq,
                ) from None
            with database_uow() as uow:
                if not lease.renew(uow, order_pk, runner, now()):
                    raise _taken_over(uow, order_pk)
                order = uow.session.get(Order, order_pk)
                steps = _steps_of(uow, order_pk)
                step = next(s for s in steps if s.id == call.step_pk)
                if step.status != StepStatus.DONE:  # always, under the lease: never run local work twice
                    _finish_step(uow, order, step, answer, settings, now)
                call, view = _advance(uow, order, steps, runner, settings, now, watched=on_progress is not None)
    except BaseException:
        with database_uow() as uow:  # hand the order back at once (a crash leaves it to expire instead)
            lease.release(uow, order_pk, runner, status=OrderStatus.OPEN)
            uow.commit()
        raise
    assert view is not None  # the last transaction always reads the view
    return view


def _advance(
    uow: UnitOfWork,
    order: Order,
    steps: list[OrderStep],
    runner: str,
    settings: Any,
    now: Callable[[], datetime],
    *,
    watched: bool,
) -> tuple[_Call | None, OrderView | None]:
    """Inside a transaction that holds the order's lease, with the order's `steps` read in it: run the
    local steps that come next, count the next external step's attempt, and commit. Gives that step's
    request (None when no external step is left: the closing step released the lease, or the order
    went back to open), and the order's view as committed, read in the same transaction: at the end,
    or for someone watching."""
    while True:
        step = next((s for s in steps if s.status != StepStatus.DONE), None)
        if step is None:
            uow.session.flush()
            lease.release(uow, order.id, runner, status=OrderStatus.OPEN)
            uow.session.expire(order)  # its status changed in SQL: the view reads it again
            call = None
            break
        step.attempts += 1
        step.started_at = now()
        kind = STEP_KINDS[step.name]
        if kind.external:  # its attempt is committed before the request leaves
            step.status = StepStatus.PENDING
            uow.session.add(step)
            # the payload read here: no second transaction held open across the external call
            call = _Call(step.id, step.attempts, step.idempotency_key, kind, dict(order.payload))
            break
        if _finish_step(uow, order, step, None, settings, now):  # nothing leaves the database: done here
            lease.release(uow, order.id, runner)  # the closing step closed the order: the lease ends with it
            call = None
            break
    uow.session.flush()
    view = order_view(uow, order, steps) if watched or call is None else None
    uow.commit()
    return call, view


def _finish_step(
    uow: UnitOfWork, order: Order, step: OrderStep, answer: str | None, settings: Any, now: Callable[[], datetime]
) -> bool:
    """The step's local work and its mark as done, flushed in the caller's transaction; True when
    it closed the order."""
    kind = STEP_KINDS[step.name]
    if kind.local:
        kind.local(StepContext(uow=uow, order=order, step=step, now=now(), settings=settings))
    step.status = StepStatus.DONE
    step.done_at = now()
    step.last_error = None
    step.answer = answer
    uow.session.add_all([step, order])
    uow.session.flush()
    return order.status != OrderStatus.RUNNING


def describe_answer(reply: Mapping[str, Any], elapsed_ms: int) -> str:
    """A step's answer in a few words for the order progress: how it was reached, what it said, how long."""
    parts = [f"HTTP {reply['http_status']}" if "http_status" in reply else _("in-process")]
    if reply.get("duplicate"):
        parts.append(_("already applied"))
    tries = reply.get("attempts")
    if isinstance(tries, int) and tries > 1:
        parts.append(_("{tries} tries").format(tries=tries))
    parts.append(_("{elapsed} ms").format(elapsed=reply.get("elapsed_ms", elapsed_ms)))
    return " · ".join(parts)[:200]


def _elapsed_ms(started: datetime | None, done: datetime | None) -> int | None:
    if started is None or done is None:
        return None
    return max(0, round((done - started).total_seconds() * 1000))


def _taken_over(uow: UnitOfWork, order_pk: int) -> Conflict:
    number = uow.session.execute(select(Order.order_number).where(Order.id == order_pk)).scalar()
    return Conflict(
        _("Order {order} is being run elsewhere (this runner's lease ran out and another took over).").format(
            order=number
        )
    )


def _mark_failed(
    database_uow: Callable[[], UnitOfWork],
    order_pk: int,
    step_pk: int,
    runner: str,
    error: str,
    actor: Actor | None,
    now: datetime,
) -> None:
    with database_uow() as uow:
        if not lease.release(uow, order_pk, runner, status=OrderStatus.FAILED):
            return  # another runner holds the order now: its outcome stands
        step = uow.session.get(OrderStep, step_pk)
        order = uow.session.get(Order, order_pk)
        step.status = StepStatus.FAILED
        step.last_error = error[:500]
        uow.session.add(step)
        item = uow.session.execute(
            select(QueueItem).where(
                QueueItem.queue == QueueName.FAILED_ORDERS,
                QueueItem.ref_type == "order",
                QueueItem.ref_id == order.order_number,
            )
        ).scalar_one_or_none()
        reason = _("Failed at step {seq} ({step}): {error}").format(
            seq=step.seq, step=_(STEP_KINDS[step.name].label), error=error
        )[:300]
        if item is None:
            uow.session.add(
                QueueItem(
                    queue=QueueName.FAILED_ORDERS,
                    ref_type="order",
                    ref_id=order.order_number,
                    reason=reason,
                    created_at=now,
                )
            )
        else:
            item.status, item.reason, item.claimed_by, item.version = "open", reason, None, item.version + 1
            uow.session.add(item)
        audit.record(
            uow, actor, "order.step_failed", "order", order.order_number, {"step": step.seq, "name": step.name}
        )
        uow.commit()
