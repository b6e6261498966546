"""A customer's status follows their lines: active while one is live, else what the lines say."""

from __future__ import annotations

from sqlalchemy import select

from crm_tui.domain import (
    LIVE_LINE_STATUSES,
    CustomerStatus,
    SubscriberStatus,
)
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Subscriber


def refresh_customer_status(session, customer: Customer) -> None:  # noqa: ANN001
    """active with a live line, suspended when every live line is suspended, idle with none."""
    if customer.status in (
        CustomerStatus.TERMINATED,
        CustomerStatus.ARCHIVED,
        CustomerStatus.ERASED,
        CustomerStatus.MERGED,
    ):
        return
    statuses = set(
        session.execute(
            select(Subscriber.status).where(
                Subscriber.customer_id == customer.id, Subscriber.status.in_(LIVE_LINE_STATUSES)
            )
        ).scalars()
    )
    customer.status = (
        CustomerStatus.ACTIVE.value
        if SubscriberStatus.ACTIVE.value in statuses
        else CustomerStatus.SUSPENDED.value
        if statuses
        else CustomerStatus.IDLE.value
    )
    session.add(customer)
