"""The orphan sweep: stored files that no attachment row points at are removed after a grace period.

A file is placed just before the transaction that records it commits (services/shared/files.py);
a process killed in between leaves a file nobody can find or erase by customer. The sweep removes
such files, and leftover temporary copies, once they are older than the grace period (a file
younger than that may belong to a registration committing right now). `crm-tui attachments sweep`
runs it; so does every archive purge.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from crm_tui.i18n import _
from crm_tui.services.shared import audit
from crm_tui.services.shared.files import TEMPORARY_PREFIX
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Attachment
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

GRACE = timedelta(hours=1)


class SweepReport(View):
    dry_run: bool
    files_checked: int
    orphans: int
    removed: int
    bytes_removed: int
    kept_too_young: int
    folder: str


def stored_files(data_dir: Path) -> list[Path]:
    """Every file under data_dir/attachments (content-hash names and temporary copies)."""
    root = data_dir / "attachments"
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def sweep_orphans(
    *,
    uow: UnitOfWork,
    actor: Actor,
    data_dir: Path,
    dry_run: bool = False,
    grace: timedelta = GRACE,
    now: datetime | None = None,
) -> SweepReport:
    """Remove stored files no attachment row refers to, older than `grace` (supervisors)."""
    require_role(actor, *SUPERVISORS, doing=_("sweep stored files"))
    now = now or utcnow()
    files = stored_files(data_dir)
    with uow:
        referenced = set(uow.session.execute(select(Attachment.content_hash).distinct()).scalars())
        orphans = [p for p in files if p.name.startswith(TEMPORARY_PREFIX) or p.name not in referenced]
        removed = young = size = 0
        for path in orphans:
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            if now - modified < grace:
                young += 1
                continue
            size += path.stat().st_size
            removed += 1
            if not dry_run:
                path.unlink(missing_ok=True)
        if not dry_run:
            audit.record(
                uow, actor, "attachments.sweep", "attachments", str(removed), {"checked": len(files), "bytes": size}
            )
            uow.commit()
    return SweepReport(
        dry_run=dry_run,
        files_checked=len(files),
        orphans=len(orphans),
        removed=removed,
        bytes_removed=size,
        kept_too_young=young,
        folder=str(data_dir / "attachments"),
    )
