"""Resuming a suspended line: the quote (fees, debt), the order, now or on a reserved date, and fraud approvals."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm_tui.domain import (
    ChargeStatus,
    QueueName,
    ResumeOperation,
    SubscriberStatus,
    SuspensionReason,
)
from crm_tui.errors import Conflict, Held, InvalidInput, NotAllowed, NotFound
from crm_tui.i18n import _
from crm_tui.present import day, money_text
from crm_tui.services.context import Services
from crm_tui.services.lifecycle.suspension import (
    SUPERVISOR_ONLY_SUSPENSIONS,
    _open_order_for,
    parse_effective,
)
from crm_tui.services.lines.lookup import load_line
from crm_tui.services.orders.engine import (
    OrderView,
    create_order,
    find_order,
    order_view,
    run_order,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.payments import take_payment
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
    require_signed_in,
)
from crm_tui.services.shared.validation import clean_text, parse_service_number
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.lines import Account
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork


@cache
def resumption_fees() -> dict[str, Decimal]:
    raw = json.loads(resources.files("crm_tui.data").joinpath("fees.json").read_text())
    return {k: Decimal(v) for k, v in raw["resumption"].items()}


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
    require_signed_in(actor, doing=_("resume lines"))
    number = parse_service_number(service_number, region=region)
    with uow:
        line = load_line(uow, number)
        subscriber, customer, account = line.subscriber, line.customer, line.account
        if subscriber.status != SubscriberStatus.SUSPENDED:
            raise Conflict(
                _("Line {number} is not suspended.").format(number=number),
                fields={"service_number": _("Not suspended.")},
            )
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
    amounts = uow.session.execute(
        select(Charge.amount).where(Charge.account_id == account.id, Charge.status == ChargeStatus.OUTSTANDING.value)
    ).scalars()
    return sum(amounts, Decimal("0.00"))


class ResumeResult(View):
    order: OrderView | None
    receipt_number: str | None
    paid: Decimal
    held: dict[str, Any] | None = None


def resume_subscriber(
    service_number: str,
    *,
    services: Services,
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
        raise InvalidInput(
            _("Operation type: customer_request, administrator or system_trigger."),
            fields={"operation": _("Unknown operation type.")},
        ) from None
    if op == ResumeOperation.SYSTEM_TRIGGER and actor is not None and actor.role not in SUPERVISORS:
        raise NotAllowed(_("A system-triggered resumption comes from billing, not from the counter."))
    if op == ResumeOperation.ADMINISTRATOR:
        require_role(actor, *SUPERVISORS, doing=_("resume as administrator"))
    if op == ResumeOperation.CUSTOMER_REQUEST:
        require_signed_in(actor, doing=_("resume lines"))
    reason = clean_text(reason, field="reason", max_length=200)
    remarks = clean_text(remarks, field="remarks", max_length=300)
    effective_at = parse_effective(effective_date, settings.timezone)
    number = parse_service_number(service_number, region=settings.default_region)
    with services.writer() as uow:
        session = uow.session
        line = load_line(uow, number)
        subscriber, customer, account = line.subscriber, line.customer, line.account
        if subscriber.status != SubscriberStatus.SUSPENDED:
            raise Conflict(
                _("Line {number} is not suspended.").format(number=number),
                fields={"service_number": _("Not suspended.")},
            )
        pending = _open_order_for(uow, subscriber)
        if pending:
            raise Conflict(
                _("Line {number} already has order {order} waiting; cancel it to change the resumption.").format(
                    number=number, order=pending
                )
            )
        kind = subscriber.status_reason
        if kind in SUPERVISOR_ONLY_SUSPENSIONS and (actor is None or actor.role not in SUPERVISORS):
            if kind == SuspensionReason.ADMIN:
                raise NotAllowed(_("An administrator's suspension is lifted by a supervisor or admin."))
            item = QueueItem(
                queue=QueueName.FRAUD_RESUMPTIONS,
                ref_type="subscriber",
                ref_id=number,
                reason=_("Resume after fraud suspension requested: {reason}").format(
                    reason=reason or _("no reason given")
                ),
                payload={
                    "operation": op.value,
                    "reason": reason,
                    "remarks": remarks,
                    "effective_at": effective_at.isoformat() if effective_at else None,
                },
                created_at=now,
            )
            session.add(item)
            capture(
                session,
                customer.id,
                kind="resume_request",
                summary=_("Resumption of {number} requested; waits for a supervisor (fraud)").format(number=number),
                actor=actor,
                now=now,
            )
            audit.record(
                uow,
                actor,
                "subscriber.resume_requested",
                "customer",
                customer.customer_id,
                {"subscriber": subscriber.id, "queue": QueueName.FRAUD_RESUMPTIONS.value},
            )
            uow.commit()
            raise Held(
                _("A fraud suspension is lifted by a supervisor; the request is in their queue."),
                held={"queue": item.queue, "item_id": item.id, "reason": item.reason},
            )
        outstanding = _outstanding(uow, account)
        if kind == SuspensionReason.DEBT and outstanding > 0 and not pay_outstanding:
            raise Conflict(
                _("The line is suspended for debt: {amount} must be paid first.").format(
                    amount=money_text(outstanding, account.currency)
                ),
                fields={"payment_method": _("Pay the debt to resume.")},
                outstanding=str(outstanding),
            )
        fee = resumption_fees().get(kind or "", Decimal("0.00"))
        due = fee + (outstanding if pay_outstanding else Decimal("0.00"))
        receipt = None
        if due > 0:
            if payment_method not in ("cash", "card", "account"):
                raise InvalidInput(
                    _("{amount} is due; choose cash, card or account.").format(
                        amount=money_text(due, account.currency)
                    ),
                    fields={"payment_method": _("Choose how it is paid.")},
                )
            outstanding = session.execute(
                select(Charge).where(Charge.account_id == account.id, Charge.status == ChargeStatus.OUTSTANDING.value)
            ).scalars()
            receipt = take_payment(
                session,
                account,
                amount=due,
                method=payment_method,
                actor=actor,
                now=now,
                settles=list(outstanding) if pay_outstanding else (),
            ).receipt_number
            if fee > 0:
                session.add(
                    Charge(
                        account_id=account.id,
                        subscriber_id=subscriber.id,
                        kind="fee",
                        description=_("Resumption fee"),
                        amount=fee,
                        currency=account.currency,
                        status=ChargeStatus.PAID.value,
                        created_at=now,
                        receipt_number=receipt,
                    )
                )
        order = create_order(
            uow,
            order_type="resume",
            actor=actor,
            customer_pk=customer.id,
            subscriber_pk=subscriber.id,
            payload={
                "service_number": number,
                "operation": op.value,
                "reason": reason,
                "remarks": remarks,
                "lifted": kind,
                "subscribers": [{"id": subscriber.id, "service_number": number}],
            },
            now=now,
            effective_at=effective_at,
        )
        when = (
            _("on {date}").format(date=day(effective_at.astimezone(ZoneInfo(settings.timezone)).date()))
            if order.status == "reserved"
            else _("now")
        )
        capture(
            session,
            customer.id,
            kind="resume",
            summary=_("Resumption of {number} {when} ({operation}: {reason})").format(
                number=number, when=when, operation=op.label, reason=reason or kind
            ),
            actor=actor,
            now=now,
        )
        audit.record(
            uow,
            actor,
            "subscriber.resume",
            "customer",
            customer.customer_id,
            {
                "subscriber": subscriber.id,
                "operation": op.value,
                "lifted": kind,
                "order": order.order_number,
                "reserved": order.status == "reserved",
                "paid": str(due),
            },
        )
        uow.commit()
        order_number, reserved = order.order_number, order.status == "reserved"
    if reserved:
        with services.reader() as uow:
            view = order_view(uow, find_order(uow, order_number))
    else:
        view = run_order(
            order_number,
            database_uow=services.writer,
            externals=services.externals,
            settings=settings,
            actor=actor,
            on_progress=on_progress,
        )
    return ResumeResult(order=view, receipt_number=receipt, paid=due)


def decide_fraud_resumption(
    item_id: int, *, approve: bool, note: str = "", services: Services, actor: Actor
) -> ResumeResult | None:
    """A supervisor lifts the fraud suspension (the resume order runs) or refuses."""
    require_role(actor, *SUPERVISORS, doing=_("decide fraud resumptions"))
    now = utcnow()
    with services.writer() as uow:
        item = uow.session.get(QueueItem, item_id)
        if item is None or item.queue != QueueName.FRAUD_RESUMPTIONS:
            raise NotFound(_("No fraud resumption request {item_id}.").format(item_id=item_id))
        if item.status not in ("open", "claimed"):
            raise Conflict(_("Request {item_id} was already {status}.").format(item_id=item_id, status=item.status))
        item.status = "approved" if approve else "rejected"
        item.decided_by, item.decided_at, item.note, item.version = actor.id, now, note or None, item.version + 1
        uow.session.add(item)
        audit.record(
            uow, actor, "fraud_resumption.approve" if approve else "fraud_resumption.reject", "queue_item", str(item_id)
        )
        uow.commit()
        payload, number = dict(item.payload), item.ref_id
    if not approve:
        return None
    return resume_subscriber(
        number,
        services=services,
        actor=actor,
        operation=payload["operation"],
        reason=payload.get("reason", ""),
        remarks=payload.get("remarks", ""),
        effective_date=payload.get("effective_at"),
    )
