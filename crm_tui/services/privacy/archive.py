"""History storage: what is kept of terminated customers and lines, until the retention policy's
date (crm_tui/data/retention_policy.json); `purge` removes what has passed it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from crm_tui.i18n import _
from crm_tui.services.privacy.orphans import SweepReport, sweep_orphans
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
    require_signed_in,
    sees_personal_data_in_lists,
)
from crm_tui.services.shared.validation import mask, parse_customer_id
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.archive import ArchiveRecord
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

PERSONAL_KEYS = ("cert_number", "email", "mobile", "birthday", "iccid", "imsi", "value", "detail")


class ArchiveRecordView(View):
    id: int
    kind: str
    customer_id: str
    subject_key: str | None
    consent: bool
    archived_at: datetime
    retain_until: datetime | None
    erased: bool
    payload: dict[str, Any]


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (mask(str(v)) if k in PERSONAL_KEYS and v else _masked(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def show_archive(customer_id: str, *, uow: UnitOfWork, actor: Actor) -> list[ArchiveRecordView]:
    """What the archive keeps of a customer; a CSR sees personal keys masked."""
    require_signed_in(actor, doing=_("read the archive"))
    customer_id = parse_customer_id(customer_id)
    full = sees_personal_data_in_lists(actor)
    with uow:
        rows = (
            uow.session.execute(
                select(ArchiveRecord).where(ArchiveRecord.customer_number == customer_id).order_by(ArchiveRecord.id)
            )
            .scalars()
            .all()
        )
        return [
            ArchiveRecordView(
                id=r.id,
                kind=r.kind,
                customer_id=r.customer_number,
                subject_key=r.subject_key if full else mask(r.subject_key),
                consent=r.consent,
                archived_at=r.archived_at,
                retain_until=r.retain_until,
                erased=r.erased_at is not None,
                payload=r.payload if full else _masked(r.payload),
            )
            for r in rows
        ]


class PurgeReport(View):
    dry_run: bool
    as_of: datetime
    records: list[ArchiveRecordView]
    files: SweepReport | None = None


def purge_archive(
    *, uow: UnitOfWork, actor: Actor, dry_run: bool = True, as_of: datetime | None = None, data_dir: Path | None = None
) -> PurgeReport:
    """Remove archive records past their retention date (a dry run lists them first); given the data
    folder, also sweep the stored files no row refers to (services/privacy/orphans.py)."""
    require_role(actor, *SUPERVISORS, doing=_("purge the archive"))
    as_of = as_of or utcnow()
    with uow:
        expired = (
            uow.session.execute(
                select(ArchiveRecord)
                .where(ArchiveRecord.retain_until.is_not(None), ArchiveRecord.retain_until <= as_of)
                .order_by(ArchiveRecord.retain_until)
            )
            .scalars()
            .all()
        )
        views = [
            ArchiveRecordView(
                id=r.id,
                kind=r.kind,
                customer_id=r.customer_number,
                subject_key=mask(r.subject_key),
                consent=r.consent,
                archived_at=r.archived_at,
                retain_until=r.retain_until,
                erased=r.erased_at is not None,
                payload={},
            )
            for r in expired
        ]
        if not dry_run and expired:
            uow.session.execute(delete(ArchiveRecord).where(ArchiveRecord.id.in_([r.id for r in expired])))
            audit.record(uow, actor, "archive.purge", "archive", str(len(expired)), {"as_of": as_of.isoformat()})
            uow.commit()
    files = None
    if data_dir is not None:
        files = sweep_orphans(uow=UnitOfWork(uow.database, write=True), actor=actor, data_dir=data_dir, dry_run=dry_run)
    return PurgeReport(dry_run=dry_run, as_of=as_of, records=views, files=files)
