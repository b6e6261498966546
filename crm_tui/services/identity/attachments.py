"""Attachments (scanned ID, signed form): checked by content, not by name, and stored under the
data folder by content hash, so the same scan twice is stored once and no name reaches the disk."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from crm_tui.errors import InvalidInput, NotFound
from crm_tui.i18n import _
from crm_tui.services.shared import audit
from crm_tui.services.shared.files import FilePlacement
from crm_tui.services.shared.permissions import require_signed_in
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Attachment, Customer
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
}


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check, ready to store."""

    source: Path
    filename: str
    media_type: str
    size_bytes: int
    content_hash: str


class AttachmentView(View):
    filename: str
    media_type: str
    size_bytes: int
    uploaded_by: str | None
    content_hash: str


def check_file(raw_path: str, *, field: str = "attachment", max_bytes: int = MAX_BYTES) -> CheckedFile:
    """A regular file (no link), PDF, PNG or JPEG by its first bytes and its extension, not too big."""
    path = Path(raw_path).expanduser()
    if path.is_symlink():
        raise InvalidInput(
            _("A link is not accepted; choose the file itself."), fields={field: _("Links are refused.")}
        )
    if not path.is_file():
        raise InvalidInput(_("No such file."), fields={field: _("No such file.")})
    size = path.stat().st_size
    if size == 0 or size > max_bytes:
        raise InvalidInput(
            _("A file must have content and at most {megabytes} MB.").format(megabytes=max_bytes // (1024 * 1024)),
            fields={field: _("Empty or too large.")},
        )
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        head = handle.read(16)
        digest.update(head)
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    media_type = next((kind for kind, (magic, _) in SIGNATURES.items() if head.startswith(magic)), None)
    if media_type is None:
        raise InvalidInput(
            _("Only PDF, PNG and JPEG files are accepted."), fields={field: _("Not a PDF, PNG or JPEG.")}
        )
    if path.suffix.lower() not in SIGNATURES[media_type][1]:
        raise InvalidInput(
            _("The file's name and its content disagree; it may be disguised."),
            fields={field: _("Extension does not match the content.")},
        )
    return CheckedFile(
        source=path, filename=path.name[-255:], media_type=media_type, size_bytes=size, content_hash=digest.hexdigest()
    )


def record_attachment(uow: UnitOfWork, customer_pk: int, checked: CheckedFile, *, actor: Actor) -> Attachment:
    attachment = Attachment(
        customer_id=customer_pk,
        filename=checked.filename,
        content_hash=checked.content_hash,
        media_type=checked.media_type,
        size_bytes=checked.size_bytes,
        uploaded_by=actor.id,
        uploaded_at=utcnow(),
    )
    uow.session.add(attachment)
    return attachment


def attach_file(customer_id: str, raw_path: str, *, uow: UnitOfWork, actor: Actor, data_dir: Path) -> AttachmentView:
    """Upload a file to an existing customer."""
    require_signed_in(actor, doing=_("upload attachments"))
    checked = check_file(raw_path)
    placement = FilePlacement(data_dir)
    try:
        with uow:
            customer = uow.session.execute(
                select(Customer).where(Customer.customer_id == customer_id)
            ).scalar_one_or_none()
            if customer is None:
                raise NotFound(_("No customer {customer_id}.").format(customer_id=customer_id))
            record_attachment(uow, customer.id or 0, checked, actor=actor)
            audit.record(
                uow,
                actor,
                "customer.attach",
                "customer",
                customer_id,
                {"media_type": checked.media_type, "size": checked.size_bytes},
            )
            placement.place(checked)
            uow.commit()
    except BaseException:
        placement.undo()
        raise
    return AttachmentView(
        filename=checked.filename,
        media_type=checked.media_type,
        size_bytes=checked.size_bytes,
        uploaded_by=actor.username,
        content_hash=checked.content_hash,
    )


def list_attachments(customer_id: str, *, uow: UnitOfWork, actor: Actor) -> list[AttachmentView]:
    require_signed_in(actor, doing=_("see attachments"))
    with uow:
        rows = uow.session.execute(
            select(Attachment, Operator.username)
            .join(Customer, Customer.id == Attachment.customer_id)
            .outerjoin(Operator, Operator.id == Attachment.uploaded_by)
            .where(Customer.customer_id == customer_id)
            .order_by(Attachment.id)
        ).all()
        return [
            AttachmentView(
                filename=a.filename,
                media_type=a.media_type,
                size_bytes=a.size_bytes,
                uploaded_by=username,
                content_hash=a.content_hash,
            )
            for a, username in rows
        ]
