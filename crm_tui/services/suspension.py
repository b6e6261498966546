"""Suspend and resume a line (BP.CC.SUBMGT.07), on the durable order engine.

Rules a CSR can trust: a debt suspension lifts only when the debt is paid (the payment can be
taken in the same call); a fraud suspension lifts only by a supervisor (a CSR's request waits in
the fraud-resumptions queue); an administrator's suspension lifts only by a supervisor or admin;
a customer's own suspension lifts at their request. A resumption may be reserved for a date:
`crm-tui orders run-due` runs it on or after that date, once, however many runners there are.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timezone
from decimal import Decimal
from functools import cache
from importlib import resources
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm_tui.domain import ChargeStatus, QueueName, ResumeOperation, SubscriberStatus, SuspensionReason
from crm_tui.errors import Conflict, Held, InvalidInput, NotAllowed, NotFound
from crm_tui.services import audit, outbox
from crm_tui.services.deregistration import refresh_customer_status
from crm_tui.services.orders import OrderView, StepContext, StepKind, create_order, find_order, order_view, register_order_type, register_step, run_order, unfinished_order
from crm_tui.services.permissions import SUPERVISORS, require_role, require_signed_in
from crm_tui.services.validation import clean_text, parse_service_number
from crm_tui.services.views import Actor, View
from crm_tui.storage.models import Account, Charge, Customer, Interaction, Payment, QueueItem, Subscriber
from crm_tui.storage.sequences import next_number
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

SUPERVISOR_ONLY_SUSPENSIONS = (SuspensionReason.FRAUD, SuspensionReason.ADMIN)


@cache
def resumption_fees() -> dict[str, Decimal]:
    raw = json.loads(resources.files("crm_tui.data").joinpath("fees.json").read_text())
    return {k: Decimal(v) for k, v in raw["resumption"].items()}


def _load(uow: UnitOfWork, number: str) -> tuple[Subscriber, Customer, Account]:
    row = uow.session.execute(
        select(Subscriber, Customer, Account)
        .join(Customer, Customer.id == Subscriber.customer_id)
        .join(Account, Account.id == Subscriber.account_id)
        .where(Subscriber.service_number == number, Subscriber.status.in_(["active", "suspended"]))
    ).first()
    if row is None:
        raise NotFound(f"No live line with service number {number}.", fields={"service_number": "No live line."})
    return row[0], row[1], row[2]


def _reason_words(reason: str | None) -> str:
    try:
        return SuspensionReason(reason).label.lower()
    except ValueError:
        return reason or "no reason recorded"


def _open_order_for(uow: UnitOfWork, subscriber: Subscriber) -> str | None:
    return unfinished_order(uow, subscriber_pk=subscriber.id)


# --- suspend ---------------------------------------------------------------------------------------


def suspend_subscriber(
    service_number: str,
    *,
    services: Any,
    actor: Actor | None,
    reason: str,
    note: str = "",
    now: datetime | None = None,
    on_progress: Callable[[OrderView], None] | None = None,
) -> OrderView:
    """Suspend a line: billing state and network barring as an order. `actor=None` is the system (debt).

    `on_progress` gets the order after each step (the workbench shows the steps advancing live)."""
    now = now or utcnow()
    try:
        kind = SuspensionReason(reason)
    except ValueError:
        raise InvalidInput("Choose a suspension reason: " + ", ".join(r.value for r in SuspensionReason) + ".", fields={"reason": "Unknown reason."}) from None
    if actor is None and kind != SuspensionReason.DEBT:
        raise NotAllowed("Only a debt suspension is triggered by the system; sign in for the others.")
    if actor is not None and kind in SUPERVISOR_ONLY_SUSPENSIONS:
        require_role(actor, *SUPERVISORS, doing=f"suspend for {kind.label.lower()}")
    note = clean_text(note, field="note", max_length=300)
    number = parse_service_number(service_number, region=services.settings.default_region)
    with services.writer() as uow:
        subscriber, customer, _account = _load(uow, number)
        if subscriber.status != SubscriberStatus.ACTIVE:
            raise Conflict(f"Line {number} is already suspended ({_reason_words(subscriber.status_reason)}).")
        pending = _open_order_for(uow, subscriber)
        if pending:
            raise Conflict(f"Line {number} has order {pending} in progress; finish or cancel it first.")
        order = create_order(uow, order_type="suspend", actor=actor, customer_pk=customer.id, subscriber_pk=subscriber.id, payload={"service_number": number, "reason": kind.value, "note": note, "subscribers": [{"id": subscriber.id, "service_number": number}]}, now=now)
        uow.session.add(Interaction(customer_id=customer.id, operator_id=actor.id if actor else None, channel="shop" if actor else "script", kind="suspend", summary=f"Suspension of {number}: {kind.label}" + (f" ({note})" if note else ""), created_at=now))
        audit.record(uow, actor, "subscriber.suspend", "customer", customer.customer_id, {"subscriber": subscriber.id, "reason": kind.value, "order": order.order_number})
        uow.commit()
        order_number = order.order_number
    return run_order(order_number, database_uow=services.writer, externals=services.externals(), settings=services.settings, actor=actor, on_progress=on_progress)


# --- resume ----------------------------------------------------------------------------------------


class ResumeQuote(View):
    """The Resume screen's SERVICE NO. / STATUS / STATUS DETAILS and what resuming will take."""

    service_number: str
    status: str
    reason: str | None
    since: datetime
    customer_id: str
    outstanding: Decimal
    fee: Decimal
    currency: str
    needs_supervisor: bool
    debt_must_be_paid: bool
    pending_order: str | None


