"""Terminate: the deregistration of a line (BP.CC.SUBMGT.08 "Deactivate Subscriber") and the
termination of a whole customer relationship (eTOM 1.3.4.4), with the clean-up and archive of
1.3.4.2.3.

The flow a CSR follows: identify -> retention offers -> reason and resource options -> the
termination pre-process (outstanding charges, contract penalties) -> the balance pre-process
(prepaid balance refunded, moved or forfeited) -> payment with a receipt -> submit -> the order
runs its steps. The quote is pure arithmetic on stored rows; the submit is one transaction; the
order then runs on the durable engine.

Penalty rule (pro rata): a contract still in commitment costs
`penalty_amount x remaining days / total days of the commitment`, rounded half-up to the cent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select

from crm_tui.domain import (
    ChargeStatus,
    CustomerStatus,
    DeregistrationReason,
    NumberState,
    PaymentType,
    QueueName,
    SimState,
    SubscriberStatus,
    TerminationReason,
)
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.services import audit, outbox
from crm_tui.services.catalog import ensure_catalog
from crm_tui.services.orders import (
    OrderView,
    StepContext,
    StepKind,
    create_order,
    register_order_type,
    register_step,
    run_order,
    unfinished_order,
)
from crm_tui.services.permissions import SUPERVISORS, require_role, require_signed_in
from crm_tui.services.validation import clean_text, parse_customer_id, parse_service_number
from crm_tui.services.views import Actor, View
from crm_tui.storage.models import (
    Account,
    Address,
    ArchiveRecord,
    AuthenticationInfo,
    Certificate,
    Charge,
    Contact,
    Contract,
    Customer,
    Interaction,
    NumberPoolEntry,
    Offering,
    Payment,
    Preference,
    QueueItem,
    SimCard,
    SocialAccount,
    Subscriber,
)
from crm_tui.storage.sequences import next_number
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

CENT = Decimal("0.01")
NUMBER_MODES = ("immediate", "freeze")
SIM_MODES = ("reuse", "abandon")
PAYMENT_METHODS = ("cash", "card", "account")
LIVE = (SubscriberStatus.ACTIVE.value, SubscriberStatus.SUSPENDED.value)


@cache
def retention_offers() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(resources.files("crm_tui.data").joinpath("retention_offers.json").read_text())["offers"])


@cache
def retention_policy() -> dict[str, int]:
    raw = json.loads(resources.files("crm_tui.data").joinpath("retention_policy.json").read_text())
    return {k: int(v) for k, v in raw.items() if not k.startswith("_")}


def prorated_penalty(penalty: Decimal, effective_on: date, expires_on: date, today: date) -> Decimal:
    """The documented rule: penalty x remaining days / commitment days, half-up to the cent."""
    if today >= expires_on or penalty <= 0:
        return Decimal("0.00")
    total = (expires_on - effective_on).days
    remaining = (expires_on - max(today, effective_on)).days
    if total <= 0:
        return Decimal("0.00")
    return (penalty * remaining / total).quantize(CENT, rounding=ROUND_HALF_UP)


# --- the quote the CSR goes through with the customer ------------------------------------------


class ChargeLine(View):
    description: str
    kind: str
    amount: Decimal


class PenaltyLine(View):
    contract: str
    offering: str
    effective_on: date
    expires_on: date
    full_penalty: Decimal
    amount: Decimal


class RetentionOffer(View):
    code: str
    name: str
    kind: str


class SubscriberBasics(View):
    """The reference's Basic Info panel."""

    service_number: str
    iccid: str
    imsi: str
    status: str
    status_reason: str | None
    customer_id: str
    customer_name: str
    main_account_code: str
    network_type: str
    payment_type: str
    user_type: str
    primary_offering: str
    brand: str
    activated_at: datetime | None
    latest_activation_at: datetime | None
    valid_from: date | None
    expires_on: date | None
    language: str | None
    written_language: str | None


class ContractLine(View):
    name: str
    status: str
    offering: str
    effective_on: date
    expires_on: date
    duration_months: int
    prolongation: str


class DeregistrationQuote(View):
    basics: SubscriberBasics
    contracts: list[ContractLine]
    outstanding: list[ChargeLine]
    penalties: list[PenaltyLine]
    prepaid_balance: Decimal
    other_accounts: list[str]
    offers: list[RetentionOffer]
    currency: str
    outstanding_total: Decimal
    penalty_total: Decimal
    total_due: Decimal


