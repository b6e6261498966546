"""Suspend and resume a line (BP.CC.SUBMGT.07), on the durable order engine.

Rules a CSR can trust: a debt suspension lifts only when the debt is paid (the payment can be
taken in the same call); a fraud suspension lifts only by a supervisor (a CSR's request waits in
the fraud-resumptions queue); an administrator's suspension lifts only by a supervisor or admin;
a customer's own suspension lifts at their request. A suspension or a resumption may be reserved
for a date: `crm-tui orders run-due` runs it on or after that date, once, however many runners
there are; the reserved-orders queue cancels it. Two terminals (or two overdue scans) suspending one
line at once: one order, the other gets a Conflict (a compare-and-set on the line's version).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import update

from crm_tui.domain import (
    OrderStatus,
    SubscriberStatus,
    SuspensionReason,
)
from crm_tui.errors import Conflict, InvalidInput, NotAllowed
from crm_tui.i18n import _
from crm_tui.services.context import Services
from crm_tui.services.lines.lookup import load_line
from crm_tui.services.orders.engine import (
    OrderView,
    create_order,
    find_order,
    order_view,
    run_order,
    unfinished_order,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
)
from crm_tui.services.shared.validation import clean_text, parse_service_number
from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

SUPERVISOR_ONLY_SUSPENSIONS = (SuspensionReason.FRAUD, SuspensionReason.ADMIN)


def _reason_words(reason: str | None) -> str:
    try:
        return SuspensionReason(reason).label.lower()
    except ValueError:
        return reason or _("no reason recorded")


def _open_order_for(uow: UnitOfWork, subscriber: Subscriber) -> str | None:
    return unfinished_order(uow, subscriber_pk=subscriber.id)


# --- suspend ---------------------------------------------------------------------------------------


def suspend_subscriber(
    service_number: str,
    *,
    services: Services,
    actor: Actor | None,
    reason: str,
    note: str = "",
    effective_date: str | datetime | None = None,
    now: datetime | None = None,
    on_progress: Callable[[OrderView], None] | None = None,
) -> OrderView:
    """Suspend a line now, or reserve the suspension for `effective_date` (YYYY-MM-DD in the shop's
    zone, or an aware datetime): `orders run-due` runs it then, the reserved-orders queue cancels it.
    `actor=None` is the system (debt).

    `on_progress` gets the order after each step (the workbench shows the steps advancing live)."""
    now = now or utcnow()
    effective_at = parse_effective(effective_date, services.settings.timezone)
    try:
        kind = SuspensionReason(reason)
    except ValueError:
        raise InvalidInput(
            _("Choose a suspension reason: {reasons}.").format(reasons=", ".join(r.value for r in SuspensionReason)),
            fields={"reason": _("Unknown reason.")},
        ) from None
    if actor is None and kind != SuspensionReason.DEBT:
        raise NotAllowed(_("Only a debt suspension is triggered by the system; sign in for the others."))
    if actor is not None and kind in SUPERVISOR_ONLY_SUSPENSIONS:
        require_role(actor, *SUPERVISORS, doing=_("suspend for {reason}").format(reason=kind.label.lower()))
    note = clean_text(note, field="note", max_length=300)
    number = parse_service_number(service_number, region=services.settings.default_region)
    with services.writer() as uow:
        line = load_line(uow, number)
        subscriber, customer = line.subscriber, line.customer
        if subscriber.status != SubscriberStatus.ACTIVE:
            raise Conflict(
                _("Line {number} is already suspended ({reason}).").format(
                    number=number, reason=_reason_words(subscriber.status_reason)
                )
            )
        pending = _open_order_for(uow, subscriber)
        if pending:
            raise Conflict(
                _("Line {number} has order {order} in progress; finish or cancel it first.").format(
                    number=number, order=pending
                )
            )
        claimed = uow.session.execute(
            update(Subscriber)
            .where(Subscriber.id == subscriber.id, Subscriber.version == subscriber.version)
            .values(version=Subscriber.version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:  # another terminal (or a second overdue scan) got to this line first
            raise Conflict(
                _("Line {number} changed at another terminal a moment ago; look at it again.").format(number=number)
            )
        order = create_order(
            uow,
            order_type="suspend",
            actor=actor,
            customer_pk=customer.id,
            subscriber_pk=subscriber.id,
            payload={
                "service_number": number,
                "reason": kind.value,
                "note": note,
                "subscribers": [{"id": subscriber.id, "service_number": number}],
            },
            now=now,
            effective_at=effective_at,
        )
        reserved = order.status == OrderStatus.RESERVED
        on = f"{effective_at.astimezone(ZoneInfo(services.settings.timezone)):%Y-%m-%d}" if reserved else ""
        capture(
            uow.session,
            customer.id,
            kind="suspend",
            summary=(
                _("Suspension of {number} on {date}: {reason}") if reserved else _("Suspension of {number}: {reason}")
            ).format(number=number, date=on, reason=kind.label)
            + (f" ({note})" if note else ""),
            actor=actor,
            now=now,
        )
        audit.record(
            uow,
            actor,
            "subscriber.suspend",
            "customer",
            customer.customer_id,
            {"subscriber": subscriber.id, "reason": kind.value, "order": order.order_number, "reserved": reserved},
        )
        uow.commit()
        order_number = order.order_number
    if reserved:
        with services.reader() as uow:
            return order_view(uow, find_order(uow, order_number))
    return run_order(
        order_number,
        database_uow=services.writer,
        externals=services.externals,
        settings=services.settings,
        actor=actor,
        on_progress=on_progress,
    )


def parse_effective(value: str | datetime | None, zone: str) -> datetime | None:
    """A date (YYYY-MM-DD, start of that day in the shop's zone) or an aware datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        if "T" in value:
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(zone))
        day = datetime.fromisoformat(value).date()
    except ValueError:
        raise InvalidInput(
            _("The effective date is YYYY-MM-DD."), fields={"effective_date": _("YYYY-MM-DD.")}
        ) from None
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(zone))