def resume_quote(service_number: str, *, uow: UnitOfWork, actor: Actor, region: str) -> ResumeQuote:
    require_signed_in(actor, doing="resume lines")
    number = parse_service_number(service_number, region=region)
    with uow:
        subscriber, customer, account = _load(uow, number)
        if subscriber.status != SubscriberStatus.SUSPENDED:
            raise Conflict(f"Line {number} is not suspended.", fields={"service_number": "Not suspended."})
        outstanding = _outstanding(uow, account)
        reason = subscriber.status_reason
        return ResumeQuote(
            service_number=number,
            status=subscriber.status,
            reason=reason,
            since=subscriber.status_since,
            customer_id=customer.customer_id,
            outstanding=outstanding,
            fee=resumption_fees().get(reason or "", Decimal("0.00")),
            currency=account.currency,
            needs_supervisor=reason in SUPERVISOR_ONLY_SUSPENSIONS and actor.role not in SUPERVISORS,
            debt_must_be_paid=reason == SuspensionReason.DEBT and outstanding > 0,
            pending_order=_open_order_for(uow, subscriber),
        )


def _outstanding(uow: UnitOfWork, account: Account) -> Decimal:
    amounts = uow.session.execute(select(Charge.amount).where(Charge.account_id == account.id, Charge.status == ChargeStatus.OUTSTANDING.value)).scalars()
    return sum(amounts, Decimal("0.00"))


class ResumeResult(View):
    order: OrderView | None
    receipt_number: str | None
    paid: Decimal
    held: dict[str, Any] | None = None


