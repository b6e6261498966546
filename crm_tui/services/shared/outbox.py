"""Outbox events: who must be told, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm_tui.storage.models.outbox import OutboxEvent
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork


def emit(
    uow: UnitOfWork, event_type: str, aggregate_type: str, aggregate_id: str, payload: dict[str, Any] | None = None
) -> OutboxEvent:
    event = OutboxEvent(
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        payload=payload or {},
        created_at=utcnow(),
    )
    uow.session.add(event)
    return event


def outside_do_not_disturb(now: datetime, *, start: str | None, end: str | None, zone: str) -> datetime:
    """The first moment at or after `now` that is outside the customer's do-not-disturb span.

    The span is local wall-clock time, may cross midnight (22:00-08:00); empty means no span.
    """
    if not start or not end:
        return now
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    begin, finish = time.fromisoformat(start), time.fromisoformat(end)
    clock = local.time().replace(tzinfo=None)
    crosses_midnight = begin > finish
    inside = (begin <= clock or clock < finish) if crosses_midnight else (begin <= clock < finish)
    if not inside:
        return now
    day = local.date()
    if crosses_midnight and clock >= begin:
        day = day + timedelta(days=1)
    return datetime.combine(day, finish, tzinfo=tz).astimezone(now.tzinfo)
