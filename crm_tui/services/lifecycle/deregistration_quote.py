"""What deregistering a line would cost: the quote (charges, penalty, balance) and the retention offers."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select

from crm_tui.domain import (
    LIVE_LINE_STATUSES,
    ChargeStatus,
    DeregistrationReason,
    PaymentType,
)
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services.lines.lookup import load_line
from crm_tui.services.shared import audit, outbox
from crm_tui.services.shared.catalog import ensure_catalog
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import (
    require_signed_in,
)
from crm_tui.services.shared.validation import (
    parse_service_number,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Contract, Offering, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

CENT = Decimal("0.01")


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


def _live_lines_on_account(uow: UnitOfWork, account_id: int) -> int:
    return uow.session.execute(
        select(func.count())
        .select_from(Subscriber)
        .where(Subscriber.account_id == account_id, Subscriber.status.in_(LIVE_LINE_STATUSES))
    ).scalar_one()


def _quote(
    uow: UnitOfWork,
    subscriber: Subscriber,
    customer: Customer,
    account: Account,
    offering: Offering,
    *,
    reason: str | None,
    today: date,
) -> DeregistrationQuote:
    session = uow.session
    last_line = _live_lines_on_account(uow, account.id) <= 1
    charge_filter = [Charge.account_id == account.id, Charge.status == ChargeStatus.OUTSTANDING.value]
    if last_line:
        charge_filter.append((Charge.subscriber_id == subscriber.id) | Charge.subscriber_id.is_(None))
    else:
        charge_filter.append(Charge.subscriber_id == subscriber.id)
    charges = session.execute(select(Charge).where(*charge_filter).order_by(Charge.id)).scalars().all()
    contracts = session.execute(
        select(Contract, Offering.name)
        .join(Offering, Offering.id == Contract.offering_id)
        .where(Contract.subscriber_id == subscriber.id)
        .order_by(Contract.effective_on)
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
    other_accounts = (
        session.execute(
            select(Account.account_code)
            .where(Account.customer_id == customer.id, Account.id != account.id, Account.status == "active")
            .order_by(Account.id)
        )
        .scalars()
        .all()
    )
    outstanding_total = sum((c.amount for c in charges), Decimal("0.00"))
    penalty_total = sum((p.amount for p in penalties), Decimal("0.00"))
    offers = [
        RetentionOffer(code=o["code"], name=o["name"], kind=o["kind"])
        for o in retention_offers()
        if reason is None or reason in o["reasons"]
    ]
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
            ContractLine(
                name=c.name,
                status=c.status,
                offering=name,
                effective_on=c.effective_on,
                expires_on=c.expires_on,
                duration_months=c.duration_months,
                prolongation=c.prolongation,
            )
            for c, name in contracts
        ],
        outstanding=[
            ChargeLine(description=c.description or c.kind.capitalize(), kind=c.kind, amount=c.amount) for c in charges
        ],
        penalties=penalties,
        prepaid_balance=account.balance
        if account.payment_type == PaymentType.PREPAID and last_line and account.balance > 0
        else Decimal("0.00"),
        other_accounts=list(other_accounts),
        offers=offers,
        currency=account.currency,
        outstanding_total=outstanding_total.quantize(CENT),
        penalty_total=penalty_total.quantize(CENT),
        total_due=(outstanding_total + penalty_total).quantize(CENT),
    )


def quote_deregistration(
    service_number: str,
    *,
    uow: UnitOfWork,
    actor: Actor,
    region: str,
    reason: str | None = None,
    today: date | None = None,
) -> DeregistrationQuote:
    """Everything the Deregistration screen shows before submit: basics, contracts, money, offers."""
    require_signed_in(actor, doing=_("deregister lines"))
    number = parse_service_number(service_number, region=region)
    with uow:
        line = load_line(uow, number)
        subscriber, customer, account, offering = line.subscriber, line.customer, line.account, line.offering
        return _quote(uow, subscriber, customer, account, offering, reason=reason, today=today or utcnow().date())


# --- retention accepted ------------------------------------------------------------------------


class RetentionApplied(View):
    service_number: str
    offer_code: str
    offer_name: str


def accept_retention_offer(
    service_number: str,
    offer_code: str,
    *,
    uow: UnitOfWork,
    actor: Actor,
    region: str,
    reason: str,
    now: datetime | None = None,
) -> RetentionApplied:
    """The customer stays: the offer is applied and recorded, and the flow ends here."""
    require_signed_in(actor, doing=_("apply retention offers"))
    now = now or utcnow()
    number = parse_service_number(service_number, region=region)
    offer = next((o for o in retention_offers() if o["code"] == offer_code.strip().upper()), None)
    if offer is None:
        raise InvalidInput(
            _("No retention offer {offer}.").format(offer=offer_code), fields={"retention": _("Unknown offer.")}
        )
    with uow:
        line = load_line(uow, number)
        subscriber, customer = line.subscriber, line.customer
        session = uow.session
        if offer["kind"] == "plan_change":
            target = session.execute(select(Offering).where(Offering.code == offer["offering"])).scalar_one_or_none()
            if target is None:
                ensure_catalog(session)
                target = session.execute(select(Offering).where(Offering.code == offer["offering"])).scalar_one()
            subscriber.offering_id = target.id
            subscriber.version += 1
            session.add(subscriber)
        capture(
            session,
            customer.id,
            kind="retention",
            summary=_("Stayed with offer {code}: {name} (reason: {reason})").format(
                code=offer["code"], name=offer["name"], reason=DeregistrationReason(reason).label
            ),
            actor=actor,
            now=now,
        )
        outbox.emit(
            uow,
            "retention.accepted",
            "subscriber",
            subscriber.service_number,
            {"offer": offer["code"], "kind": offer["kind"]},
        )
        audit.record(
            uow,
            actor,
            "subscriber.retention_accepted",
            "customer",
            customer.customer_id,
            {"subscriber": subscriber.id, "offer": offer["code"], "reason": reason},
        )
        uow.commit()
        return RetentionApplied(
            service_number=subscriber.service_number, offer_code=offer["code"], offer_name=offer["name"]
        )
