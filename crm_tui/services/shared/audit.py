"""The append-only audit log: every change made through a service leaves an entry, chained to the one
before it with an HMAC whose key is not in the database.

What holds it (README "The audit trail"): each entry's HMAC covers the previous entry's HMAC, so an
entry cannot be changed, removed from the middle or forged without the key; the chain starts from a
keyed genesis, so a wiped table cannot be refilled with a fresh chain; the head (last id, HMAC,
count) is anchored outside the table by signed checkpoints (services/shared/audit_anchor.py), so
entries removed from the end or a whole table wiped are detected; and the database refuses UPDATE
and DELETE on the table (triggers, migration 0003). Summaries never hold personal data in clear:
callers pass IDs and field names, not values.

Entries written before keys existed (key_id NULL, plain SHA-256) are accepted only as the start of
the chain: the first keyed entry covers the last of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text

from crm_tui.i18n import _
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

LEGACY_GENESIS = "0" * 64
"""Where chains written before audit keys began (unkeyed SHA-256)."""

_PG_AUDIT_LOCK = 7_311_001

_KEYS: dict[str, bytes] = {}
"""The audit key of each open database (by URL), set by services.bootstrap; never stored in a table."""


def use_key(database_url: str, key: bytes) -> None:
    """Sign this database's entries with `key` (services.bootstrap calls this when it opens services)."""
    _KEYS[database_url] = key


def key_for(uow: UnitOfWork) -> bytes:
    try:
        return _KEYS[uow.database.url]
    except KeyError:
        raise LookupError("No audit key for this database: open the services with crm_tui.services.bootstrap") from None


def key_id(key: bytes) -> str:
    """A short public name of a key (which key signed an entry), not the key."""
    return hashlib.sha256(b"crm-tui audit key id:" + key).hexdigest()[:16]


def genesis(key: bytes) -> str:
    """Where a keyed chain starts: without the key nobody can start a new one that verifies."""
    return hmac.new(key, b"crm-tui audit log genesis", hashlib.sha256).hexdigest()


