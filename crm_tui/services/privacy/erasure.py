"""Erasure on request (eTOM 1.3.4.2.3, "complete clean-up or destroying data"): a CSR records the
request, a supervisor approves it, and every piece of identifying information of that person is
destroyed - operational tables, archive, interactions' free text, attachments on disk, outbox,
orders' and external requests' payloads - leaving tombstones where records must stay (orders,
payments, audit) so totals still add up. A verification report shows every table and file checked.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update

from crm_tui.domain import LIVE_LINE_STATUSES, CustomerStatus, QueueName
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.i18n import _
from crm_tui.services.context import ExternalFailure, QueueAction, Services
from crm_tui.services.privacy.verification import TableCheck, scan_files, verify_absent
from crm_tui.services.shared import audit, messages, outbox
from crm_tui.services.shared.files import stored_path
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
    require_signed_in,
)
from crm_tui.services.shared.receipts import customer_receipt_numbers, remove_receipt_files
from crm_tui.services.shared.validation import (
    clean_text,
    parse_customer_id,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.archive import ArchiveRecord
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.customers import (
    Address,
    Attachment,
    AuthenticationInfo,
    Certificate,
    Contact,
    Customer,
    Interaction,
    Preference,
    SocialAccount,
)
from crm_tui.storage.models.dedupe import DuplicateCandidate, MergeRecord
from crm_tui.storage.models.lines import NumberPoolEntry, SimCard, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.orders import ExternalRequest, Order
from crm_tui.storage.models.outbox import OutboxEvent
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

TOMBSTONE = "[erased]"
ERASABLE = (CustomerStatus.TERMINATED.value, CustomerStatus.ARCHIVED.value, CustomerStatus.IDLE.value)


class ErasureRequested(View):
    item_id: int
    customer_id: str


def request_erasure(
    customer_id: str,
    *,
    uow: UnitOfWork,
    actor: Actor,
    requested_by: str,
    legal_ground: str,
    now: datetime | None = None,
) -> ErasureRequested:
    """Record who asked and on what legal ground; the request waits in the supervisor's queue."""
    require_signed_in(actor, doing=_("record erasure requests"))
    customer_id = parse_customer_id(customer_id)
    requested_by = clean_text(requested_by, field="requested_by", max_length=100)
    legal_ground = clean_text(legal_ground, field="legal_ground", max_length=200)
    if not requested_by or not legal_ground:
        raise InvalidInput(
            _("Say who asked and the legal ground."),
            fields={"requested_by" if not requested_by else "legal_ground": _("Required.")},
        )
    now = now or utcnow()
    with uow:
        customer = _customer(uow, customer_id)
        _check_erasable(uow, customer)
        existing = uow.session.execute(
            select(QueueItem.id).where(QueueItem.queue == QueueName.ERASURE_REQUESTS, QueueItem.ref_id == customer_id)
        ).scalar()
        if existing:
            raise Conflict(
                _("An erasure request for {customer_id} already exists (item {item_id}).").format(
                    customer_id=customer_id, item_id=existing
                )
            )
        item = QueueItem(
            queue=QueueName.ERASURE_REQUESTS,
            ref_type="customer",
            ref_id=customer_id,
            reason=_("Erasure requested by {requested_by}: {legal_ground}").format(
                requested_by=requested_by, legal_ground=legal_ground
            ),
            created_at=now,
        )
        uow.session.add(item)
        capture(uow.session, customer.id, kind="erasure_request", summary=_("Erasure requested"), actor=actor, now=now)
        uow.session.flush()
        audit.record(uow, actor, "customer.erasure_requested", "customer", customer_id, {"item": item.id})
        uow.commit()
        return ErasureRequested(item_id=item.id or 0, customer_id=customer_id)


