"""Keeping the blacklist (eTOM 1.3.4.2.2 blacklist checking): supervisors add and lift entries, CSRs read them.

An entry names a person by a certificate (type, number, issuing country) or by name and birthday,
with a reason, a severity (`warn`: serve with care; `ban`: registration is held) and an optional
expiry. Lifting never deletes: the entry keeps who lifted it, when and why, and stops matching
(`checks.check_blacklist` and the customer view's badge read only live entries). Every change is
audited with the certificate number masked and no name or birthday in the summary.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from crm_tui.domain import BlacklistSeverity
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.i18n import _
from crm_tui.identifiers import normalize_name
from crm_tui.services.shared import audit
from crm_tui.services.shared.certificates import parse_certificate
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
    require_signed_in,
    sees_personal_data_in_lists,
)
from crm_tui.services.shared.validation import clean_text, mask
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

LIST_LIMIT = 500
"""A list shows at most this many entries (newest first); the filter narrows it."""

STATES = ("live", "expired", "lifted")


class BlacklistEntryView(View):
    """One entry as the faces show it; the certificate number masked for CSRs."""

    entry_id: int
    matched_on: str
    """`certificate` or `name_birthday`."""
    cert_type: str | None
    cert_number: str | None
    cert_country: str | None
    name: str | None
    birthday: date | None
    severity: BlacklistSeverity
    reason: str
    expires_at: datetime | None
    created_at: datetime
    created_by: str | None
    state: str
    """live, expired or lifted."""
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None


def _state(row: BlacklistEntry, now: datetime) -> str:
    if row.lifted_at is not None:
        return "lifted"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "live"


def _view(
    row: BlacklistEntry, created_by: str | None, lifted_by: str | None, *, actor: Actor, now: datetime
) -> BlacklistEntryView:
    full = sees_personal_data_in_lists(actor)
    return BlacklistEntryView(
        entry_id=row.id or 0,
        matched_on="certificate" if row.cert_number else "name_birthday",
        cert_type=row.cert_type,
        cert_number=row.cert_number if full else mask(row.cert_number),
        cert_country=row.cert_country,
        name=row.name_search,
        birthday=row.birthday,
        severity=BlacklistSeverity(row.severity),
        reason=row.reason,
        expires_at=row.expires_at,
        created_at=row.created_at,
        created_by=created_by,
        state=_state(row, now),
        lifted_at=row.lifted_at,
        lifted_by=lifted_by,
        lift_reason=row.lift_reason,
    )


def _rows(uow: UnitOfWork, *conditions: Any) -> list[tuple[BlacklistEntry, str | None, str | None]]:
    creator, lifter = aliased(Operator), aliased(Operator)
    query = (
        select(BlacklistEntry, creator.username, lifter.username)
        .outerjoin(creator, creator.id == BlacklistEntry.created_by)
        .outerjoin(lifter, lifter.id == BlacklistEntry.lifted_by)
        .where(*conditions)
        .order_by(BlacklistEntry.id.desc())
        .limit(LIST_LIMIT)
    )
    return [(row, made, lifted) for row, made, lifted in uow.session.execute(query).all()]


def list_blacklist(
    *,
    uow: UnitOfWork,
    actor: Actor | None,
    text: str = "",
    state: str = "",
    now: datetime | None = None,
) -> list[BlacklistEntryView]:
    """Entries newest first, narrowed by any text (certificate number, name, reason) and by state."""
    actor = require_signed_in(actor, doing=_("see the blacklist"))
    now = now or utcnow()
    if state and state not in STATES:
        raise InvalidInput(
            _("A state is one of {states}.").format(states=", ".join(STATES)),
            fields={"state": _("live, expired or lifted.")},
        )
    needle = clean_text(text, field="filter", max_length=100)
    conditions: list[Any] = []
    if needle:
        like = f"%{normalize_name(needle)}%"
        compact = f"%{needle.replace(' ', '').replace('-', '').upper()}%"
        conditions.append(
            or_(
                BlacklistEntry.cert_number.like(compact),
                BlacklistEntry.name_search.like(like),
                BlacklistEntry.reason.ilike(f"%{needle}%"),
            )
        )
    if state == "lifted":
        conditions.append(BlacklistEntry.lifted_at.is_not(None))
    elif state == "live":
        conditions += [
            BlacklistEntry.lifted_at.is_(None),
            or_(BlacklistEntry.expires_at.is_(None), BlacklistEntry.expires_at > now),
        ]
    elif state == "expired":
        conditions += [BlacklistEntry.lifted_at.is_(None), BlacklistEntry.expires_at <= now]
    with uow:
        rows = _rows(uow, *conditions)
        return [_view(row, made, lifted, actor=actor, now=now) for row, made, lifted in rows]


def _end_of(day_: date) -> datetime:
    """An expiry date means the entry still holds all of that day (UTC)."""
    return datetime.combine(day_, time(23, 59, 59), tzinfo=UTC)


def add_blacklist_entry(
    *,
    uow: UnitOfWork,
    actor: Actor | None,
    severity: str,
    reason: str,
    cert_type: str = "",
    cert_number: str = "",
    cert_country: str = "",
    name: str = "",
    birthday: date | None = None,
    expires_on: date | None = None,
    now: datetime | None = None,
) -> BlacklistEntryView:
    """A new entry, by certificate or by name and birthday; a live entry on the same key is a conflict."""
    actor = require_role(actor, *SUPERVISORS, doing=_("change the blacklist"))
    now = now or utcnow()
    errors: dict[str, str] = {}
    try:
        kind = BlacklistSeverity(severity)
    except ValueError:
        kind = BlacklistSeverity.BAN
        errors["severity"] = _("warn or ban.")
    try:
        reason = clean_text(reason, field="reason", max_length=200)
    except InvalidInput as error:
        errors.update(error.fields)
    if not reason and "reason" not in errors:
        errors["reason"] = _("Say why (it is shown to whoever meets the entry).")
    if expires_on is not None and expires_on < now.date():
        errors["expires_on"] = _("The expiry date is in the past.")
    by_certificate = bool(cert_type or cert_number or cert_country)
    key: dict[str, Any]
    if by_certificate:
        try:
            parsed_type, parsed_number, parsed_country = parse_certificate(cert_type, cert_number, cert_country)
            key = {"cert_type": parsed_type.value, "cert_number": parsed_number, "cert_country": parsed_country}
        except InvalidInput as error:
            errors.update(error.fields)
            key = {}
    else:
        person = normalize_name(clean_text(name, field="name", max_length=300)) if name else ""
        if len(person) < 2:
            errors["name"] = _("A certificate, or a name and a birthday.")
        if birthday is None:
            errors["birthday"] = _("A birthday with the name (YYYY-MM-DD).")
        key = {"name_search": person, "birthday": birthday}
    if errors:
        raise InvalidInput(
            _("Check the blacklist entry: {problems}").format(problems="; ".join(errors.values())), fields=errors
        )
    with uow:
        session = uow.session
        same = and_(*(getattr(BlacklistEntry, column) == value for column, value in key.items()))
        existing = session.execute(
            select(BlacklistEntry.id).where(
                same,
                BlacklistEntry.lifted_at.is_(None),
                or_(BlacklistEntry.expires_at.is_(None), BlacklistEntry.expires_at > now),
            )
        ).scalar()
        if existing is not None:
            raise Conflict(
                _("Blacklist entry {entry} already covers this person; lift it first to change it.").format(
                    entry=existing
                )
            )
        row = BlacklistEntry(
            **key,
            severity=kind.value,
            reason=reason,
            expires_at=_end_of(expires_on) if expires_on else None,
            created_at=now,
            created_by=actor.id,
        )
        session.add(row)
        session.flush()
        audit.record(
            uow,
            actor,
            "blacklist.add",
            "blacklist",
            str(row.id),
            {
                "matched_on": "certificate" if by_certificate else "name_birthday",
                "cert_type": key.get("cert_type"),
                "cert_number": mask(key.get("cert_number")),
                "severity": kind.value,
                "expires_on": expires_on.isoformat() if expires_on else None,
            },
        )
        view = _view(row, actor.username, None, actor=actor, now=now)
        uow.commit()
        return view


def lift_blacklist_entry(
    entry_id: int, *, uow: UnitOfWork, actor: Actor | None, reason: str, now: datetime | None = None
) -> BlacklistEntryView:
    """The entry stops matching; who lifted it, when and why stay on it."""
    actor = require_role(actor, *SUPERVISORS, doing=_("change the blacklist"))
    now = now or utcnow()
    reason = clean_text(reason, field="reason", max_length=200)
    if not reason:
        raise InvalidInput(_("Say why the entry is lifted."), fields={"reason": _("Why it is lifted.")})
    with uow:
        session = uow.session
        row = session.get(BlacklistEntry, entry_id, with_for_update=True)
        if row is None:
            raise NotFound(_("No blacklist entry {entry}.").format(entry=entry_id))
        if row.lifted_at is not None:
            raise Conflict(
                _("Blacklist entry {entry} was already lifted on {date}.").format(
                    entry=entry_id, date=row.lifted_at.date().isoformat()
                )
            )
        row.lifted_at, row.lifted_by, row.lift_reason = now, actor.id, reason
        session.add(row)
        creator = session.get(Operator, row.created_by) if row.created_by else None
        audit.record(
            uow,
            actor,
            "blacklist.lift",
            "blacklist",
            str(entry_id),
            {"matched_on": "certificate" if row.cert_number else "name_birthday", "severity": row.severity},
        )
        view = _view(row, creator.username if creator else None, actor.username, actor=actor, now=now)
        uow.commit()
        return view
