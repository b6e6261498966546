"""Loading a line by the number the customer hands over: the subscriber with its customer, account
and offering, in one query. The one way every line flow (deregister, suspend, resume...) starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm_tui.domain import LIVE_LINE_STATUSES, SubscriberStatus
from crm_tui.errors import Conflict, NotFound
from crm_tui.i18n import _
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Offering, Subscriber
from crm_tui.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Line:
    subscriber: Subscriber
    customer: Customer
    account: Account
    offering: Offering


def load_line(uow: UnitOfWork, service_number: str) -> Line:
    """The live line with that (already parsed) number.

    A number released and given again has served several lines: the live one wins, else the
    newest, so a line no longer live is named as such (a Conflict) rather than "unknown".
    """
    row = uow.session.execute(
        select(Subscriber, Customer, Account, Offering)
        .join(Customer, Customer.id == Subscriber.customer_id)
        .join(Account, Account.id == Subscriber.account_id)
        .join(Offering, Offering.id == Subscriber.offering_id)
        .where(Subscriber.service_number == service_number)
        .order_by(Subscriber.status.in_(LIVE_LINE_STATUSES).desc(), Subscriber.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(
            _("No line with service number {number}.").format(number=service_number),
            fields={"service_number": _("Unknown service number.")},
        )
    subscriber = row[0]
    if subscriber.status not in LIVE_LINE_STATUSES:
        raise Conflict(
            _("Line {number} is already {status}.").format(
                number=service_number, status=SubscriberStatus(subscriber.status).label.lower()
            ),
            fields={"service_number": _("Already deactivated.")},
        )
    return Line(*row)
