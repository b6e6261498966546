"""The append-only, hash-chained audit log: every change made through a service leaves a link.

Summaries never hold personal data in clear; callers pass IDs and field names, not values.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models import AuditEntry
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 7_311_001


def entry_hash(
    prev_hash: str,
    *,
    at: str,
    operator: str,
    role: str,
    action: str,
    entity_type: str,
    entity_id: str,
    summary: dict[str, Any],
) -> str:
    """sha256 over the previous link and this entry's canonical JSON."""
    body = json.dumps(
        [prev_hash, at, operator, role, action, entity_type, entity_id, summary],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    uow: UnitOfWork,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: str,
    summary: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one link inside the caller's transaction (serialised so the chain never forks)."""
    session = uow.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
    prev = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    prev_hash = prev or GENESIS
    at = utcnow()
    operator = actor.username if actor else "system"
    role = actor.role.value if actor else "system"
    summary = summary or {}
    entry = AuditEntry(
        at=at,
        operator=operator,
        role=role,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        summary=summary,
        prev_hash=prev_hash,
        hash=entry_hash(
            prev_hash,
            at=at.isoformat(),
            operator=operator,
            role=role,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            summary=summary,
        ),
    )
    session.add(entry)
    return entry


class AuditEntryView(View):
    id: int
    at: datetime
    operator: str
    role: str
    action: str
    entity_type: str
    entity_id: str
    summary: dict[str, Any]


class ChainReport(View):
    entries: int
    intact: bool
    first_broken_id: int | None
    problem: str | None


def verify_chain(*, uow: UnitOfWork, actor: Actor) -> ChainReport:
    """Recompute every link; name the first entry whose content or predecessor does not match."""
    require_role(actor, *SUPERVISORS, doing="verify the audit trail")
    with uow:
        previous = GENESIS
        count = 0
        for entry in uow.session.execute(
            select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)
        ).scalars():
            count += 1
            if entry.prev_hash != previous:
                return ChainReport(
                    entries=count,
                    intact=False,
                    first_broken_id=entry.id,
                    problem=f"entry {entry.id} does not follow the entry before it (one was removed or changed)",
                )
            expected = entry_hash(
                entry.prev_hash,
                at=entry.at.isoformat(),
                operator=entry.operator,
                role=entry.role,
                action=entry.action,
                entity_type=entry.entity_type,
                entity_id=entry.entity_id,
                summary=entry.summary,
            )
            if expected != entry.hash:
                return ChainReport(
                    entries=count,
                    intact=False,
                    first_broken_id=entry.id,
                    problem=f"entry {entry.id} was changed after it was written",
                )
            previous = entry.hash
        return ChainReport(entries=count, intact=True, first_broken_id=None, problem=None)


def show_entries(
    *, uow: UnitOfWork, actor: Actor, customer_id: str | None = None, limit: int = 200
) -> list[AuditEntryView]:
    require_role(actor, *SUPERVISORS, doing="read the audit trail")
    with uow:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if customer_id:
            query = query.where(
                AuditEntry.entity_type == "customer", AuditEntry.entity_id == customer_id.strip().upper()
            )
        return [
            AuditEntryView(
                id=e.id,
                at=e.at,
                operator=e.operator,
                role=e.role,
                action=e.action,
                entity_type=e.entity_type,
                entity_id=e.entity_id,
                summary=e.summary,
            )
            for e in uow.session.execute(query).scalars()
        ]
