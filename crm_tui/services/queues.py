"""The supervisor's queues: one mechanism for every kind of waiting work (possible duplicates,
held registrations, failed orders, reserved orders, erasure requests, penalty waivers, fraud
resumptions). Each queue names its actions; acting first claims the item with a compare-and-set on
its version, so two supervisors acting on one item cannot both succeed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from crm_tui.domain import QueueName
from crm_tui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from crm_tui.i18n import _
from crm_tui.services.context import QueueAction, Services
from crm_tui.services.dedupe.merge import merge_customers
from crm_tui.services.dedupe.scan import PairView, dismiss_pair
from crm_tui.services.identity.held_registrations import decide_held_registration
from crm_tui.services.lifecycle.deregistration import decide_penalty_waiver
from crm_tui.services.lifecycle.resumption import decide_fraud_resumption
from crm_tui.services.orders.operations import cancel_order, retry_order
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.validation import clean_text
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.dedupe import DuplicateCandidate
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

OPEN = ("open", "claimed")


class QueueSummary(View):
    queue: str
    label: str
    open: int
    oldest: datetime | None
    actions: list[str]


class QueueItemView(View):
    item_id: int
    queue: str
    ref_type: str
    ref_id: str
    status: str
    reason: str
    claimed_by: str | None
    created_at: datetime
    version: int
    payload: dict[str, Any]


class ActionResult(View):
    item_id: int
    queue: str
    action: str
    status: str
    detail: dict[str, Any]


def _held_registration(approve: bool) -> Callable[..., dict[str, Any]]:
    def run(item: QueueItem, *, services: Services, actor: Actor, note: str) -> dict[str, Any]:
        decision = decide_held_registration(item.id, approve=approve, note=note, uow=services.writer(), actor=actor)
        return decision.model_dump(mode="json")

    return run


def _penalty_waiver(approve: bool) -> Callable[..., dict[str, Any]]:
    def run(item: QueueItem, *, services: Services, actor: Actor, note: str) -> dict[str, Any]:
        decide_penalty_waiver(item.id, approve=approve, note=note, uow=services.writer(), actor=actor)
        return {"approved": approve}

    return run


def _fraud_resumption(approve: bool) -> Callable[..., dict[str, Any]]:
    def run(item: QueueItem, *, services: Services, actor: Actor, note: str) -> dict[str, Any]:
        result = decide_fraud_resumption(item.id, approve=approve, note=note, services=services, actor=actor)
        return result.model_dump(mode="json") if result else {"approved": False}

    return run


def _retry_order(item: QueueItem, *, services: Services, actor: Actor, note: str) -> dict[str, Any]:
    return retry_order(item.ref_id, services=services, actor=actor).model_dump(mode="json")


def _cancel_order(item: QueueItem, *, services: Services, actor: Actor, note: str) -> dict[str, Any]:
    view, cannot = cancel_order(item.ref_id, services=services, actor=actor, note=note)
    return {"order": view.model_dump(mode="json"), "not_undone": cannot}


def _merge_pair(item: QueueItem, *, services: Services, actor: Actor, note: str) -> dict[str, Any]:
    with services.reader() as uow:
        candidate = uow.session.get(DuplicateCandidate, int(item.ref_id))
        pks = [candidate.customer_a_id, candidate.customer_b_id]
        ids = dict(uow.session.execute(select(Customer.id, Customer.customer_id).where(Customer.id.in_(pks))).all())
    survivor, merged = ids[candidate.customer_a_id], ids[candidate.customer_b_id]  # the older record survives
    return merge_customers(survivor, merged, uow=services.writer(), actor=actor, note=note).model_dump(mode="json")


def _dismiss_pair(item: QueueItem, *, services: Services, actor: Actor, note: str) -> dict[str, Any]:
    return dismiss_pair(item.ref_id, uow=services.writer(), actor=actor, note=note).model_dump(mode="json")


QUEUE_ACTIONS: dict[QueueName, tuple[QueueAction, ...]] = {
    QueueName.DUPLICATES: (QueueAction("merge", "m", _merge_pair), QueueAction("dismiss", "d", _dismiss_pair)),
    QueueName.HELD_REGISTRATIONS: (
        QueueAction("approve", "a", _held_registration(True)),
        QueueAction("reject", "r", _held_registration(False)),
    ),
    QueueName.FAILED_ORDERS: (QueueAction("retry", "a", _retry_order), QueueAction("cancel", "r", _cancel_order)),
    QueueName.RESERVED_ORDERS: (QueueAction("cancel", "r", _cancel_order),),
    QueueName.PENALTY_WAIVERS: (
        QueueAction("approve", "a", _penalty_waiver(True)),
        QueueAction("reject", "r", _penalty_waiver(False)),
    ),
    QueueName.FRAUD_RESUMPTIONS: (
        QueueAction("approve", "a", _fraud_resumption(True)),
        QueueAction("reject", "r", _fraud_resumption(False)),
    ),
}
"""The actions of the queues whose work lives in identity, lifecycle, dedupe and orders; other
rooms expose their own (privacy: erasure requests). `services.bootstrap` registers them all."""

ACTIONS: dict[str, tuple[QueueAction, ...]] = {}
"""What a key does on each queue, as registered by `services.bootstrap`."""


def register_actions(queue: QueueName, actions: tuple[QueueAction, ...]) -> None:
    """Plug one queue's actions into the mechanism; `services.bootstrap` calls this, nothing else."""
    ACTIONS[queue] = actions


