"""The dispatcher: outbox events go out to the customer, each exactly once marked sent.

One pass (`dispatch_once`, `crm-tui dispatch --once`; a loop without `--once`) takes the pending
events whose time has come, oldest first. Each is claimed by one conditional update (so two
dispatchers never send the same event), then:
- the customer is found through the event (its order, or the customer or line it names);
- the channel is their first choice: email when they have one, else an SMS to their mobile or the
  line; nobody to reach (or an erased person) marks it `skipped`;
- do-not-disturb (the event's own `not_before`, the customer's days and hours) defers it;
- the text comes from crm_tui/data/notifications.json in their language (else English);
- email goes over SMTP (`CRM_SMTP_HOST`, `CRM_SMTP_PORT`, `CRM_MAIL_FROM`), SMS through the
  notification gateway (`notify.sms`, the event's id as the idempotency key);
- a failure is tried again later (backoff), and after MAX_ATTEMPTS the event is `failed` and waits
  in the failed-notifications queue, where a supervisor retries or dismisses it.
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update

from crm_tui.domain import CustomerStatus, QueueName
from crm_tui.i18n import _
from crm_tui.services.context import ExternalFailure, QueueAction, Services
from crm_tui.services.shared import audit, messages
from crm_tui.services.shared.outbox import outside_do_not_disturb
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.runners import new_runner_id
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer, Preference
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.models.orders import Order
from crm_tui.storage.models.outbox import OutboxEvent
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

MAX_ATTEMPTS = 5
CLAIM = timedelta(minutes=2)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DispatchReport(View):
    sent: int = 0
    deferred: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    taken_by_another: int = 0


def dispatch_once(*, services: Services, now: datetime | None = None, limit: int = 200) -> DispatchReport:
    """Send what is due now; safe to run on several machines at once."""
    now = now or utcnow()
    runner = new_runner_id()
    counts: dict[str, int] = dict.fromkeys(DispatchReport.model_fields, 0)
    with services.reader() as uow:
        due = (
            uow.session.execute(
                select(OutboxEvent.id)
                .where(
                    OutboxEvent.status == "pending",
                    or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
                )
                .order_by(OutboxEvent.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
    for event_id in due:
        with services.writer() as uow:
            if not _claim(uow, event_id, runner, now):
                counts["taken_by_another"] += 1
                continue
            uow.commit()
        counts[_deliver(services, event_id, runner, now)] += 1
    return DispatchReport(**counts)


def _claim(uow: UnitOfWork, event_id: int, runner: str, now: datetime) -> bool:
    free = or_(OutboxEvent.claimed_by.is_(None), OutboxEvent.claim_expires_at < now)
    return (
        uow.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.status == "pending", free)
            .values(claimed_by=runner, claim_expires_at=now + CLAIM)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _deliver(services: Services, event_id: int, runner: str, now: datetime) -> str:
    with services.reader() as uow:
        event = uow.session.get(OutboxEvent, event_id)
        customer = _customer_of(uow, event)
        preference = (
            uow.session.execute(select(Preference).where(Preference.customer_id == customer.id)).scalar_one_or_none()
            if customer
            else None
        )
        number = _line_of(uow, event, customer)
    if customer is None or customer.status == CustomerStatus.ERASED or event.payload.get("erased"):
        return _finish(
            services, event_id, runner, now, status="skipped", error=_("nobody to tell (no customer, or erased)")
        )
    later = _not_before(event, preference, now, services.settings.timezone)
    if later > now:
        return _finish(services, event_id, runner, now, status="pending", next_at=later, outcome="deferred")
    language = (preference.language if preference and preference.language else "en")[:2]
    subject, body = _render(event, customer, number, language)
    try:
        _tell_previous(services, event, event_id, subject, body)
        if customer.email:
            messages.send_email(services.settings, customer.email, subject, body)
            channel = "email"
        elif customer.mobile or number:
            to = customer.mobile or number
            services.externals.send(
                "notify",
                "sms",
                idempotency_key=f"event-{event_id}",
                payload={"to": to, "text": body},
                attempt=event.attempts + 1,
            )
            channel = "sms"
        else:
            return _finish(
                services, event_id, runner, now, status="skipped", error=_("no email, mobile or line to tell")
            )
    except (OSError, smtplib.SMTPException, ExternalFailure) as error:
        return _failed_try(services, event_id, runner, now, f"{type(error).__name__}: {error}"[:300])
    return _finish(services, event_id, runner, now, status="sent", channel=channel)


def _tell_previous(services: Services, event: OutboxEvent, event_id: int, subject: str, body: str) -> None:
    """A contact change goes to the address it replaced too (`previous` in the payload: email, mobile),
    so the owner of the old one hears of it even if someone else made the change."""
    previous = event.payload.get("previous") or {}
    if previous.get("email"):
        messages.send_email(services.settings, previous["email"], subject, body)
    if previous.get("mobile"):
        services.externals.send(
            "notify",
            "sms",
            idempotency_key=f"event-{event_id}-previous",
            payload={"to": previous["mobile"], "text": body},
            attempt=event.attempts + 1,
        )


def _customer_of(uow: UnitOfWork, event: OutboxEvent) -> Customer | None:
    session = uow.session
    order_number = event.payload.get("order")
    if order_number:
        pk = session.execute(select(Order.customer_id).where(Order.order_number == order_number)).scalar()
        if pk:
            return session.get(Customer, pk)
    if event.aggregate_type == "customer":
        return session.execute(select(Customer).where(Customer.customer_id == event.aggregate_id)).scalar_one_or_none()
    if event.aggregate_type == "subscriber":
        pk = session.execute(
            select(Subscriber.customer_id)
            .where(Subscriber.service_number == event.aggregate_id, Subscriber.created_at <= event.created_at)
            .order_by(Subscriber.id.desc())
            .limit(1)
        ).scalar()
        return session.get(Customer, pk) if pk else None
    return None


def _line_of(uow: UnitOfWork, event: OutboxEvent, customer: Customer | None) -> str | None:
    if event.aggregate_type == "subscriber":
        return event.aggregate_id
    number = event.payload.get("service_number")
    if number or customer is None:
        return number
    return uow.session.execute(
        select(Subscriber.service_number).where(Subscriber.customer_id == customer.id).order_by(Subscriber.id).limit(1)
    ).scalar()


def _not_before(event: OutboxEvent, preference: Preference | None, now: datetime, zone: str) -> datetime:
    """The first moment the customer may be told: the event's own `not_before`, then their quiet days and hours."""
    moment = now
    if event.payload.get("not_before"):
        moment = max(moment, datetime.fromisoformat(event.payload["not_before"]))
    if preference is None:
        return moment
    quiet_days = {day.strip().lower()[:3] for day in (preference.dnd_days or "").split(",") if day.strip()}
    tz = ZoneInfo(zone)
    for _round in range(8):
        local = moment.astimezone(tz)
        if DAYS[local.weekday()] in quiet_days:
            moment = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(
                now.tzinfo
            )
            continue
        later = outside_do_not_disturb(moment, start=preference.dnd_start, end=preference.dnd_end, zone=zone)
        if later == moment:
            return moment
        moment = later
    return moment