def resume_subscriber(
    service_number: str,
    *,
    services: Any,
    actor: Actor | None,
    operation: str,
    reason: str = "",
    remarks: str = "",
    effective_date: str | datetime | None = None,
    payment_method: str | None = None,
    pay_outstanding: bool = False,
    now: datetime | None = None,
    on_progress: Callable[[OrderView], None] | None = None,
) -> ResumeResult:
    """Resume now or on a date; the rules of the suspension's kind decide who may and what must be paid.

    A CSR asking to lift a fraud suspension gets Held (exit 4): the request waits for a supervisor.
    """
    now = now or utcnow()
    settings = services.settings
    try:
        op = ResumeOperation(operation)
    except ValueError:
        raise InvalidInput("Operation type: customer_request, administrator or system_trigger.", fields={"operation": "Unknown operation type."}) from None
    if op == ResumeOperation.SYSTEM_TRIGGER and actor is not None and actor.role not in SUPERVISORS:
        raise NotAllowed("A system-triggered resumption comes from billing, not from the counter.")
    if op == ResumeOperation.ADMINISTRATOR:
        require_role(actor, *SUPERVISORS, doing="resume as administrator")
    if op == ResumeOperation.CUSTOMER_REQUEST:
        require_signed_in(actor, doing="resume lines")
    reason = clean_text(reason, field="reason", max_length=200)
    remarks = clean_text(remarks, field="remarks", max_length=300)
    effective_at = _parse_effective(effective_date, settings.timezone)
    number = parse_service_number(service_number, region=settings.default_region)
    with services.writer() as uow:
        session = uow.session
        subscriber, customer, account = _load(uow, number)
        if subscriber.status != SubscriberStatus.SUSPENDED:
            raise Conflict(f"Line {number} is not suspended.", fields={"service_number": "Not suspended."})
        pending = _open_order_for(uow, subscriber)
        if pending:
            raise Conflict(f"Line {number} already has order {pending} waiting; cancel it to change the resumption.")
        kind = subscriber.status_reason
        if kind in SUPERVISOR_ONLY_SUSPENSIONS and (actor is None or actor.role not in SUPERVISORS):
            if kind == SuspensionReason.ADMIN:
                raise NotAllowed("An administrator's suspension is lifted by a supervisor or admin.")
            item = QueueItem(queue=QueueName.FRAUD_RESUMPTIONS, ref_type="subscriber", ref_id=number, reason=f"Resume after fraud suspension requested: {reason or 'no reason given'}", payload={"operation": op.value, "reason": reason, "remarks": remarks, "effective_at": effective_at.isoformat() if effective_at else None}, created_at=now)
            session.add(item)
            session.add(Interaction(customer_id=customer.id, operator_id=actor.id if actor else None, kind="resume_request", summary=f"Resumption of {number} requested; waits for a supervisor (fraud)", created_at=now))
            audit.record(uow, actor, "subscriber.resume_requested", "customer", customer.customer_id, {"subscriber": subscriber.id, "queue": QueueName.FRAUD_RESUMPTIONS.value})
            uow.commit()
            raise Held("A fraud suspension is lifted by a supervisor; the request is in their queue.", held={"queue": item.queue, "item_id": item.id, "reason": item.reason})
        outstanding = _outstanding(uow, account)
        if kind == SuspensionReason.DEBT and outstanding > 0 and not pay_outstanding:
            raise Conflict(f"The line is suspended for debt: {outstanding} {account.currency} must be paid first.", fields={"payment_method": "Pay the debt to resume."}, outstanding=str(outstanding))
        fee = resumption_fees().get(kind or "", Decimal("0.00"))
        due = fee + (outstanding if pay_outstanding else Decimal("0.00"))
        receipt = None
        if due > 0:
            if payment_method not in ("cash", "card", "account"):
                raise InvalidInput(f"{due} {account.currency} is due; choose cash, card or account.", fields={"payment_method": "Choose how it is paid."})
            if payment_method == "account":
                if account.balance < due:
                    raise Conflict(f"The account balance {account.balance} does not cover {due}.", fields={"payment_method": "Balance too low."})
                account.balance -= due
                session.add(account)
            if pay_outstanding:
                for charge in session.execute(select(Charge).where(Charge.account_id == account.id, Charge.status == ChargeStatus.OUTSTANDING.value)).scalars():
                    charge.status = ChargeStatus.PAID.value
                    session.add(charge)
            if fee > 0:
                session.add(Charge(account_id=account.id, subscriber_id=subscriber.id, kind="fee", description="Resumption fee", amount=fee, currency=account.currency, status=ChargeStatus.PAID.value, created_at=now))
            receipt = f"RC{next_number(session, 'receipt_number'):09d}"
            session.add(Payment(receipt_number=receipt, account_id=account.id, amount=due, currency=account.currency, method=payment_method, operator_id=actor.id if actor else None, created_at=now))
        order = create_order(
            uow,
            order_type="resume",
            actor=actor,
            customer_pk=customer.id,
            subscriber_pk=subscriber.id,
            payload={"service_number": number, "operation": op.value, "reason": reason, "remarks": remarks, "lifted": kind, "subscribers": [{"id": subscriber.id, "service_number": number}]},
            now=now,
            effective_at=effective_at,
        )
        when = f"on {effective_at.astimezone(ZoneInfo(settings.timezone)):%Y-%m-%d}" if order.status == "reserved" else "now"
        session.add(Interaction(customer_id=customer.id, operator_id=actor.id if actor else None, channel="shop" if actor else "script", kind="resume", summary=f"Resumption of {number} {when} ({op.label}: {reason or kind})", created_at=now))
        audit.record(uow, actor, "subscriber.resume", "customer", customer.customer_id, {"subscriber": subscriber.id, "operation": op.value, "lifted": kind, "order": order.order_number, "reserved": order.status == "reserved", "paid": str(due)})
        uow.commit()
        order_number, reserved = order.order_number, order.status == "reserved"
    if reserved:
        with services.reader() as uow:
            view = order_view(uow, find_order(uow, order_number))
    else:
        view = run_order(order_number, database_uow=services.writer, externals=services.externals(), settings=settings, actor=actor, on_progress=on_progress)
    return ResumeResult(order=view, receipt_number=receipt, paid=due)