def _parse_queue(queue: str) -> QueueName:
    try:
        return QueueName(queue)
    except ValueError:
        raise InvalidInput(
            _("Unknown queue {queue}; one of {queues}.").format(
                queue=repr(queue), queues=", ".join(q.value for q in QueueName)
            ),
            fields={"queue": _("Unknown queue.")},
        ) from None


def queue_summaries(*, uow: UnitOfWork, actor: Actor) -> list[QueueSummary]:
    """Every queue with its count of open items and the oldest one's time; supervisors only."""
    require_role(actor, *SUPERVISORS, doing=_("see the queues"))
    with uow:
        rows = {
            queue: (count, oldest)
            for queue, count, oldest in uow.session.execute(
                select(QueueItem.queue, func.count(), func.min(QueueItem.created_at))
                .where(QueueItem.status.in_(OPEN))
                .group_by(QueueItem.queue)
            )
        }
    return [
        QueueSummary(
            queue=q.value,
            label=q.label,
            open=rows.get(q.value, (0, None))[0],
            oldest=rows.get(q.value, (0, None))[1],
            actions=[a.name for a in ACTIONS.get(q, ())],
        )
        for q in QueueName
    ]


def list_queue(
    queue: str,
    *,
    uow: UnitOfWork,
    actor: Actor,
    include_closed: bool = False,
    text: str = "",
    sort: str = "oldest",
    limit: int = 200,
) -> list[QueueItemView]:
    require_role(actor, *SUPERVISORS, doing=_("see the queues"))
    name = _parse_queue(queue)
    text = clean_text(text, field="filter", max_length=100).lower()
    with uow:
        query = (
            select(QueueItem, Operator.username)
            .outerjoin(Operator, Operator.id == QueueItem.claimed_by)
            .where(QueueItem.queue == name.value)
        )
        if not include_closed:
            query = query.where(QueueItem.status.in_(OPEN))
        order = {"oldest": QueueItem.created_at.asc(), "newest": QueueItem.created_at.desc()}.get(
            sort, QueueItem.created_at.asc()
        )
        rows = uow.session.execute(query.order_by(order, QueueItem.id).limit(limit)).all()
        items = [
            QueueItemView(
                item_id=i.id,
                queue=i.queue,
                ref_type=i.ref_type,
                ref_id=i.ref_id,
                status=i.status,
                reason=i.reason,
                claimed_by=username,
                created_at=i.created_at,
                version=i.version,
                payload=i.payload,
            )
            for i, username in rows
        ]
    if text:
        items = [i for i in items if text in f"{i.ref_id} {i.reason} {i.claimed_by or ''}".lower()]
    return items