def _render(event: OutboxEvent, customer: Customer, number: str | None, language: str) -> tuple[str, str]:
    values = {
        "name": customer.first_name or customer.display_name,
        "customer_id": customer.customer_id,
        "number": f"+{number}" if number and number.isdigit() else (number or ""),
        "order": event.payload.get("order", ""),
        "line": f" +{event.payload['service_number']}" if event.payload.get("service_number") else "",
    }
    return messages.render(event.event_type, language, values)


def _finish(
    services: Services,
    event_id: int,
    runner: str,
    now: datetime,
    *,
    status: str,
    channel: str | None = None,
    error: str | None = None,
    next_at: datetime | None = None,
    outcome: str | None = None,
) -> str:
    values: dict[str, Any] = {
        "status": status,
        "claimed_by": None,
        "claim_expires_at": None,
        "next_attempt_at": next_at,
    }
    if status in ("sent", "skipped"):
        values |= {"dispatched_at": now, "channel": channel, "last_error": error}
    with services.writer() as uow:
        uow.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.claimed_by == runner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
    return outcome or status


def _failed_try(services: Services, event_id: int, runner: str, now: datetime, error: str) -> str:
    with services.writer() as uow:
        event = uow.session.get(OutboxEvent, event_id)
        if event is None or event.claimed_by != runner:
            return "taken_by_another"
        event.attempts += 1
        event.last_error = error
        event.claimed_by = event.claim_expires_at = None
        if event.attempts >= MAX_ATTEMPTS:
            event.status = "failed"
            uow.session.add(
                QueueItem(
                    queue=QueueName.FAILED_NOTIFICATIONS,
                    ref_type="event",
                    ref_id=str(event_id),
                    reason=_("{event} not sent after {tries} tries: {error}").format(
                        event=event.event_type, tries=event.attempts, error=error
                    )[:300],
                    created_at=now,
                )
            )
        else:
            event.next_attempt_at = now + timedelta(minutes=2**event.attempts)
        uow.session.add(event)
        audit.record(uow, None, "notification.failed_try", "event", str(event_id), {"attempts": event.attempts})
        uow.commit()
        return "failed" if event.status == "failed" else "retrying"


def _decide(retry: bool):  # noqa: ANN202 - a queue action factory
    def run(item: QueueItem, *, services: Services, actor: Actor, note: str) -> dict[str, Any]:
        require_role(actor, *SUPERVISORS, doing=_("decide failed notifications"))
        with services.writer() as uow:
            event = uow.session.get(OutboxEvent, int(item.ref_id))
            queued = uow.session.get(QueueItem, item.id)
            if retry and event is not None:
                event.status, event.attempts, event.next_attempt_at = "pending", 0, None
                uow.session.add(event)
            queued.status, queued.decided_by, queued.decided_at = "done" if retry else "dismissed", actor.id, utcnow()
            queued.note, queued.version = note or None, queued.version + 1
            uow.session.add(queued)
            audit.record(uow, actor, "notification.retry" if retry else "notification.dismiss", "event", item.ref_id)
            uow.commit()
        return {"event": int(item.ref_id), "retry": retry}

    return run


QUEUE_ACTIONS: dict[QueueName, tuple[QueueAction, ...]] = {
    QueueName.FAILED_NOTIFICATIONS: (
        QueueAction("retry", "a", _decide(True)),
        QueueAction("dismiss", "d", _decide(False)),
    ),
}
"""The failed-notifications queue's keys; services.bootstrap registers them."""
