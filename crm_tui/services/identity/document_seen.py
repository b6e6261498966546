"""The ID document inspected in person (issue 13.2): one key at the counter records its type, last
digits and expiry on an interaction (the customer view shows when it was last seen)."""

from __future__ import annotations

from datetime import date, datetime

from crm_tui.domain import CertType
from crm_tui.errors import Conflict
from crm_tui.i18n import _
from crm_tui.present import day
from crm_tui.services.customers.profile import DOCUMENT_SEEN
from crm_tui.services.identity.profile_edit import customer_documents, load_customer
from crm_tui.services.shared import audit
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import require_signed_in
from crm_tui.services.shared.validation import parse_customer_id
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork


class DocumentSeen(View):
    customer_id: str
    cert_type: str
    last_digits: str
    expires_on: date | None
    expired: bool
    seen_at: datetime


def record_document_seen(
    customer_id: str, *, uow: UnitOfWork, actor: Actor, now: datetime | None = None
) -> DocumentSeen:
    """The CSR inspected the customer's ID document in person: an interaction with its type, last digits
    and expiry (an expired document is said so), and an audit entry."""
    require_signed_in(actor, doing=_("record an inspected document"))
    customer_id = parse_customer_id(customer_id)
    now = now or utcnow()
    with uow:
        customer = load_customer(uow, customer_id)
        live = [d for d in customer_documents(uow, customer.id or 0) if d.retired_at is None]
        if not live:
            raise Conflict(
                _("Customer {customer_id} has no live ID document to inspect; add one by editing.").format(
                    customer_id=customer_id
                )
            )
        document = live[0]
        expired = document.expires_on is not None and document.expires_on < now.date()
        label = CertType(document.cert_type).label
        last = document.cert_number[-4:]
        if document.expires_on is None:
            expiry = _("no expiry date")
        elif expired:
            expiry = _("expired {date}").format(date=day(document.expires_on))
        else:
            expiry = _("expires {date}").format(date=day(document.expires_on))
        capture(
            uow.session,
            customer.id or 0,
            kind=DOCUMENT_SEEN,
            summary=_("ID inspected: {document} •••• {last}, {expiry}").format(
                document=label, last=last, expiry=expiry
            ),
            actor=actor,
            now=now,
        )
        audit.record(
            uow,
            actor,
            "customer.document_seen",
            "customer",
            customer_id,
            {"cert_type": document.cert_type, "last_digits": last, "expired": expired},
        )
        uow.commit()
        return DocumentSeen(
            customer_id=customer_id,
            cert_type=document.cert_type,
            last_digits=last,
            expires_on=document.expires_on,
            expired=expired,
            seen_at=now,
        )