def decide_fraud_resumption(item_id: int, *, approve: bool, note: str = "", services: Any, actor: Actor) -> ResumeResult | None:
    """A supervisor lifts the fraud suspension (the resume order runs) or refuses."""
    require_role(actor, *SUPERVISORS, doing="decide fraud resumptions")
    now = utcnow()
    with services.writer() as uow:
        item = uow.session.get(QueueItem, item_id)
        if item is None or item.queue != QueueName.FRAUD_RESUMPTIONS:
            raise NotFound(f"No fraud resumption request {item_id}.")
        if item.status not in ("open", "claimed"):
            raise Conflict(f"Request {item_id} was already {item.status}.")
        item.status = "approved" if approve else "rejected"
        item.decided_by, item.decided_at, item.note, item.version = actor.id, now, note or None, item.version + 1
        uow.session.add(item)
        audit.record(uow, actor, "fraud_resumption.approve" if approve else "fraud_resumption.reject", "queue_item", str(item_id))
        uow.commit()
        payload, number = dict(item.payload), item.ref_id
    if not approve:
        return None
    return resume_subscriber(number, services=services, actor=actor, operation=payload["operation"], reason=payload.get("reason", ""), remarks=payload.get("remarks", ""), effective_date=payload.get("effective_at"))


def _parse_effective(value: str | datetime | None, zone: str) -> datetime | None:
    """A date (YYYY-MM-DD, start of that day in the shop's zone) or an aware datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        if "T" in value:
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(zone))
        day = datetime.fromisoformat(value).date()
    except ValueError:
        raise InvalidInput("The effective date is YYYY-MM-DD.", fields={"effective_date": "YYYY-MM-DD."}) from None
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(zone))


# --- the order's local steps --------------------------------------------------------------------------


def _mark(status: SubscriberStatus) -> Any:
    def mark(ctx: StepContext) -> None:
        session = ctx.uow.session
        subscriber = session.get(Subscriber, ctx.order.subscriber_id)
        subscriber.status = status.value
        subscriber.status_reason = ctx.order.payload.get("reason") if status == SubscriberStatus.SUSPENDED else None
        subscriber.status_since = ctx.now
        if status == SubscriberStatus.ACTIVE:
            subscriber.latest_activation_at = ctx.now
        subscriber.version += 1
        session.add(subscriber)
        refresh_customer_status(session, session.get(Customer, subscriber.customer_id))

    return mark


def _close_simple(ctx: StepContext) -> None:
    ctx.order.status = "closed"
    ctx.order.closed_at = ctx.now
    event = "subscriber.suspended" if ctx.order.type == "suspend" else "subscriber.resumed"
    outbox.emit(ctx.uow, event, "subscriber", ctx.order.payload["service_number"], {"order": ctx.order.order_number, "reason": ctx.order.payload.get("reason")})


register_step(StepKind("cbs.suspend", "Billing: suspend", external=("cbs", "suspend"), undo_external=("cbs", "resume")))
register_step(StepKind("provisioning.suspend", "Network: bar the line", external=("provisioning", "suspend"), undo_external=("provisioning", "resume")))
register_step(StepKind("subscriber.suspended", "Mark the line suspended", local=_mark(SubscriberStatus.SUSPENDED)))
register_step(StepKind("cbs.resume", "Billing: resume", external=("cbs", "resume"), undo_external=("cbs", "suspend")))
register_step(StepKind("provisioning.resume", "Network: lift the bar", external=("provisioning", "resume"), undo_external=("provisioning", "suspend")))
register_step(StepKind("subscriber.active", "Mark the line active", local=_mark(SubscriberStatus.ACTIVE)))
register_step(StepKind("order.close_simple", "Close the order", local=_close_simple))
register_order_type("suspend", ("cbs.suspend", "provisioning.suspend", "subscriber.suspended", "order.close_simple"))
register_order_type("resume", ("cbs.resume", "provisioning.resume", "subscriber.active", "order.close_simple"))
