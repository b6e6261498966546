"""Giving a customer a line: an account, a subscriber with a number and a SIM, a contract on an offering."""

from __future__ import annotations

from datetime import date, datetime

from crm_tui.i18n import _
from crm_tui.services.lines.inventory import take_number, take_sim
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Contract, Offering, Subscriber
from crm_tui.storage.models.money import Charge


def give_line(
    session,  # noqa: ANN001
    customer: Customer,
    offering: Offering,
    account: Account,
    *,
    wanted_number: str | None,
    now: datetime,
    language: str | None = None,
    written_language: str | None = None,
) -> Subscriber:
    """Take a number and a SIM from the pools and create the active subscriber (and its contract)."""
    number = take_number(session, wanted_number)
    sim = take_sim(session)
    subscriber = Subscriber(
        service_number=number.service_number,
        iccid=sim.iccid,
        imsi=sim.imsi,
        customer_id=customer.id,
        account_id=account.id,
        offering_id=offering.id,
        network_type=offering.network_type,
        payment_type=offering.payment_type,
        user_type=customer.type,
        brand=offering.brand,
        status="active",
        status_since=now,
        activated_at=now,
        latest_activation_at=now,
        valid_from=now.date(),
        expires_on=date(2100, 1, 1),
        language=language or None,
        written_language=written_language or None,
    )
    session.add(subscriber)
    session.flush()
    number.subscriber_id = subscriber.id
    sim.subscriber_id = subscriber.id
    session.add_all([number, sim])
    if number.fee:
        session.add(
            Charge(
                account_id=account.id,
                subscriber_id=subscriber.id,
                kind="fee",
                description=_("Golden number {number}").format(number=number.service_number),
                amount=number.fee,
                currency=account.currency,
                created_at=now,
            )
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


def add_months(start: date, months: int) -> date:
    """The same day `months` later (the 28th at most, so every month has it)."""
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, min(start.day, 28))