def _canonical(values: list[Any]) -> bytes:
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_hash(
    key: bytes | None,
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
    """HMAC-SHA256 (or, for legacy entries with no key, SHA-256) over the previous link and this entry."""
    body = _canonical([prev_hash, at, operator, role, action, entity_type, entity_id, summary])
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _expected(entry: AuditEntry, key: bytes | None) -> str:
    return entry_hash(
        key,
        entry.prev_hash,
        at=entry.at.isoformat(),
        operator=entry.operator,
        role=entry.role,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        summary=entry.summary,
    )


def record(
    uow: UnitOfWork,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: str,
    summary: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's transaction (serialised so the chain never forks)."""
    session = uow.session
    key = key_for(uow)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
    prev = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    prev_hash = prev or genesis(key)
    at = utcnow()
    operator = actor.username if actor else "system"
    role = actor.role.value if actor else "system"
    summary = summary or {}
    if actor is not None and actor.batch:
        summary = {**summary, "batch": actor.batch}
    entry = AuditEntry(
        at=at,
        operator=operator,
        role=role,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        summary=summary,
        prev_hash=prev_hash,
        key_id=key_id(key),
        hash=entry_hash(
            key,
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


class Checkpoint(View):
    """The head of the log at one moment, signed with the audit key; kept outside the database."""

    last_id: int
    last_hash: str
    entries: int
    at: datetime
    key_id: str
    signature: str


class ChainReport(View):
    entries: int
    intact: bool
    first_broken_id: int | None
    problem: str | None
    problems: list[str] = []
    checkpoints_checked: int = 0
    head_id: int | None = None
    key_id: str | None = None
    legacy_entries: int = 0
    """Entries from before audit keys (unkeyed SHA-256): anchored by the first keyed entry after them,
    but only a checkpoint covering them proves they were not replaced together."""


def _signature(key: bytes, last_id: int, last_hash: str, entries: int, at: datetime) -> str:
    return hmac.new(
        key, _canonical(["checkpoint", last_id, last_hash, entries, at.isoformat()]), hashlib.sha256
    ).hexdigest()


def make_checkpoint(*, uow: UnitOfWork, actor: Actor | None) -> Checkpoint:
    """Sign the current head (last id, its HMAC, the count); supervisors, or the system after a verify."""
    if actor is not None:
        require_role(actor, *SUPERVISORS, doing=_("checkpoint the audit trail"))
    with uow:
        key = key_for(uow)
        head = uow.session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        ).one_or_none()
        count = uow.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    last_id, last_hash = (head.id, head.hash) if head else (0, genesis(key))
    at = utcnow()
    return Checkpoint(
        last_id=last_id,
        last_hash=last_hash,
        entries=count,
        at=at,
        key_id=key_id(key),
        signature=_signature(key, last_id, last_hash, count, at),
    )


def verify_chain(*, uow: UnitOfWork, actor: Actor, checkpoints: Iterable[Checkpoint] = ()) -> ChainReport:
    """Recompute every link with the key and hold the log against the checkpoints taken before.

    Names every problem found: an entry changed or forged (its HMAC does not verify), one removed from
    the middle (the next does not follow), entries removed from the end or the table wiped (a
    checkpoint's head is gone, or the count fell below one), a rewritten chain (a checkpoint's head has
    another HMAC), entries signed with another key.
    """
    require_role(actor, *SUPERVISORS, doing=_("verify the audit trail"))
    problems: list[tuple[int | None, str]] = []
    with uow:
        key = key_for(uow)
        mine = key_id(key)
        marks = [c for c in checkpoints if c.key_id == mine]
        for foreign in (c for c in checkpoints if c.key_id != mine):
            problems.append(
                (
                    None,
                    _("checkpoint of {when} was signed with another key ({key}); it cannot be checked here").format(
                        when=f"{foreign.at:%Y-%m-%d %H:%M}", key=foreign.key_id
                    ),
                )
            )
        for mark in list(marks):
            if not hmac.compare_digest(
                mark.signature, _signature(key, mark.last_id, mark.last_hash, mark.entries, mark.at)
            ):
                problems.append(
                    (
                        None,
                        _("checkpoint of {when} has a false signature (forged or edited)").format(
                            when=f"{mark.at:%Y-%m-%d %H:%M}"
                        ),
                    )
                )
                marks.remove(mark)
        wanted = {mark.last_id: mark for mark in marks}
        seen: dict[int, str] = {}
        previous: str | None = None
        keyed = broken = False
        count = legacy = 0
        head_id = None
        for entry in uow.session.execute(
            select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)
        ).scalars():
            count += 1
            head_id = entry.id
            if entry.id in wanted:
                seen[entry.id] = entry.hash
            if broken:
                continue  # the first break is named; the rest is only counted for the checkpoints
            problem = _link_problem(entry, previous, key, mine, keyed)
            if problem:
                problems.append((entry.id, problem))
                broken = True
                continue
            keyed = keyed or entry.key_id is not None
            legacy += entry.key_id is None
            previous = entry.hash
        for mark in marks:
            when = f"{mark.at:%Y-%m-%d %H:%M}"
            if mark.last_id == 0:
                continue
            if count == 0:
                problems.append(
                    (
                        None,
                        _(
                            "the audit log is empty, but the checkpoint of {when} recorded {entries} entries "
                            "(the table was wiped)"
                        ).format(when=when, entries=f"{mark.entries:,}"),
                    )
                )
            elif mark.last_id not in seen:
                problems.append(
                    (
                        None,
                        _(
                            "entry {entry}, the head at the checkpoint of {when}, is gone: "
                            "entries were removed from the end"
                        ).format(entry=mark.last_id, when=when),
                    )
                )
            elif not hmac.compare_digest(seen[mark.last_id], mark.last_hash):
                problems.append(
                    (
                        mark.last_id,
                        _(
                            "entry {entry} is not the one the checkpoint of {when} signed: the chain was rewritten"
                        ).format(entry=mark.last_id, when=when),
                    )
                )
            elif count < mark.entries and not broken:
                problems.append(
                    (
                        None,
                        _("the log holds {count} entries, fewer than the {entries} of the checkpoint of {when}").format(
                            count=f"{count:,}", entries=f"{mark.entries:,}", when=when
                        ),
                    )
                )
    first = next((entry_id for entry_id, _ in problems if entry_id is not None), None)
    return ChainReport(
        entries=count,
        intact=not problems,
        first_broken_id=first,
        problem=problems[0][1] if problems else None,
        problems=list(dict.fromkeys(message for _, message in problems)),
        checkpoints_checked=len(marks),
        head_id=head_id,
        key_id=mine,
        legacy_entries=legacy,
    )


def _link_problem(entry: AuditEntry, previous: str | None, key: bytes, mine: str, keyed: bool) -> str | None:
    """What is wrong with one entry given the one before it, or None."""
    if entry.key_id is None:
        if keyed:
            return _("entry {entry} carries no key after keyed entries (forged without the key)").format(entry=entry.id)
        start, entry_key = LEGACY_GENESIS, None
    elif entry.key_id != mine:
        return _(
            "entry {entry} was signed with another key ({key}); every terminal must hold the same audit key"
        ).format(entry=entry.id, key=entry.key_id)
    else:
        start, entry_key = genesis(key), key
    if entry.prev_hash != (previous if previous is not None else start):
        return _("entry {entry} does not follow the entry before it (one was removed or changed)").format(
            entry=entry.id
        )
    if not hmac.compare_digest(_expected(entry, entry_key), entry.hash):
        return _("entry {entry} was changed after it was written (or the chain was recomputed without the key)").format(
            entry=entry.id
        )
    return None


def show_entries(
    *, uow: UnitOfWork, actor: Actor, customer_id: str | None = None, limit: int = 200
) -> list[AuditEntryView]:
    require_role(actor, *SUPERVISORS, doing=_("read the audit trail"))
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
