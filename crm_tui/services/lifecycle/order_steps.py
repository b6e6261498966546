"""The lifecycle's order steps and order types, as data: bootstrap registers them with the order engine."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from crm_tui.domain import (
    CustomerStatus,
    NumberState,
    SimState,
    SubscriberStatus,
)
from crm_tui.errors import Conflict
from crm_tui.i18n import N_, _
from crm_tui.services.customers.status import refresh_customer_status
from crm_tui.services.lifecycle.deregistration_quote import retention_policy
from crm_tui.services.orders.engine import (
    StepContext,
    StepKind,
)
from crm_tui.services.shared import outbox
from crm_tui.services.shared.interactions import capture
from crm_tui.storage.models.archive import ArchiveRecord
from crm_tui.storage.models.customers import (
    Address,
    AuthenticationInfo,
    Certificate,
    Contact,
    Customer,
    Preference,
    SocialAccount,
)
from crm_tui.storage.models.lines import Account, Contract, NumberPoolEntry, Offering, SimCard, Subscriber
from crm_tui.storage.models.money import Payment

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
    outbox.emit(
        ctx.uow,
        event,
        "subscriber",
        ctx.order.payload["service_number"],
        {"order": ctx.order.order_number, "reason": ctx.order.payload.get("reason")},
    )


def _line_payload(subscriber: Subscriber) -> dict[str, Any]:
    return {
        "id": subscriber.id,
        "service_number": subscriber.service_number,
        "iccid": subscriber.iccid,
        "imsi": subscriber.imsi,
        "previous_status": subscriber.status,
    }


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
        number = session.execute(
            select(NumberPoolEntry).where(NumberPoolEntry.service_number == line["service_number"])
        ).scalar_one_or_none()
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
        number = session.execute(
            select(NumberPoolEntry).where(NumberPoolEntry.service_number == line["service_number"])
        ).scalar_one()
        sim = session.execute(select(SimCard).where(SimCard.iccid == line["iccid"])).scalar_one()
        if number.state == NumberState.IN_USE or sim.state == SimState.IN_USE:
            raise Conflict(
                _("{number} or its SIM was already given to another line.").format(number=line["service_number"])
            )
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
                    "contracts": [
                        {
                            "name": c.name,
                            "effective_on": c.effective_on.isoformat(),
                            "expires_on": c.expires_on.isoformat(),
                        }
                        for c in contracts
                    ],
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
            select(ArchiveRecord)
            .where(ArchiveRecord.kind == "subscriber", ArchiveRecord.subject_key == line["service_number"])
            .order_by(ArchiveRecord.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if record is not None and record.payload.get("order") == ctx.order.order_number:
            session.delete(record)
        subscriber = session.get(Subscriber, line["id"])
        subscriber.status = SubscriberStatus.DEACTIVATED.value
        session.add(subscriber)


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
        outbox.emit(
            ctx.uow,
            "customer.terminated",
            "customer",
            customer.customer_id,
            {"order": order.order_number, "reason": order.payload.get("reason")},
        )
    else:
        refresh_customer_status(session, customer)
    for line in order.payload["subscribers"]:
        outbox.emit(
            ctx.uow,
            "subscriber.deactivated",
            "subscriber",
            line["service_number"],
            {"order": order.order_number, "number_mode": order.payload.get("number_mode")},
        )
    capture(
        session,
        customer.id,
        kind="order_closed",
        summary=_("Order {order} closed ({order_type})").format(
            order=order.order_number,
            order_type=_(ORDER_TYPE_WORDS[order.type])
            if order.type in ORDER_TYPE_WORDS
            else order.type.replace("_", " "),
        ),
        actor=None,
        now=ctx.now,
        channel="script",
    )


def _archive_customer(ctx: StepContext) -> None:
    """The profile and preferences are archived if the customer consents, else only what policy requires."""
    session = ctx.uow.session
    payload = ctx.order.payload
    customer = session.get(Customer, ctx.order.customer_id)
    consent = bool(payload.get("archive_consent"))
    policy = retention_policy()
    totals = session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Account, Account.id == Payment.account_id)
        .where(Account.customer_id == customer.id)
    ).scalar_one()
    kept: dict[str, Any] = {
        "customer_id": customer.customer_id,
        "type": customer.type,
        "terminated_at": ctx.now.isoformat(),
        "reason": payload.get("reason"),
        "payments_total": str(totals),
    }
    if consent:
        certificates = (
            session.execute(select(Certificate).where(Certificate.customer_id == customer.id)).scalars().all()
        )
        preference = session.execute(
            select(Preference).where(Preference.customer_id == customer.id)
        ).scalar_one_or_none()
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
                "certificates": [
                    {"cert_type": c.cert_type, "cert_number": c.cert_number, "cert_country": c.cert_country}
                    for c in certificates
                ],
                "contacts": [
                    {"method": c.method, "value": c.value}
                    for c in session.execute(select(Contact).where(Contact.customer_id == customer.id)).scalars()
                ],
                "addresses": [
                    {"address_type": a.address_type, "detail": a.detail, "city": a.city, "postal_code": a.postal_code}
                    for a in session.execute(select(Address).where(Address.customer_id == customer.id)).scalars()
                ],
                "preferences": preference.model_dump(exclude={"id", "customer_id"}) if preference else None,
            }
        )
    days = policy["customer"] if consent else policy["customer_without_consent"]
    session.add(
        ArchiveRecord(
            kind="customer",
            customer_number=customer.customer_id,
            subject_key=customer.customer_id,
            payload=kept,
            consent=consent,
            archived_at=ctx.now,
            retain_until=ctx.now + timedelta(days=days),
        )
    )


def _clean_up_customer(ctx: StepContext) -> None:
    """Stale contacts, addresses, social links and authentication data of a terminated customer go."""
    session = ctx.uow.session
    customer_pk = ctx.order.customer_id
    for model in (Contact, Address, SocialAccount, AuthenticationInfo):
        for row in session.execute(select(model).where(model.customer_id == customer_pk)).scalars():
            session.delete(row)


STEPS: tuple[StepKind, ...] = (
    StepKind("cbs.suspend", N_("Billing: suspend"), external=("cbs", "suspend"), undo_external=("cbs", "resume")),
    StepKind(
        "provisioning.suspend",
        N_("Network: bar the line"),
        external=("provisioning", "suspend"),
        undo_external=("provisioning", "resume"),
    ),
    StepKind("subscriber.suspended", N_("Mark the line suspended"), local=_mark(SubscriberStatus.SUSPENDED)),
    StepKind("cbs.resume", N_("Billing: resume"), external=("cbs", "resume"), undo_external=("cbs", "suspend")),
    StepKind(
        "provisioning.resume",
        N_("Network: lift the bar"),
        external=("provisioning", "resume"),
        undo_external=("provisioning", "suspend"),
    ),
    StepKind("subscriber.active", N_("Mark the line active"), local=_mark(SubscriberStatus.ACTIVE)),
    StepKind("order.close_simple", N_("Close the order"), local=_close_simple),
    StepKind(
        "cbs.change_state",
        N_("Notify billing: subscriber inactive"),
        external=("cbs", "change_state"),
        undo_external=("cbs", "restore_state"),
    ),
    StepKind(
        "provisioning.deactivate",
        N_("Deactivate in the network"),
        external=("provisioning", "deactivate"),
        undo_external=("provisioning", "reactivate"),
    ),
    StepKind(
        "cbs.deactivate",
        N_("Deactivate in billing"),
        external=("cbs", "deactivate"),
        cannot_undo=N_("billing has closed the subscription; re-establish the customer instead"),
    ),
    StepKind("inventory.recycle", N_("Recycle number and SIM"), local=_recycle, undo_local=_undo_recycle),
    StepKind("archive.subscriber", N_("Archive the subscriber"), local=_archive_subscribers, undo_local=_undo_archive),
    StepKind(
        "archive.customer",
        N_("Archive the customer profile"),
        local=_archive_customer,
        cannot_undo=N_("the archive record is kept"),
    ),
    StepKind(
        "customer.clean_up",
        N_("Clean up contacts and links"),
        local=_clean_up_customer,
        cannot_undo=N_("contacts and links were deleted"),
    ),
    StepKind("order.close", N_("Close the order"), local=_close),
)
"""Every step kind of the lifecycle's orders; `services.bootstrap` registers them with the engine."""

LINE_STEPS = (
    "cbs.change_state",
    "provisioning.deactivate",
    "cbs.deactivate",
    "inventory.recycle",
    "archive.subscriber",
)
"""Taking one line out of service: billing, network, billing again, recycling, archiving."""

ORDER_TYPES: dict[str, tuple[str, ...]] = {
    "deregister": (*LINE_STEPS, "order.close"),
    "terminate_customer": (*LINE_STEPS, "archive.customer", "customer.clean_up", "order.close"),
    "suspend": ("cbs.suspend", "provisioning.suspend", "subscriber.suspended", "order.close_simple"),
    "resume": ("cbs.resume", "provisioning.resume", "subscriber.active", "order.close_simple"),
}
"""Each order type's steps, in the order they run."""

ORDER_TYPE_WORDS = {
    "add_line": N_("add line"),
    "deregister": N_("deregister"),
    "terminate_customer": N_("terminate customer"),
    "suspend": N_("suspend"),
    "resume": N_("resume"),
}
"""Each order type as the customer's history names it (translated when the summary is written)."""
