"""The append-only, hash-chained audit log: every change made through a service leaves a link.

Summaries never hold personal data in clear; callers pass IDs and field names, not values.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select, text

from crm_tui.services.views import Actor
from crm_tui.storage.models import AuditEntry
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 7_311_001


def entry_hash(prev_hash: str, *, at: str, operator: str, role: str, action: str, entity_type: str, entity_id: str, summary: dict[str, Any]) -> str:
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