def _load_line(uow: UnitOfWork, service_number: str) -> tuple[Subscriber, Customer, Account, Offering]:
    row = uow.session.execute(
        select(Subscriber, Customer, Account, Offering)
        .join(Customer, Customer.id == Subscriber.customer_id)
        .join(Account, Account.id == Subscriber.account_id)
        .join(Offering, Offering.id == Subscriber.offering_id)
        .where(Subscriber.service_number == service_number)
        .order_by(Subscriber.status.in_(LIVE).desc(), Subscriber.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"No line with service number {service_number}.", fields={"service_number": "Unknown service number."})
    subscriber = row[0]
    if subscriber.status not in LIVE:
        raise Conflict(
            f"Line {service_number} is already {SubscriberStatus(subscriber.status).label.lower()}.",
            fields={"service_number": "Already deactivated."},
        )
    return row[0], row[1], row[2], row[3]


def _live_lines_on_account(uow: UnitOfWork, account_id: int) -> int:
    return uow.session.execute(select(func.count()).select_from(Subscriber).where(Subscriber.account_id == account_id, Subscriber.status.in_(LIVE))).scalar_one()


def _quote(uow: UnitOfWork, subscriber: Subscriber, customer: Customer, account: Account, offering: Offering, *, reason: str | None, today: date) -> DeregistrationQuote:
    session = uow.session
    last_line = _live_lines_on_account(uow, account.id) <= 1
    charge_filter = [Charge.account_id == account.id, Charge.status == ChargeStatus.OUTSTANDING.value]
    if last_line:
        charge_filter.append((Charge.subscriber_id == subscriber.id) | Charge.subscriber_id.is_(None))
    else:
        charge_filter.append(Charge.subscriber_id == subscriber.id)
    charges = session.execute(select(Charge).where(*charge_filter).order_by(Charge.id)).scalars().all()
    contracts = session.execute(
        select(Contract, Offering.name).join(Offering, Offering.id == Contract.offering_id).where(Contract.subscriber_id == subscriber.id).order_by(Contract.effective_on)
    ).all()
    penalties = [
        PenaltyLine(
            contract=c.name,
            offering=name,
            effective_on=c.effective_on,
            expires_on=c.expires_on,
            full_penalty=c.penalty_amount,
            amount=prorated_penalty(c.penalty_amount, c.effective_on, c.expires_on, today),
        )
        for c, name in contracts
        if c.status == "active"
    ]
    penalties = [p for p in penalties if p.amount > 0]
    other_accounts = session.execute(
        select(Account.account_code).where(Account.customer_id == customer.id, Account.id != account.id, Account.status == "active").order_by(Account.id)
    ).scalars().all()
    outstanding_total = sum((c.amount for c in charges), Decimal("0.00"))
    penalty_total = sum((p.amount for p in penalties), Decimal("0.00"))
    offers = [RetentionOffer(code=o["code"], name=o["name"], kind=o["kind"]) for o in retention_offers() if reason is None or reason in o["reasons"]]
    return DeregistrationQuote(
        basics=SubscriberBasics(
            service_number=subscriber.service_number,
            iccid=subscriber.iccid,
            imsi=subscriber.imsi,
            status=subscriber.status,
            status_reason=subscriber.status_reason,
            customer_id=customer.customer_id,
            customer_name=customer.display_name,
            main_account_code=account.account_code,
            network_type=subscriber.network_type,
            payment_type=subscriber.payment_type,
            user_type=subscriber.user_type,
            primary_offering=offering.name,
            brand=subscriber.brand,
            activated_at=subscriber.activated_at,
            latest_activation_at=subscriber.latest_activation_at,
            valid_from=subscriber.valid_from,
            expires_on=subscriber.expires_on,
            language=subscriber.language,
            written_language=subscriber.written_language,
        ),
        contracts=[
            ContractLine(name=c.name, status=c.status, offering=name, effective_on=c.effective_on, expires_on=c.expires_on, duration_months=c.duration_months, prolongation=c.prolongation)
            for c, name in contracts
        ],
        outstanding=[ChargeLine(description=c.description or c.kind.capitalize(), kind=c.kind, amount=c.amount) for c in charges],
        penalties=penalties,
        prepaid_balance=account.balance if account.payment_type == PaymentType.PREPAID and last_line and account.balance > 0 else Decimal("0.00"),
        other_accounts=list(other_accounts),
        offers=offers,
        currency=account.currency,
        outstanding_total=outstanding_total.quantize(CENT),
        penalty_total=penalty_total.quantize(CENT),
        total_due=(outstanding_total + penalty_total).quantize(CENT),
    )


def quote_deregistration(service_number: str, *, uow: UnitOfWork, actor: Actor, region: str, reason: str | None = None, today: date | None = None) -> DeregistrationQuote:
    """Everything the Deregistration screen shows before submit: basics, contracts, money, offers."""
    require_signed_in(actor, doing="deregister lines")
    number = parse_service_number(service_number, region=region)
    with uow:
        subscriber, customer, account, offering = _load_line(uow, number)
        return _quote(uow, subscriber, customer, account, offering, reason=reason, today=today or utcnow().date())


# --- retention accepted ------------------------------------------------------------------------


class RetentionApplied(View):
    service_number: str
    offer_code: str
    offer_name: str


def accept_retention_offer(service_number: str, offer_code: str, *, uow: UnitOfWork, actor: Actor, region: str, reason: str, now: datetime | None = None) -> RetentionApplied:
    """The customer stays: the offer is applied and recorded, and the flow ends here."""
    require_signed_in(actor, doing="apply retention offers")
    now = now or utcnow()
    number = parse_service_number(service_number, region=region)
    offer = next((o for o in retention_offers() if o["code"] == offer_code.strip().upper()), None)
    if offer is None:
        raise InvalidInput(f"No retention offer {offer_code}.", fields={"retention": "Unknown offer."})
    with uow:
        subscriber, customer, account, _offering = _load_line(uow, number)
        session = uow.session
        if offer["kind"] == "plan_change":
            target = session.execute(select(Offering).where(Offering.code == offer["offering"])).scalar_one_or_none()
            if target is None:
                ensure_catalog(session)
                target = session.execute(select(Offering).where(Offering.code == offer["offering"])).scalar_one()
            subscriber.offering_id = target.id
            subscriber.version += 1
            session.add(subscriber)
        session.add(Interaction(customer_id=customer.id, operator_id=actor.id, kind="retention", summary=f"Stayed with offer {offer['code']}: {offer['name']} (reason: {DeregistrationReason(reason).label})", created_at=now, shop=actor.shop or None))
        outbox.emit(uow, "retention.accepted", "subscriber", subscriber.service_number, {"offer": offer["code"], "kind": offer["kind"]})
        audit.record(uow, actor, "subscriber.retention_accepted", "customer", customer.customer_id, {"subscriber": subscriber.id, "offer": offer["code"], "reason": reason})
        uow.commit()
        return RetentionApplied(service_number=subscriber.service_number, offer_code=offer["code"], offer_name=offer["name"])


# --- submit --------------------------------------------------------------------------------------


class Receipt(View):
    receipt_number: str
    method: str
    amount: Decimal
    currency: str
    lines: list[ChargeLine]


class DeregistrationResult(View):
    order: OrderView
    receipt: Receipt | None
    balance_handling: str | None
    waiver_item_id: int | None


def _parse_options(*, reason: str, note: str, number_mode: str, sim_mode: str, payment_method: str | None, retention: str, balance: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        DeregistrationReason(reason)
    except ValueError:
        errors["reason"] = "Choose a deregistration reason."
    if reason == DeregistrationReason.OTHER and not note.strip():
        errors["note"] = "Say what the other reason is."
    if number_mode not in NUMBER_MODES:
        errors["number_mode"] = "Immediately or freeze."
    if sim_mode not in SIM_MODES:
        errors["sim_mode"] = "Reuse or abandon."
    if payment_method and payment_method not in PAYMENT_METHODS:
        errors["payment_method"] = "Cash, card or account."
    if retention != "declined":
        errors["retention"] = "Record the retention offer as declined before deregistering (or apply the accepted offer)."
    if balance not in ("refund", "forfeit") and not balance.startswith("transfer:"):
        errors["balance"] = "Refund, forfeit or transfer:ACCOUNT."
    if errors:
        raise InvalidInput("Check the deregistration options: " + "; ".join(errors.values()), fields=errors)
    return {"reason": reason, "note": clean_text(note, field="note", max_length=300)}


def _receipt_number(uow: UnitOfWork) -> str:
    return f"RC{next_number(uow.session, 'receipt_number'):09d}"


def submit_deregistration(
    service_number: str,
    *,
    services: Any,
    actor: Actor,
    reason: str,
    number_mode: str,
    sim_mode: str,
    note: str = "",
    retention: str = "declined",
    payment_method: str | None = None,
    balance: str = "refund",
    request_waiver: bool = False,
    expected_total: Decimal | None = None,
    now: datetime | None = None,
    on_progress: Callable[[OrderView], None] | None = None,
) -> DeregistrationResult:
    """Record the decision, take the payment and create the order in one transaction, then run it.

    `expected_total` is what the customer was shown and accepted: if the sum changed since, nothing
    is done (Conflict). Raises ExternalSystemFailed (exit 7) when a step fails; the order stays.
    `on_progress` gets the order after each step (the workbench shows the steps advancing live).
    """
    require_signed_in(actor, doing="deregister lines")
    now = now or utcnow()
    settings = services.settings
    number = parse_service_number(service_number, region=settings.default_region)
    options = _parse_options(reason=reason, note=note, number_mode=number_mode, sim_mode=sim_mode, payment_method=payment_method, retention=retention, balance=balance)
    with services.writer() as uow:
        session = uow.session
        subscriber, customer, account, offering = _load_line(uow, number)
        pending = unfinished_order(uow, subscriber_pk=subscriber.id) or unfinished_order(uow, customer_pk=customer.id, whole_customer=True)
        if pending:
            raise Conflict(f"Order {pending} for this line or customer is not finished; finish or cancel it first.")
        quote = _quote(uow, subscriber, customer, account, offering, reason=reason, today=now.date())
        due = quote.outstanding_total + (Decimal("0.00") if request_waiver else quote.penalty_total)
        if expected_total is not None and expected_total.quantize(CENT) != quote.total_due:
            raise Conflict(f"The amount changed since it was shown ({expected_total} -> {quote.total_due}); go through the charges again.")
        if due > 0 and not payment_method:
            raise InvalidInput(f"{due} {quote.currency} is due; choose how it is paid.", fields={"payment_method": "Cash, card or account."})
        penalty_charges = []
        for contract in session.execute(select(Contract).where(Contract.subscriber_id == subscriber.id, Contract.status == "active")).scalars():
            amount = prorated_penalty(contract.penalty_amount, contract.effective_on, contract.expires_on, now.date())
            contract.status = "terminated"
            session.add(contract)
            if amount > 0:
                charge = Charge(account_id=account.id, subscriber_id=subscriber.id, kind="penalty", description=f"Early termination: {contract.name}", amount=amount, currency=account.currency, created_at=now)
                session.add(charge)
                penalty_charges.append(charge)
        session.flush()
        waiver_item = None
        if request_waiver and penalty_charges:
            waiver_item = QueueItem(
                queue=QueueName.PENALTY_WAIVERS,
                ref_type="subscriber",
                ref_id=subscriber.service_number,
                reason=f"Waive {quote.penalty_total} {quote.currency} early-termination penalty ({DeregistrationReason(reason).label})",
                payload={"charge_ids": [c.id for c in penalty_charges], "amount": str(quote.penalty_total)},
                created_at=now,
            )
            session.add(waiver_item)
        to_pay = list(session.execute(select(Charge).where(Charge.id.in_([*(c.id for c in penalty_charges if not request_waiver)]) | Charge.id.in_(_outstanding_ids(uow, subscriber, account)))).scalars())
        receipt = None
        if due > 0:
            if payment_method == "account":
                if account.balance < due:
                    raise Conflict(f"The account balance {account.balance} does not cover {due}.", fields={"payment_method": "Balance too low."})
                account.balance -= due
            receipt_number = _receipt_number(uow)
            session.add(Payment(receipt_number=receipt_number, account_id=account.id, amount=due, currency=account.currency, method=payment_method or "cash", operator_id=actor.id, created_at=now))
            for charge in to_pay:
                charge.status = ChargeStatus.PAID.value
                session.add(charge)
            receipt = Receipt(
                receipt_number=receipt_number,
                method=payment_method or "cash",
                amount=due,
                currency=account.currency,
                lines=[ChargeLine(description=c.description or c.kind, kind=c.kind, amount=c.amount) for c in to_pay],
            )
        balance_note = _handle_balance(uow, customer, account, quote.prepaid_balance, balance, now)
        payload = {
            "service_number": subscriber.service_number,
            "customer_id": customer.customer_id,
            "reason": reason,
            "note": options["note"],
            "number_mode": number_mode,
            "sim_mode": sim_mode,
            "subscribers": [_line_payload(subscriber)],
            "freeze_days": settings.number_freeze_days,
            "receipt": receipt.receipt_number if receipt else None,
        }
        order = create_order(uow, order_type="deregister", actor=actor, customer_pk=customer.id, subscriber_pk=subscriber.id, payload=payload, now=now)
        session.add(Interaction(customer_id=customer.id, operator_id=actor.id, kind="deregister", summary=f"Deregistration of {subscriber.service_number} ({DeregistrationReason(reason).label}); order {order.order_number}", created_at=now, shop=actor.shop or None))
        audit.record(uow, actor, "subscriber.deregister", "customer", customer.customer_id, {"subscriber": subscriber.id, "order": order.order_number, "number_mode": number_mode, "sim_mode": sim_mode, "paid": str(due)})
        uow.commit()
        order_number = order.order_number
        waiver_id = waiver_item.id if waiver_item else None
    view = run_order(order_number, database_uow=services.writer, externals=services.externals(), settings=settings, actor=actor, on_progress=on_progress)
    return DeregistrationResult(order=view, receipt=receipt, balance_handling=balance_note, waiver_item_id=waiver_id)


def _outstanding_ids(uow: UnitOfWork, subscriber: Subscriber, account: Account) -> list[int]:
    last_line = _live_lines_on_account(uow, account.id) <= 1
    condition = Charge.subscriber_id == subscriber.id
    if last_line:
        condition = condition | Charge.subscriber_id.is_(None)
    return list(uow.session.execute(select(Charge.id).where(Charge.account_id == account.id, Charge.status == ChargeStatus.OUTSTANDING.value, Charge.kind != "penalty", condition)).scalars())


def _handle_balance(uow: UnitOfWork, customer: Customer, account: Account, balance: Decimal, mode: str, now: datetime) -> str | None:
    """The balance pre-process: a prepaid balance is refunded, moved to another account, or forfeited."""
    if balance <= 0:
        return None
    session = uow.session
    if mode == "refund":
        session.add(Charge(account_id=account.id, kind="refund", description="Prepaid balance refunded", amount=-balance, currency=account.currency, status=ChargeStatus.PAID.value, created_at=now))
        note = f"{balance} {account.currency} refunded"
    elif mode == "forfeit":
        note = f"{balance} {account.currency} forfeited"
    else:
        code = mode.split(":", 1)[1].strip()
        target = session.execute(select(Account).where(Account.account_code == code, Account.customer_id == customer.id)).scalar_one_or_none()
        if target is None or target.id == account.id:
            raise InvalidInput(f"Account {code} is not another account of this customer.", fields={"balance": "Unknown account."})
        target.balance += balance
        session.add(target)
        note = f"{balance} {account.currency} moved to account {code}"
    account.balance = Decimal("0.00")
    session.add(account)
    return note


def _line_payload(subscriber: Subscriber) -> dict[str, Any]:
    return {"id": subscriber.id, "service_number": subscriber.service_number, "iccid": subscriber.iccid, "imsi": subscriber.imsi, "previous_status": subscriber.status}


# --- the order's local steps ---------------------------------------------------------------------


def _recycle(ctx: StepContext) -> None:
    """Process related inventory: number released or frozen; SIM abandoned or back to stock."""
    session = ctx.uow.session
    payload = ctx.order.payload
    freeze_until = ctx.now + timedelta(days=int(payload.get("freeze_days", 90)))
    for line in payload["subscribers"]:
        subscriber = session.get(Subscriber, line["id"])
        subscriber.status = SubscriberStatus.DEACTIVATED.value
        subscriber.status_reason = payload.get("reason")
        subscriber.status_since = ctx.now
        subscriber.version += 1
        session.add(subscriber)
        number = session.execute(select(NumberPoolEntry).where(NumberPoolEntry.service_number == line["service_number"])).scalar_one_or_none()
        if number is None:
            number = NumberPoolEntry(service_number=line["service_number"])
        if payload["number_mode"] == "freeze":
            number.state, number.frozen_until = NumberState.FROZEN.value, freeze_until
        else:
            number.state, number.frozen_until = NumberState.AVAILABLE.value, None
        number.subscriber_id = subscriber.id if payload["number_mode"] == "freeze" else None
        number.version += 1
        session.add(number)
        sim = session.execute(select(SimCard).where(SimCard.iccid == line["iccid"])).scalar_one_or_none()
        if sim is None:
            sim = SimCard(iccid=line["iccid"], imsi=line["imsi"])
        sim.state = SimState.AVAILABLE.value if payload["sim_mode"] == "reuse" else SimState.ABANDONED.value
        sim.subscriber_id = None
        sim.version += 1
        session.add(sim)


def _undo_recycle(ctx: StepContext) -> None:
    session = ctx.uow.session
    for line in ctx.order.payload["subscribers"]:
        number = session.execute(select(NumberPoolEntry).where(NumberPoolEntry.service_number == line["service_number"])).scalar_one()
        sim = session.execute(select(SimCard).where(SimCard.iccid == line["iccid"])).scalar_one()
        if number.state == NumberState.IN_USE or sim.state == SimState.IN_USE:
            raise Conflict(f"{line['service_number']} or its SIM was already given to another line.")
        subscriber = session.get(Subscriber, line["id"])
        subscriber.status = line["previous_status"]
        subscriber.status_since = ctx.now
        number.state, number.frozen_until, number.subscriber_id = NumberState.IN_USE.value, None, subscriber.id
        sim.state, sim.subscriber_id = SimState.IN_USE.value, subscriber.id
        session.add_all([subscriber, number, sim])


def _archive_subscribers(ctx: StepContext) -> None:
    """Archive subscriber information into the history storage (one record per line)."""
    session = ctx.uow.session
    days = retention_policy()["subscriber"]
    for line in ctx.order.payload["subscribers"]:
        subscriber = session.get(Subscriber, line["id"])
        customer = session.get(Customer, subscriber.customer_id)
        offering = session.get(Offering, subscriber.offering_id)
        contracts = session.execute(select(Contract).where(Contract.subscriber_id == subscriber.id)).scalars().all()
        session.add(
            ArchiveRecord(
                kind="subscriber",
                customer_number=customer.customer_id,
                subject_key=subscriber.service_number,
                payload={
                    "service_number": subscriber.service_number,
                    "iccid": subscriber.iccid,
                    "imsi": subscriber.imsi,
                    "offering": offering.code if offering else None,
                    "activated_at": subscriber.activated_at.isoformat() if subscriber.activated_at else None,
                    "deactivated_at": ctx.now.isoformat(),
                    "reason": ctx.order.payload.get("reason"),
                    "number_mode": ctx.order.payload.get("number_mode"),
                    "order": ctx.order.order_number,
                    "contracts": [{"name": c.name, "effective_on": c.effective_on.isoformat(), "expires_on": c.expires_on.isoformat()} for c in contracts],
                },
                consent=True,
                archived_at=ctx.now,
                retain_until=ctx.now + timedelta(days=days),
            )
        )
        subscriber.status = SubscriberStatus.ARCHIVED.value
        session.add(subscriber)


def _undo_archive(ctx: StepContext) -> None:
    session = ctx.uow.session
    for line in ctx.order.payload["subscribers"]:
        record = session.execute(
            select(ArchiveRecord).where(ArchiveRecord.kind == "subscriber", ArchiveRecord.subject_key == line["service_number"]).order_by(ArchiveRecord.id.desc()).limit(1)
        ).scalar_one_or_none()
        if record is not None and record.payload.get("order") == ctx.order.order_number:
            session.delete(record)
        subscriber = session.get(Subscriber, line["id"])
        subscriber.status = SubscriberStatus.DEACTIVATED.value
        session.add(subscriber)


def refresh_customer_status(session, customer: Customer) -> None:  # noqa: ANN001
    """active with a live line, suspended when every live line is suspended, idle with none."""
    if customer.status in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED, CustomerStatus.ERASED, CustomerStatus.MERGED):
        return
    statuses = set(session.execute(select(Subscriber.status).where(Subscriber.customer_id == customer.id, Subscriber.status.in_(LIVE))).scalars())
    customer.status = (
        CustomerStatus.ACTIVE.value
        if SubscriberStatus.ACTIVE.value in statuses
        else CustomerStatus.SUSPENDED.value
        if statuses
        else CustomerStatus.IDLE.value
    )
    session.add(customer)


def _close(ctx: StepContext) -> None:
    """Close the order: state, the customer's status, and who must be told."""
    session = ctx.uow.session
    order = ctx.order
    order.status = "closed"
    order.closed_at = ctx.now
    customer = session.get(Customer, order.customer_id)
    if order.type == "terminate_customer":
        customer.status = CustomerStatus.TERMINATED.value
        customer.updated_at = ctx.now
        session.add(customer)
        outbox.emit(ctx.uow, "customer.terminated", "customer", customer.customer_id, {"order": order.order_number, "reason": order.payload.get("reason")})
    else:
        refresh_customer_status(session, customer)
    for line in order.payload["subscribers"]:
        outbox.emit(ctx.uow, "subscriber.deactivated", "subscriber", line["service_number"], {"order": order.order_number, "number_mode": order.payload.get("number_mode")})
    session.add(Interaction(customer_id=customer.id, kind="order_closed", channel="script", summary=f"Order {order.order_number} closed ({order.type.replace('_', ' ')})", created_at=ctx.now))


def _archive_customer(ctx: StepContext) -> None:
    """The profile and preferences are archived if the customer consents, else only what policy requires."""
    session = ctx.uow.session
    payload = ctx.order.payload
    customer = session.get(Customer, ctx.order.customer_id)
    consent = bool(payload.get("archive_consent"))
    policy = retention_policy()
    totals = session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0)).join(Account, Account.id == Payment.account_id).where(Account.customer_id == customer.id)
    ).scalar_one()
    kept: dict[str, Any] = {"customer_id": customer.customer_id, "type": customer.type, "terminated_at": ctx.now.isoformat(), "reason": payload.get("reason"), "payments_total": str(totals)}
    if consent:
        certificates = session.execute(select(Certificate).where(Certificate.customer_id == customer.id)).scalars().all()
        preference = session.execute(select(Preference).where(Preference.customer_id == customer.id)).scalar_one_or_none()
        kept.update(
            {
                "first_name": customer.first_name,
                "middle_name": customer.middle_name,
                "last_name": customer.last_name,
                "organization_name": customer.organization_name,
                "display_name": customer.display_name,
                "gender": customer.gender,
                "title": customer.title,
                "nationality": customer.nationality,
                "birthday": customer.birthday.isoformat() if customer.birthday else None,
                "email": customer.email,
                "mobile": customer.mobile,
                "certificates": [{"cert_type": c.cert_type, "cert_number": c.cert_number, "cert_country": c.cert_country} for c in certificates],
                "contacts": [{"method": c.method, "value": c.value} for c in session.execute(select(Contact).where(Contact.customer_id == customer.id)).scalars()],
                "addresses": [{"address_type": a.address_type, "detail": a.detail, "city": a.city, "postal_code": a.postal_code} for a in session.execute(select(Address).where(Address.customer_id == customer.id)).scalars()],
                "preferences": preference.model_dump(exclude={"id", "customer_id"}) if preference else None,
            }
        )
    days = policy["customer"] if consent else policy["customer_without_consent"]
    session.add(ArchiveRecord(kind="customer", customer_number=customer.customer_id, subject_key=customer.customer_id, payload=kept, consent=consent, archived_at=ctx.now, retain_until=ctx.now + timedelta(days=days)))