def _customer(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = uow.session.execute(select(Customer).where(Customer.customer_id == customer_id)).scalar_one_or_none()
    if customer is None:
        raise NotFound(_("No customer {customer_id}.").format(customer_id=customer_id))
    return customer


def _check_erasable(uow: UnitOfWork, customer: Customer) -> None:
    live = uow.session.execute(
        select(func.count())
        .select_from(Subscriber)
        .where(Subscriber.customer_id == customer.id, Subscriber.status.in_(LIVE_LINE_STATUSES))
    ).scalar_one()
    if customer.status == CustomerStatus.ERASED:
        raise Conflict(_("{customer_id} is already erased.").format(customer_id=customer.customer_id))
    if customer.status not in ERASABLE or live:
        raise Conflict(
            _("{customer_id} is {status} with {live} live line(s): terminate the relationship before erasing.").format(
                customer_id=customer.customer_id, status=customer.status, live=live
            )
        )


class ErasureReport(View):
    customer_id: str
    erased_at: datetime
    merged_records: int = 0
    tables: list[TableCheck]
    files_checked: int
    files_found: int
    places: list[str] = []
    complete: bool
    confirmation: str = ""
    """What the person was told: `sent by email`, `sent by SMS`, or `not sent: why`."""


def erase_customer(
    item_id: int, *, services: Services, actor: Actor, note: str = "", now: datetime | None = None
) -> ErasureReport:
    """Approve the request: destroy the person's identifying data everywhere and verify nothing is left.

    "The person" includes every record merged into the customer (a duplicate absorbed earlier keeps
    its own name, email and birthday for an unmerge) and the merges' before-images.
    """
    require_role(actor, *SUPERVISORS, doing=_("approve erasures"))
    now = now or utcnow()
    data_dir: Path = services.settings.data_dir
    with services.writer() as uow:
        session = uow.session
        item = session.get(QueueItem, item_id)
        if item is None or item.queue != QueueName.ERASURE_REQUESTS:
            raise NotFound(_("No erasure request {item_id}.").format(item_id=item_id))
        if item.status not in ("open", "claimed"):
            raise Conflict(
                _("Erasure request {item_id} was already {status}.").format(item_id=item_id, status=item.status)
            )
        customer = _customer(uow, item.ref_id)
        _check_erasable(uow, customer)
        reach = _reach(uow, customer)  # held in memory only: after the commit nothing else knows the address
        people = [customer, *_absorbed(uow, customer)]
        pks = [person.id for person in people]
        needles: list[str] = []
        hashes: set[str] = set()
        lines = 0
        receipts: list[str] = []
        for person in people:
            receipts += customer_receipt_numbers(uow, person.id)
            needles += _identifiers(uow, person)
            hashes |= set(
                session.execute(select(Attachment.content_hash).where(Attachment.customer_id == person.id)).scalars()
            )
            lines += _destroy(uow, person, now)
        merges = or_(MergeRecord.survivor_id.in_(pks), MergeRecord.merged_id.in_(pks))
        session.execute(update(MergeRecord).where(merges).values(before_image={"erased": True}))
        pairs = select(DuplicateCandidate.id).where(
            or_(DuplicateCandidate.customer_a_id.in_(pks), DuplicateCandidate.customer_b_id.in_(pks))
        )
        pair_ids = [str(pair) for pair in session.execute(pairs).scalars()]
        if pair_ids:
            session.execute(
                update(QueueItem)
                .where(QueueItem.queue == QueueName.DUPLICATES, QueueItem.ref_id.in_(pair_ids))
                .values(reason=TOMBSTONE, payload={})
            )
        session.execute(update(DuplicateCandidate).where(DuplicateCandidate.id.in_(pairs)).values(reasons={}))
        item.status, item.decided_by, item.decided_at, item.note = "approved", actor.id, now, note or None
        item.reason = _("Erasure requested")  # the requester's words may name the person
        item.version += 1
        session.add(item)
        audit.record(
            uow,
            actor,
            "customer.erase",
            "customer",
            customer.customer_id,
            {"item": item_id, "lines": lines, "attachments": len(hashes), "merged_records": len(people) - 1},
        )
        uow.commit()
        customer_id = customer.customer_id
    needles = list(dict.fromkeys(needles))
    _remove_files(services, hashes, data_dir)
    receipt_files_left = remove_receipt_files(data_dir, receipts)
    confirmation = _confirm(services, reach, customer_id, now)
    places = [_("every text and JSON column of every table")]
    if services.database.is_sqlite:
        with services.database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        places.append(_("the name search index (FTS5), after a WAL checkpoint"))
    tables = verify_absent(services, needles)
    files = scan_files(data_dir, needles)
    places.append(_("every stored file under {folder}").format(folder=data_dir / "attachments"))
    places.append(
        _("the saved receipt files of the customer's {count} receipt(s) under {folder}").format(
            count=len(receipts), folder=data_dir / "receipts"
        )
    )
    return ErasureReport(
        customer_id=customer_id,
        erased_at=now,
        merged_records=len(people) - 1,
        tables=tables,
        files_checked=files.checked,
        files_found=len(files.found),
        places=places,
        complete=not files.found and not receipt_files_left and all(t.found == 0 for t in tables),
        confirmation=confirmation,
    )


@dataclass(frozen=True)
class _Reach:
    """How to tell the person their data is gone: captured before it is, used once, never stored."""

    channel: str  # "email" or "sms"
    address: str
    language: str


def _reach(uow: UnitOfWork, customer: Customer) -> _Reach | None:
    language = uow.session.execute(
        select(Preference.language).where(Preference.customer_id == customer.id)
    ).scalar_one_or_none()
    language = (language or "en")[:2]
    if customer.email:
        return _Reach("email", customer.email, language)
    number = (
        customer.mobile
        or uow.session.execute(
            select(Subscriber.service_number)
            .where(Subscriber.customer_id == customer.id)
            .order_by(Subscriber.id)
            .limit(1)
        ).scalar()
    )
    return _Reach("sms", number, language) if number else None


def _confirm(services: Services, reach: _Reach | None, customer_id: str, now: datetime) -> str:
    """Send the erasure confirmation now (it names nobody: a date and a reference) and keep only its outcome.

    It cannot wait in the outbox like other messages: that would keep the address the erasure removed.
    A failure is reported to the supervisor (who tells the person another way), not retried.
    """
    outcome, channel = _("not sent: no email, mobile or line to tell"), None
    if reach is not None:
        subject, body = messages.render("customer.erased", reach.language, {"date": now.date().isoformat()})
        key = f"erasure-{customer_id}"
        try:
            if reach.channel == "email":
                messages.send_email(services.settings, reach.address, subject, body)
            else:
                services.externals.send(
                    "notify", "sms", idempotency_key=key, payload={"to": reach.address, "text": body}, attempt=1
                )
            outcome, channel = (
                _("sent by email") if reach.channel == "email" else _("sent by SMS"),
                reach.channel,
            )
        except (OSError, smtplib.SMTPException, ExternalFailure) as error:
            outcome = _("not sent: {error}").format(error=type(error).__name__)  # the error's text may hold the address
    with services.writer() as uow:
        # an in-process gateway keeps what it was sent in this database: the number goes too
        uow.session.execute(
            update(ExternalRequest)
            .where(ExternalRequest.idempotency_key == f"erasure-{customer_id}")
            .values(payload={"erased": True})
        )
        event = outbox.emit(uow, "customer.erased", "customer", customer_id, {"confirmation": outcome})
        event.status, event.channel, event.dispatched_at = ("sent" if channel else "skipped"), channel, now
        uow.commit()
    return outcome


def _absorbed(uow: UnitOfWork, customer: Customer) -> list[Customer]:
    """Every record merged into this customer, directly or through another merged record."""
    found: list[Customer] = []
    frontier = [customer.id]
    while frontier:
        rows = (
            uow.session.execute(
                select(Customer).where(Customer.merged_into_id.in_(frontier), Customer.status != CustomerStatus.ERASED)
            )
            .scalars()
            .all()
        )
        found += rows
        frontier = [row.id for row in rows]
    return found


def _destroy(uow: UnitOfWork, customer: Customer, now: datetime) -> int:
    """Destroy one record's identifying data, leaving tombstones where rows must stay; its line count."""
    session = uow.session
    pk = customer.id
    lines = session.execute(select(Subscriber).where(Subscriber.customer_id == pk)).scalars().all()
    line_keys = {s.service_number for s in lines} | {s.iccid for s in lines} | {s.imsi for s in lines}
    for model in (Certificate, Contact, Address, Attachment, Preference, AuthenticationInfo, SocialAccount):
        session.execute(delete(model).where(model.customer_id == pk))
    line_ids = [s.id for s in lines]
    if line_ids:
        session.execute(
            update(NumberPoolEntry)
            .where(NumberPoolEntry.subscriber_id.in_(line_ids))
            .values(subscriber_id=None, state="available", frozen_until=None, version=NumberPoolEntry.version + 1)
        )
        session.execute(update(SimCard).where(SimCard.subscriber_id.in_(line_ids)).values(subscriber_id=None))
        session.execute(update(Charge).where(Charge.subscriber_id.in_(line_ids)).values(description=TOMBSTONE))
    for line in lines:
        tomb = f"x{line.id}"
        session.execute(
            update(Subscriber)
            .where(Subscriber.id == line.id)
            .values(service_number=tomb, iccid=tomb, imsi=tomb[:15], language=None, written_language=None)
        )
    session.execute(update(Interaction).where(Interaction.customer_id == pk).values(summary=TOMBSTONE, key_kind=None))
    session.execute(update(Order).where(Order.customer_id == pk).values(payload={"erased": True}))
    archived = select(ArchiveRecord.id).where(ArchiveRecord.customer_number == customer.customer_id)
    session.execute(
        update(ArchiveRecord).where(ArchiveRecord.id.in_(archived)).values(payload={}, subject_key=None, erased_at=now)
    )
    keys = [customer.customer_id, *line_keys]
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.aggregate_id.in_(keys))
        .values(payload={"erased": True}, aggregate_id=TOMBSTONE)
    )
    order_numbers = list(session.execute(select(Order.order_number).where(Order.customer_id == pk)).scalars())
    for number in order_numbers:
        session.execute(
            update(ExternalRequest)
            .where(ExternalRequest.idempotency_key.like(f"{number}-%"))
            .values(payload={"erased": True})
        )
    session.execute(update(QueueItem).where(QueueItem.ref_id.in_(list(line_keys))).values(ref_id=TOMBSTONE, payload={}))
    if customer.name_search:
        session.execute(
            delete(BlacklistEntry).where(
                BlacklistEntry.name_search == customer.name_search, BlacklistEntry.birthday == customer.birthday
            )
        )
    for field in ERASED_FIELDS:
        setattr(customer, field, None)
    customer.display_name = _("Erased customer")
    customer.name_search = ""
    customer.status = CustomerStatus.ERASED.value
    customer.updated_at = now
    customer.version += 1
    session.add(customer)
    session.flush()
    return len(lines)


