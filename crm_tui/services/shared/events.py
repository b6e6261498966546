"""The outbox as scripts see it: who must be told what, in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm_tui.i18n import _
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.outbox import OutboxEvent
from crm_tui.storage.unit_of_work import UnitOfWork


class EventView(View):
    id: int
    event_type: str
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]
    created_at: datetime
    dispatched_at: datetime | None


def list_events(
    *, uow: UnitOfWork, actor: Actor, since: datetime | None = None, event_type: str | None = None, limit: int = 500
) -> list[EventView]:
    require_role(actor, *SUPERVISORS, doing=_("read the outbox"))
    with uow:
        query = select(OutboxEvent).order_by(OutboxEvent.id).limit(limit)
        if since is not None:
            query = query.where(OutboxEvent.created_at >= since)
        if event_type:
            query = query.where(OutboxEvent.event_type == event_type)
        return [
            EventView(
                id=e.id,
                event_type=e.event_type,
                aggregate_type=e.aggregate_type,
                aggregate_id=e.aggregate_id,
                payload=e.payload,
                created_at=e.created_at,
                dispatched_at=e.dispatched_at,
            )
            for e in uow.session.execute(query).scalars()
        ]