def _clean_up_customer(ctx: StepContext) -> None:
    """Stale contacts, addresses, social links and authentication data of a terminated customer go."""
    session = ctx.uow.session
    customer_pk = ctx.order.customer_id
    for model in (Contact, Address, SocialAccount, AuthenticationInfo):
        for row in session.execute(select(model).where(model.customer_id == customer_pk)).scalars():
            session.delete(row)


register_step(StepKind("cbs.change_state", "Notify billing: subscriber inactive", external=("cbs", "change_state"), undo_external=("cbs", "restore_state")))
register_step(StepKind("provisioning.deactivate", "Deactivate in the network", external=("provisioning", "deactivate"), undo_external=("provisioning", "reactivate")))
register_step(StepKind("cbs.deactivate", "Deactivate in billing", external=("cbs", "deactivate"), cannot_undo="billing has closed the subscription; re-establish the customer instead"))
register_step(StepKind("inventory.recycle", "Recycle number and SIM", local=_recycle, undo_local=_undo_recycle))
register_step(StepKind("archive.subscriber", "Archive the subscriber", local=_archive_subscribers, undo_local=_undo_archive))
register_step(StepKind("archive.customer", "Archive the customer profile", local=_archive_customer, cannot_undo="the archive record is kept"))
register_step(StepKind("customer.clean_up", "Clean up contacts and links", local=_clean_up_customer, cannot_undo="contacts and links were deleted"))
register_step(StepKind("order.close", "Close the order", local=_close))
LINE_STEPS = ("cbs.change_state", "provisioning.deactivate", "cbs.deactivate", "inventory.recycle", "archive.subscriber")
register_order_type("deregister", (*LINE_STEPS, "order.close"))
register_order_type("terminate_customer", (*LINE_STEPS, "archive.customer", "customer.clean_up", "order.close"))


