"""De-duplicate Customer Identity (eTOM 1.3.4.2.4): merge two records of one person, and undo it.

Everything the merged record owned moves to the survivor; the merged record becomes `merged` and
points to the survivor, so its old customer ID still resolves everywhere. The merge record keeps
the full before-image (both customers' fields and which rows moved), so unmerge restores both.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from crm_tui.domain import HIDDEN_STATUSES, CustomerStatus, QueueName
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.i18n import _
from crm_tui.services.customers.status import refresh_customer_status
from crm_tui.services.shared import audit, outbox
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.validation import normalize_name, parse_customer_id
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import (
    Address,
    Attachment,
    Certificate,
    Contact,
    Customer,
    Interaction,
    SocialAccount,
)
from crm_tui.storage.models.dedupe import DuplicateCandidate, MergeRecord
from crm_tui.storage.models.lines import Account, Subscriber
from crm_tui.storage.models.orders import Order
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

MOVABLE = {
    "certificates": Certificate,
    "contacts": Contact,
    "addresses": Address,
    "attachments": Attachment,
    "interactions": Interaction,
    "orders": Order,
    "subscribers": Subscriber,
    "accounts": Account,
    "social_accounts": SocialAccount,
}
CHOOSABLE = (
    "first_name",
    "middle_name",
    "last_name",
    "organization_name",
    "gender",
    "title",
    "nationality",
    "birthplace",
    "birthday",
    "email",
    "mobile",
    "social_id",
    "credit_level",
)
SNAPSHOT = (*CHOOSABLE, "status", "display_name", "name_search", "merged_into_id", "credit_limit", "version")


class FieldComparison(View):
    field: str
    survivor: str | None
    merged: str | None
    same: bool


class MergePreview(View):
    """Side by side: what the supervisor chooses from, field by field."""

    survivor_id: str
    merged_id: str
    fields: list[FieldComparison]
    moving: dict[str, int]


class MergeResult(View):
    merge_id: int
    survivor_id: str
    merged_id: str
    moved: dict[str, int]
    fields_taken_from_merged: list[str]


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _restore(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field == "birthday":
        return date.fromisoformat(value)
    if field == "credit_limit":
        return Decimal(value)
    return value


def _pair(uow: UnitOfWork, survivor_id: str, merged_id: str) -> tuple[Customer, Customer]:
    survivor_id, merged_id = (
        parse_customer_id(survivor_id, field="survivor"),
        parse_customer_id(merged_id, field="merged"),
    )
    if survivor_id == merged_id:
        raise InvalidInput(
            _("A customer cannot be merged into themselves."), fields={"merged": _("Same as the survivor.")}
        )
    rows = {
        c.customer_id: c
        for c in uow.session.execute(
            select(Customer).where(Customer.customer_id.in_([survivor_id, merged_id]))
        ).scalars()
    }
    for key in (survivor_id, merged_id):
        if key not in rows:
            raise NotFound(_("No customer {customer_id}.").format(customer_id=key))
        if rows[key].status in HIDDEN_STATUSES:
            raise Conflict(
                _("Customer {customer_id} is {status}; it cannot take part in a merge.").format(
                    customer_id=key, status=rows[key].status
                )
            )
    return rows[survivor_id], rows[merged_id]


def _counts(uow: UnitOfWork, customer_pk: int) -> dict[str, list[int]]:
    return {
        name: list(uow.session.execute(select(model.id).where(model.customer_id == customer_pk)).scalars())
        for name, model in MOVABLE.items()
    }


def preview_merge(survivor_id: str, merged_id: str, *, uow: UnitOfWork, actor: Actor) -> MergePreview:
    require_role(actor, *SUPERVISORS, doing=_("merge customers"))
    with uow:
        survivor, merged = _pair(uow, survivor_id, merged_id)
        fields = [
            FieldComparison(
                field=f,
                survivor=None if getattr(survivor, f) is None else str(_jsonable(getattr(survivor, f))),
                merged=None if getattr(merged, f) is None else str(_jsonable(getattr(merged, f))),
                same=getattr(survivor, f) == getattr(merged, f),
            )
            for f in CHOOSABLE
        ]
        return MergePreview(
            survivor_id=survivor.customer_id,
            merged_id=merged.customer_id,
            fields=fields,
            moving={k: len(v) for k, v in _counts(uow, merged.id).items()},
        )


def merge_customers(
    survivor_id: str,
    merged_id: str,
    *,
    uow: UnitOfWork,
    actor: Actor,
    take_from_merged: list[str] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> MergeResult:
    """Merge `merged_id` into `survivor_id`; `take_from_merged` names the fields whose value comes from the merged record."""
    require_role(actor, *SUPERVISORS, doing=_("merge customers"))
    now = now or utcnow()
    chosen = list(dict.fromkeys(take_from_merged or []))
    unknown = [f for f in chosen if f not in CHOOSABLE]
    if unknown:
        raise InvalidInput(
            _("Unknown field(s): {fields}.").format(fields=", ".join(unknown)), fields={"fields": _("Unknown field.")}
        )
    with uow:
        session = uow.session
        survivor, merged = _pair(uow, survivor_id, merged_id)
        moved = _counts(uow, merged.id)
        before = {
            "survivor": {f: _jsonable(getattr(survivor, f)) for f in SNAPSHOT},
            "merged": {f: _jsonable(getattr(merged, f)) for f in SNAPSHOT},
            "moved": moved,
        }
        for name, model in MOVABLE.items():
            if moved[name]:
                session.execute(
                    update(model)
                    .where(model.id.in_(moved[name]))
                    .values(customer_id=survivor.id)
                    .execution_options(synchronize_session=False)
                )
        for field in chosen:
            setattr(survivor, field, getattr(merged, field))
        if survivor.type == "individual":
            survivor.display_name = (
                " ".join(p for p in (survivor.first_name, survivor.middle_name, survivor.last_name) if p)
                or survivor.display_name
            )
        else:
            survivor.display_name = survivor.organization_name or survivor.display_name
        survivor.name_search = normalize_name(survivor.display_name)
        survivor.updated_at = now
        survivor.version += 1
        merged.status = CustomerStatus.MERGED.value
        merged.merged_into_id = survivor.id
        merged.updated_at = now
        merged.version += 1
        session.add_all([survivor, merged])
        session.flush()
        refresh_customer_status(session, survivor)
        record = MergeRecord(
            survivor_id=survivor.id, merged_id=merged.id, before_image=before, merged_by=actor.id, merged_at=now
        )
        session.add(record)
        low, high = sorted([survivor.id, merged.id])
        candidate = session.execute(
            select(DuplicateCandidate).where(
                DuplicateCandidate.customer_a_id == low, DuplicateCandidate.customer_b_id == high
            )
        ).scalar_one_or_none()
        if candidate is not None:
            candidate.status = "merged"
            session.add(candidate)
            session.execute(
                update(QueueItem)
                .where(
                    QueueItem.queue == QueueName.DUPLICATES,
                    QueueItem.ref_id == str(candidate.id),
                    QueueItem.status.in_(["open", "claimed"]),
                )
                .values(
                    status="done", decided_by=actor.id, decided_at=now, note=note or None, version=QueueItem.version + 1
                )
            )
        capture(
            session,
            survivor.id,
            kind="merge",
            summary=(
                _("Merged {customer_id} into this customer: {note}")
                if note
                else _("Merged {customer_id} into this customer")
            ).format(customer_id=merged.customer_id, note=note),
            actor=actor,
            now=now,
        )
        session.flush()
        outbox.emit(uow, "customer.merged", "customer", survivor.customer_id, {"merged": merged.customer_id})
        audit.record(
            uow,
            actor,
            "customer.merge",
            "customer",
            survivor.customer_id,
            {
                "merged": merged.customer_id,
                "merge_id": record.id,
                "fields": chosen,
                "moved": {k: len(v) for k, v in moved.items()},
            },
        )
        uow.commit()
        return MergeResult(
            merge_id=record.id or 0,
            survivor_id=survivor.customer_id,
            merged_id=merged.customer_id,
            moved={k: len(v) for k, v in moved.items()},
            fields_taken_from_merged=chosen,
        )


def unmerge(merge_id: int, *, uow: UnitOfWork, actor: Actor, now: datetime | None = None) -> MergeResult:
    """Restore both customers as they were before the merge, and move their rows back."""
    require_role(actor, *SUPERVISORS, doing=_("unmerge customers"))
    now = now or utcnow()
    with uow:
        session = uow.session
        record = session.get(MergeRecord, merge_id)
        if record is None:
            raise NotFound(_("No merge {merge_id}.").format(merge_id=merge_id))
        if record.unmerged_at is not None:
            raise Conflict(_("Merge {merge_id} was already undone.").format(merge_id=merge_id))
        survivor, merged = session.get(Customer, record.survivor_id), session.get(Customer, record.merged_id)
        if merged.status != CustomerStatus.MERGED or merged.merged_into_id != survivor.id:
            raise Conflict(
                _("{merged} is no longer merged into {survivor}; undo the later changes first.").format(
                    merged=merged.customer_id, survivor=survivor.customer_id
                )
            )
        before = record.before_image
        moved = {name: ids for name, ids in before["moved"].items() if ids}
        for name, ids in moved.items():
            model = MOVABLE[name]
            session.execute(
                update(model)
                .where(model.id.in_(ids), model.customer_id == survivor.id)
                .values(customer_id=merged.id)
                .execution_options(synchronize_session=False)
            )
        for customer, image in ((survivor, before["survivor"]), (merged, before["merged"])):
            for field in SNAPSHOT:
                if field == "version":
                    continue
                setattr(customer, field, _restore(field, image[field]))
            customer.version += 1
            customer.updated_at = now
        session.add_all([survivor, merged])  # statuses come back from the before-image as they were
        record.unmerged_at = now
        session.add(record)
        low, high = sorted([survivor.id, merged.id])
        session.execute(
            update(DuplicateCandidate)
            .where(DuplicateCandidate.customer_a_id == low, DuplicateCandidate.customer_b_id == high)
            .values(status="dismissed")
        )
        capture(
            session,
            survivor.id,
            kind="unmerge",
            summary=_("Merge with {customer_id} undone").format(customer_id=merged.customer_id),
            actor=actor,
            now=now,
        )
        capture(
            session,
            merged.id,
            kind="unmerge",
            summary=_("Separated again from {customer_id}").format(customer_id=survivor.customer_id),
            actor=actor,
            now=now,
        )
        audit.record(
            uow,
            actor,
            "customer.unmerge",
            "customer",
            survivor.customer_id,
            {"merged": merged.customer_id, "merge_id": merge_id},
        )
        uow.commit()
        return MergeResult(
            merge_id=merge_id,
            survivor_id=survivor.customer_id,
            merged_id=merged.customer_id,
            moved={k: len(v) for k, v in moved.items()},
            fields_taken_from_merged=[],
        )
