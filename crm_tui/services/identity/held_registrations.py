"""Held registrations: a supervisor approves (the customer is created) or rejects one from the queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm_tui.domain import (
    CustomerStatus,
    QueueItemStatus,
    QueueName,
)
from crm_tui.errors import Conflict, NotFound
from crm_tui.i18n import _
from crm_tui.services.lines.provisioning import give_line
from crm_tui.services.shared import audit, outbox
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
)
from crm_tui.services.shared.validation import (
    clean_text,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Offering
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork


class HeldDecision(View):
    customer_id: str
    approved: bool
    service_number: str | None


def _by_whom(session: Any, item: QueueItem, actor: Actor) -> str:
    """ "by you" or "by NAME": who decided (or claimed) a queue item first."""
    who = item.decided_by or item.claimed_by
    if who == actor.id:
        return _("by you")
    operator = session.get(Operator, who) if who else None
    if operator is None:
        return _("by someone else")
    return _("by {operator}").format(operator=operator.display_name or operator.username)


def decide_held_registration(
    item_id: int,
    *,
    approve: bool,
    note: str = "",
    uow: UnitOfWork,
    actor: Actor,
    now: datetime | None = None,
) -> HeldDecision:
    """A supervisor approves (the line is given) or rejects a registration held by a check.

    Only one decision wins: the item must still be open (or claimed by this supervisor).
    """
    require_role(actor, *SUPERVISORS, doing=_("decide held registrations"))
    now = now or utcnow()
    note = clean_text(note, field="note", max_length=500)
    with uow:
        session = uow.session
        item = session.get(QueueItem, item_id)
        if item is None or item.queue != QueueName.HELD_REGISTRATIONS.value:
            raise NotFound(_("No held registration {item}.").format(item=item_id))
        if item.status not in ("open", "claimed") or (
            item.status == "claimed" and item.claimed_by not in (None, actor.id)
        ):
            raise Conflict(
                _("Held registration {item} was already {status} {by_whom}.").format(
                    item=item_id,
                    status=QueueItemStatus(item.status).label.lower(),
                    by_whom=_by_whom(session, item, actor),
                )
            )
        customer = session.execute(select(Customer).where(Customer.customer_id == item.ref_id)).scalar_one()
        service_number = None
        if approve:
            offering = session.execute(select(Offering).where(Offering.code == item.payload["offering"])).scalar_one()
            account = session.execute(
                select(Account).where(Account.account_code == item.payload["account_code"])
            ).scalar_one()
            subscriber = give_line(
                session, customer, offering, account, wanted_number=item.payload.get("service_number"), now=now
            )
            service_number = subscriber.service_number
            customer.status = CustomerStatus.ACTIVE.value
            customer.updated_at = now
            session.add(customer)
        item.status = "approved" if approve else "rejected"
        item.decided_by = actor.id
        item.decided_at = now
        item.note = note or None
        item.version += 1
        session.add(item)
        capture(
            session,
            customer.id,
            kind="registration_review",
            summary=_("Held registration approved: line given")
            if approve
            else _("Held registration rejected: no line"),
            actor=actor,
            now=now,
        )
        outbox.emit(
            uow,
            "registration.approved" if approve else "registration.rejected",
            "customer",
            customer.customer_id,
            {"service_number": service_number},
        )
        audit.record(
            uow,
            actor,
            "registration.approve" if approve else "registration.reject",
            "queue_item",
            str(item_id),
            {"customer": customer.customer_id},
        )
        uow.commit()
        return HeldDecision(customer_id=customer.customer_id, approved=approve, service_number=service_number)
