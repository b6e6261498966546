"""A new line for a customer who already has an identity: what the counter may offer (accounts,
offerings, golden numbers with their fee, the pool's next number, SIM stock), and the inventory and
row work the add-line order does (reserve, open the line, give the reservation back).

The use case itself (checks, holds, payment, the order) is `identity.new_line`: it needs the
registration's checks, which live above this room.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from crm_tui.domain import LIVE_LINE_STATUSES, CustomerStatus, NumberState, SimState, SubscriberStatus
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.i18n import _
from crm_tui.services.lines.inventory import FreeNumber, release_frozen_numbers, take_number, take_sim
from crm_tui.services.lines.provisioning import add_months
from crm_tui.services.shared.catalog import catalog_entries, ensure_catalog
from crm_tui.services.shared.permissions import require_signed_in
from crm_tui.services.shared.validation import parse_customer_id
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Contract, NumberPoolEntry, Offering, SimCard, Subscriber
from crm_tui.storage.unit_of_work import UnitOfWork

NEW_ACCOUNT = "new"
"""The account choice that opens a new account for the line (of the offering's payment type)."""

CLOSED_CUSTOMER = (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED, CustomerStatus.ERASED, CustomerStatus.MERGED)


class AccountChoice(View):
    account_id: str
    payment_type: str
    currency: str
    balance: Decimal
    lines: int


class OfferingChoice(View):
    code: str
    name: str
    payment_type: str
    network_type: str
    monthly_fee: Decimal
    commitment_months: int
    penalty_amount: Decimal

    @property
    def contract(self) -> str:
        """The contract the offering carries, in words."""
        return (
            _("{months}-month commitment").format(months=self.commitment_months)
            if self.commitment_months
            else _("No commitment")
        )


class LineOptions(View):
    """What the Add line screen offers, with the defaults a counter takes without a key."""

    customer_id: str
    customer_name: str
    customer_status: str
    accounts: list[AccountChoice]
    offerings: list[OfferingChoice]
    golden_numbers: list[FreeNumber]
    next_number: str | None
    free_numbers: int
    free_sims: int
    default_account: str
    default_offering: str

    def account_for(self, offering: str) -> str:
        """The first account that pays the way `offering` is sold, else a new one."""
        payment_type = next((o.payment_type for o in self.offerings if o.code == offering.strip().upper()), None)
        return next((a.account_id for a in self.accounts if a.payment_type == payment_type), NEW_ACCOUNT)


def load_customer(session: Session, customer_id: str) -> Customer:
    """The customer by ID; one no longer served (terminated, erased, merged...) is a Conflict."""
    customer_id = parse_customer_id(customer_id)
    customer = session.execute(select(Customer).where(Customer.customer_id == customer_id)).scalar_one_or_none()
    if customer is None:
        raise NotFound(
            _("No customer {customer_id}.").format(customer_id=customer_id),
            fields={"customer_id": _("Unknown customer.")},
        )
    if customer.status in CLOSED_CUSTOMER:
        raise Conflict(
            _("Customer {customer_id} is {status}; a new line needs a served customer.").format(
                customer_id=customer_id, status=CustomerStatus(customer.status).label.lower()
            ),
            fields={"customer_id": _("Not served.")},
        )
    return customer


def line_options(customer_id: str, *, uow: UnitOfWork, actor: Actor, golden_limit: int = 20) -> LineOptions:
    """The accounts of the customer, the catalogue, golden numbers and what the pools hold."""
    require_signed_in(actor, doing=_("add lines"))
    with uow:
        session = uow.session
        customer = load_customer(session, customer_id)
        lines_per_account = dict(
            session.execute(
                select(Subscriber.account_id, func.count())
                .where(Subscriber.customer_id == customer.id, Subscriber.status.in_(LIVE_LINE_STATUSES))
                .group_by(Subscriber.account_id)
            ).all()
        )
        accounts = [
            AccountChoice(
                account_id=a.account_code,
                payment_type=a.payment_type,
                currency=a.currency,
                balance=a.balance,
                lines=lines_per_account.get(a.id, 0),
            )
            for a in session.execute(
                select(Account)
                .where(Account.customer_id == customer.id, Account.status == "active")
                .order_by(Account.id)
            ).scalars()
        ]
        offerings = [
            OfferingChoice(
                code=o.code,
                name=o.name,
                payment_type=o.payment_type,
                network_type=o.network_type,
                monthly_fee=o.monthly_fee,
                commitment_months=o.commitment_months,
                penalty_amount=o.penalty_amount,
            )
            for o in session.execute(
                select(Offering).where(Offering.is_active.is_(True), Offering.kind == "primary").order_by(Offering.id)
            ).scalars()
        ]
        known = {o.code for o in offerings}
        offerings += [  # the shipped catalogue not loaded yet (a read does not write): add_line loads it
            OfferingChoice(
                code=e["code"],
                name=e["name"],
                payment_type=e["payment_type"],
                network_type=e["network_type"],
                monthly_fee=Decimal(e["monthly_fee"]),
                commitment_months=int(e["commitment_months"]),
                penalty_amount=Decimal(e["penalty_amount"]),
            )
            for e in catalog_entries()
            if e["code"] not in known
        ]
        latest_offering = session.execute(
            select(Offering.code)
            .join(Subscriber, Subscriber.offering_id == Offering.id)
            .where(Subscriber.customer_id == customer.id, Offering.is_active.is_(True))
            .order_by(Subscriber.id.desc())
            .limit(1)
        ).scalar()
        default_offering = latest_offering or (offerings[0].code if offerings else "")
        payment_type = next((o.payment_type for o in offerings if o.code == default_offering), None)
        default_account = next((a.account_id for a in accounts if a.payment_type == payment_type), NEW_ACCOUNT)
        available = NumberPoolEntry.state == NumberState.AVAILABLE
        golden = [
            FreeNumber(service_number=n.service_number, is_golden=True, fee=n.fee)
            for n in session.execute(
                select(NumberPoolEntry)
                .where(available, NumberPoolEntry.is_golden.is_(True))
                .order_by(NumberPoolEntry.fee.desc(), NumberPoolEntry.service_number)
                .limit(golden_limit)
            ).scalars()
        ]
        ordinary = available & NumberPoolEntry.is_golden.is_(False)
        next_number = session.execute(
            select(NumberPoolEntry.service_number).where(ordinary).order_by(NumberPoolEntry.id).limit(1)
        ).scalar()
        free_numbers = session.execute(select(func.count()).select_from(NumberPoolEntry).where(ordinary)).scalar_one()
        free_sims = session.execute(
            select(func.count()).select_from(SimCard).where(SimCard.state == SimState.AVAILABLE)
        ).scalar_one()
        return LineOptions(
            customer_id=customer.customer_id,
            customer_name=customer.display_name,
            customer_status=customer.status,
            accounts=accounts,
            offerings=offerings,
            golden_numbers=golden,
            next_number=next_number,
            free_numbers=free_numbers,
            free_sims=free_sims,
            default_account=default_account,
            default_offering=default_offering,
        )


def chosen_offering(session: Session, code: str) -> Offering:
    """The active primary offering with that code (the catalogue loaded if needed)."""
    ensure_catalog(session)
    offering = session.execute(
        select(Offering).where(Offering.code == code.strip().upper(), Offering.is_active.is_(True))
    ).scalar_one_or_none()
    if offering is None:
        raise InvalidInput(
            _("No offering {offering} in the catalog.").format(offering=code),
            fields={"offering": _("Unknown offering.")},
        )
    return offering


def chosen_account(session: Session, customer: Customer, account_id: str, offering: Offering) -> Account | None:
    """The customer's own active account (None: open a new one); it must pay the way the offering is sold."""
    if account_id.strip().lower() in ("", NEW_ACCOUNT):
        return None
    account = session.execute(
        select(Account).where(Account.account_code == account_id.strip(), Account.customer_id == customer.id)
    ).scalar_one_or_none()
    if account is None:
        raise InvalidInput(
            _("Account {account} is not one of customer {customer_id}'s.").format(
                account=account_id, customer_id=customer.customer_id
            ),
            fields={"account": _("Not this customer's account.")},
        )
    if account.status != "active":
        raise Conflict(
            _("Account {account} is {status}.").format(account=account_id, status=account.status),
            fields={"account": _("Not active.")},
        )
    if account.payment_type != offering.payment_type:
        raise InvalidInput(
            _(
                "Account {account} is {account_payment}; {offering} is {offering_payment}: choose another account or a new one."
            ).format(
                account=account_id,
                account_payment=account.payment_type,
                offering=offering.name,
                offering_payment=offering.payment_type,
            ),
            fields={"account": _("A {payment_type} account.").format(payment_type=account.payment_type)},
        )
    return account


def reserve_inventory(
    session: Session, *, wanted_number: str | None, wanted_iccid: str | None
) -> tuple[NumberPoolEntry, SimCard]:
    """Take the number (a golden or named pick, or the pool's next) and the SIM with guarded updates:
    of terminals racing for one number, exactly one gets it and the others a Conflict."""
    release_frozen_numbers(session)
    number = take_number(session, wanted_number)
    sim = take_sim(session, wanted_iccid)
    return number, sim


def give_back_inventory(session: Session, *, service_number: str, iccid: str) -> None:
    """A cancelled add-line order: its number and SIM go back to the pools (unless a line holds them)."""
    session.execute(
        update(NumberPoolEntry)
        .where(
            NumberPoolEntry.service_number == service_number,
            NumberPoolEntry.state == NumberState.IN_USE,
            NumberPoolEntry.subscriber_id.is_(None),
        )
        .values(state=NumberState.AVAILABLE, version=NumberPoolEntry.version + 1)
    )
    session.execute(
        update(SimCard)
        .where(SimCard.iccid == iccid, SimCard.state == SimState.IN_USE, SimCard.subscriber_id.is_(None))
        .values(state=SimState.AVAILABLE, version=SimCard.version + 1)
    )


def open_reserved_line(session: Session, payload: dict[str, Any], *, now: datetime) -> Subscriber:
    """The active subscriber on the reserved number and SIM, with the offering's contract."""
    customer = session.get(Customer, payload["customer_pk"])
    offering = session.get(Offering, payload["offering_pk"])
    account = session.get(Account, payload["account_pk"])
    subscriber = Subscriber(
        service_number=payload["service_number"],
        iccid=payload["iccid"],
        imsi=payload["imsi"],
        customer_id=customer.id,
        account_id=account.id,
        offering_id=offering.id,
        network_type=offering.network_type,
        payment_type=offering.payment_type,
        user_type=customer.type,
        brand=offering.brand,
        status=SubscriberStatus.ACTIVE.value,
        status_since=now,
        activated_at=now,
        latest_activation_at=now,
        valid_from=now.date(),
        expires_on=date(2100, 1, 1),
    )
    session.add(subscriber)
    session.flush()
    session.execute(
        update(NumberPoolEntry)
        .where(NumberPoolEntry.service_number == payload["service_number"])
        .values(subscriber_id=subscriber.id, version=NumberPoolEntry.version + 1)
    )
    session.execute(
        update(SimCard)
        .where(SimCard.iccid == payload["iccid"])
        .values(subscriber_id=subscriber.id, version=SimCard.version + 1)
    )
    if offering.commitment_months:
        session.add(
            Contract(
                subscriber_id=subscriber.id,
                offering_id=offering.id,
                name=_("{months}-month commitment").format(months=offering.commitment_months),
                effective_on=now.date(),
                expires_on=add_months(now.date(), offering.commitment_months),
                duration_months=offering.commitment_months,
                prolongation=offering.prolongation,
                penalty_amount=offering.penalty_amount,
            )
        )
    return subscriber