# --- terminate the whole relationship ----------------------------------------------------------------


class TerminationResult(View):
    order: OrderView
    lines: list[str]


def terminate_customer(
    customer_id: str,
    *,
    services: Any,
    actor: Actor,
    reason: str,
    archive_consent: bool,
    number_mode: str = "freeze",
    sim_mode: str = "abandon",
    now: datetime | None = None,
    on_progress: Callable[[OrderView], None] | None = None,
) -> TerminationResult:
    """End the relationship, not just the services: every live line in one order, then archive and clean up."""
    require_signed_in(actor, doing="terminate customers")
    now = now or utcnow()
    try:
        TerminationReason(reason)
    except ValueError:
        raise InvalidInput("Choose a termination reason: " + ", ".join(r.value for r in TerminationReason) + ".", fields={"reason": "Unknown reason."}) from None
    if number_mode not in NUMBER_MODES or sim_mode not in SIM_MODES:
        raise InvalidInput("Number: immediate or freeze; SIM: reuse or abandon.", fields={"number_mode": "Check the options."})
    customer_id = parse_customer_id(customer_id)
    with services.writer() as uow:
        session = uow.session
        customer = session.execute(select(Customer).where(Customer.customer_id == customer_id)).scalar_one_or_none()
        if customer is None:
            raise NotFound(f"No customer {customer_id}.")
        if customer.status in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED, CustomerStatus.ERASED, CustomerStatus.MERGED):
            raise Conflict(f"Customer {customer_id} is already {customer.status}.")
        pending = unfinished_order(uow, customer_pk=customer.id)
        if pending:
            raise Conflict(f"Order {pending} for this customer is not finished; finish or cancel it first.")
        busy = session.execute(
            select(func.count()).select_from(QueueItem).where(QueueItem.ref_id == customer_id, QueueItem.status.in_(["open", "claimed"]))
        ).scalar_one()
        lines = session.execute(select(Subscriber).where(Subscriber.customer_id == customer.id, Subscriber.status.in_(LIVE)).order_by(Subscriber.id)).scalars().all()
        payload = {
            "customer_id": customer_id,
            "reason": reason,
            "archive_consent": archive_consent,
            "number_mode": number_mode,
            "sim_mode": sim_mode,
            "freeze_days": services.settings.number_freeze_days,
            "subscribers": [_line_payload(s) for s in lines],
        }
        order = create_order(uow, order_type="terminate_customer", actor=actor, customer_pk=customer.id, subscriber_pk=None, payload=payload, now=now)
        session.add(Interaction(customer_id=customer.id, operator_id=actor.id, kind="terminate", summary=f"Relationship terminated ({TerminationReason(reason).label}); archive consent: {'yes' if archive_consent else 'no'}; order {order.order_number}", created_at=now, shop=actor.shop or None))
        audit.record(uow, actor, "customer.terminate", "customer", customer_id, {"order": order.order_number, "lines": len(lines), "consent": archive_consent, "open_queue_items": busy})
        uow.commit()
        number = order.order_number
    view = run_order(number, database_uow=services.writer, externals=services.externals(), settings=services.settings, actor=actor, on_progress=on_progress)
    return TerminationResult(order=view, lines=[s.service_number for s in lines])


def decide_penalty_waiver(item_id: int, *, approve: bool, note: str = "", uow: UnitOfWork, actor: Actor, now: datetime | None = None) -> None:
    """A supervisor waives the penalty (charges become waived) or refuses (they stay outstanding)."""
    require_role(actor, *SUPERVISORS, doing="decide penalty waivers")
    now = now or utcnow()
    with uow:
        item = uow.session.get(QueueItem, item_id)
        if item is None or item.queue != QueueName.PENALTY_WAIVERS:
            raise NotFound(f"No penalty waiver request {item_id}.")
        if item.status not in ("open", "claimed"):
            raise Conflict(f"Waiver request {item_id} was already {item.status}.")
        if approve:
            for charge in uow.session.execute(select(Charge).where(Charge.id.in_(item.payload["charge_ids"]))).scalars():
                charge.status = ChargeStatus.WAIVED.value
                uow.session.add(charge)
        item.status = "approved" if approve else "rejected"
        item.decided_by, item.decided_at, item.note, item.version = actor.id, now, note or None, item.version + 1
        uow.session.add(item)
        audit.record(uow, actor, "penalty_waiver.approve" if approve else "penalty_waiver.reject", "queue_item", str(item_id))
        uow.commit()