ERASED_FIELDS = (
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
    "belief",
)


def _identifiers(uow: UnitOfWork, customer: Customer) -> list[str]:
    """The strings that identify the person and must not be found anywhere afterwards."""
    certs = list(
        uow.session.execute(select(Certificate.cert_number).where(Certificate.customer_id == customer.id)).scalars()
    )
    contacts = list(uow.session.execute(select(Contact.value).where(Contact.customer_id == customer.id)).scalars())
    values = [
        customer.display_name,
        customer.first_name,
        customer.last_name,
        customer.organization_name,
        customer.email,
        customer.mobile,
        *certs,
        *contacts,
    ]
    return [v for v in dict.fromkeys(values) if v and len(v) >= 4]


def _remove_files(services: Services, hashes: set[str], data_dir: Path) -> None:
    """Delete the attachment files no other customer still uses."""
    with services.reader() as uow:
        shared = (
            set(
                uow.session.execute(
                    select(Attachment.content_hash).where(Attachment.content_hash.in_(list(hashes)))
                ).scalars()
            )
            if hashes
            else set()
        )
    for digest in hashes - shared:
        stored_path(data_dir, digest).unlink(missing_ok=True)


def reject_erasure(item_id: int, *, services: Services, actor: Actor, note: str = "") -> None:
    require_role(actor, *SUPERVISORS, doing=_("decide erasures"))
    with services.writer() as uow:
        item = uow.session.get(QueueItem, item_id)
        if item is None or item.queue != QueueName.ERASURE_REQUESTS:
            raise NotFound(_("No erasure request {item_id}.").format(item_id=item_id))
        if item.status not in ("open", "claimed"):
            raise Conflict(
                _("Erasure request {item_id} was already {status}.").format(item_id=item_id, status=item.status)
            )
        item.status, item.decided_by, item.decided_at, item.note, item.version = (
            "rejected",
            actor.id,
            utcnow(),
            note or None,
            item.version + 1,
        )
        uow.session.add(item)
        audit.record(uow, actor, "customer.erasure_rejected", "customer", item.ref_id, {"item": item_id})
        uow.commit()


QUEUE_ACTIONS: dict[QueueName, tuple[QueueAction, ...]] = {
    QueueName.ERASURE_REQUESTS: (
        QueueAction(
            "approve",
            "a",
            lambda item, *, services, actor, note: erase_customer(
                item.id, services=services, actor=actor, note=note
            ).model_dump(mode="json"),
        ),
        QueueAction(
            "reject",
            "r",
            lambda item, *, services, actor, note: (
                reject_erasure(item.id, services=services, actor=actor, note=note),
                {"approved": False},
            )[1],
        ),
    ),
}
"""The erasure queue's keys; `services.bootstrap` registers them."""