def _claim(uow: UnitOfWork, item_id: int, actor: Actor, expected_version: int | None) -> QueueItem:
    """Claim for `actor` if open or already theirs, and the version is the one they saw."""
    item = uow.session.get(QueueItem, item_id)
    if item is None:
        raise NotFound(_("No queue item {item_id}.").format(item_id=item_id))
    conditions = [
        QueueItem.id == item_id,
        QueueItem.status.in_(OPEN),
        (QueueItem.claimed_by.is_(None)) | (QueueItem.claimed_by == actor.id),
    ]
    if expected_version is not None:
        conditions.append(QueueItem.version == expected_version)
    won = uow.session.execute(
        update(QueueItem)
        .where(*conditions)
        .values(status="claimed", claimed_by=actor.id, claimed_at=utcnow(), version=QueueItem.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        uow.session.refresh(item)
        holder = uow.session.get(Operator, item.claimed_by).username if item.claimed_by else None
        if item.status in OPEN and holder and holder != actor.username:
            raise Conflict(_("Item {item_id} is claimed by {holder}.").format(item_id=item_id, holder=holder))
        raise Conflict(
            _("Item {item_id} changed since you saw it (now {status}); refresh the queue.").format(
                item_id=item_id, status=item.status
            )
        )
    uow.session.refresh(item)
    return item


def claim_item(item_id: int, *, uow: UnitOfWork, actor: Actor, expected_version: int | None = None) -> QueueItemView:
    require_role(actor, *SUPERVISORS, doing=_("claim queue items"))
    with uow:
        item = _claim(uow, item_id, actor, expected_version)
        audit.record(uow, actor, "queue.claim", "queue_item", str(item_id), {"queue": item.queue})
        uow.commit()
        return QueueItemView(
            item_id=item.id,
            queue=item.queue,
            ref_type=item.ref_type,
            ref_id=item.ref_id,
            status=item.status,
            reason=item.reason,
            claimed_by=actor.username,
            created_at=item.created_at,
            version=item.version,
            payload=item.payload,
        )


def act_on_item(
    queue: str,
    item_id: int,
    action: str,
    *,
    services: Services,
    actor: Actor,
    note: str = "",
    expected_version: int | None = None,
) -> ActionResult:
    """Do `action` on the item: claim it first (one supervisor wins), then run the queue's action."""
    require_role(actor, *SUPERVISORS, doing=_("act on queue items"))
    name = _parse_queue(queue)
    note = clean_text(note, field="note", max_length=500)
    chosen = next((a for a in ACTIONS.get(name, ()) if action in (a.name, a.key)), None)
    if chosen is None:
        allowed = ", ".join(a.name for a in ACTIONS.get(name, ())) or _("none yet")
        raise InvalidInput(
            _("{queue} cannot {action}; actions: {allowed}.").format(
                queue=name.label, action=repr(action), allowed=allowed
            ),
            fields={"action": _("Unknown action.")},
        )
    with services.writer() as uow:
        item = _claim(uow, item_id, actor, expected_version)
        if item.queue != name.value:
            raise NotFound(_("Item {item_id} is not in {queue}.").format(item_id=item_id, queue=name.label))
        uow.commit()
    detail = chosen.run(item, services=services, actor=actor, note=note)
    with services.writer() as uow:
        final = uow.session.get(QueueItem, item_id)
        if final.status == "claimed":  # actions that do not close the item themselves (e.g. order retry)
            final.status, final.decided_by, final.decided_at, final.note = "done", actor.id, utcnow(), note or None
            final.version += 1
            uow.session.add(final)
        audit.record(uow, actor, f"queue.{chosen.name}", "queue_item", str(item_id), {"queue": name.value})
        uow.commit()
        status = final.status
    return ActionResult(item_id=item_id, queue=name.value, action=chosen.name, status=status, detail=detail)


def ensure_supervisor_sees(actor: Actor) -> None:
    """Screens ask before showing the queues; a CSR sees nothing there."""
    if actor.role not in SUPERVISORS:
        raise NotAllowed(_("The queues are for supervisors."))


def duplicate_pair(item_id: int, *, uow: UnitOfWork, actor: Actor) -> PairView:
    """The two customers behind a duplicates-queue item (older first), with the score and the reasons."""
    require_role(actor, *SUPERVISORS, doing=_("see the queues"))
    with uow:
        item = uow.session.get(QueueItem, item_id)
        if item is None or item.queue != QueueName.DUPLICATES.value:
            raise NotFound(_("No possible duplicate in queue item {item_id}.").format(item_id=item_id))
        candidate = uow.session.get(DuplicateCandidate, int(item.ref_id))
        if candidate is None:
            raise NotFound(_("No possible duplicate {candidate_id}.").format(candidate_id=item.ref_id))
        ids = dict(
            uow.session.execute(
                select(Customer.id, Customer.customer_id).where(
                    Customer.id.in_([candidate.customer_a_id, candidate.customer_b_id])
                )
            ).all()
        )
        reasons = candidate.reasons or {}
        return PairView(
            candidate_id=candidate.id,
            customer_id_a=ids[candidate.customer_a_id],
            customer_id_b=ids[candidate.customer_b_id],
            score=candidate.score,
            reasons=dict(reasons),  # agree/differ and the model's waterfall: levels and weights, no personal data
            reason=item.reason,
            status=candidate.status,
        )
