"""Export customers for other systems (`crm-tui customers export`): one JSON object per line.

Two shapes:
- `jsonl`: the import format (CLI.md, `data/examples/customer.json`), so an export of one
  database imports into another (`crm-tui customers import`); `customer_id` is added for the
  reader and ignored by the import (the target issues its own IDs). Secrets never leave: service
  passwords and security answers are stored as Argon2id hashes and are not exported.
- `tmf629`: the TM Forum Customer Management API (TMF629 v4) `Customer` resource, and
- `tmf632`: the TM Forum Party Management API (TMF632 v4) `Individual` or `Organization` each
  customer's engagedParty points at; both built in tmf.py (what goes where is said there), with
  absolute hrefs on `CRM_API_BASE_URL`.

Admins only (it is every customer's personal data at once), read in one transaction in batches
by id (memory stays flat at a million customers), and recorded in the audit trail with the count.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from crm_tui.domain import HIDDEN_STATUSES, CustomerStatus, OrderStatus, Role
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services.context import Services
from crm_tui.services.customers.tmf import ENDED, tmf629_customer, tmf632_party
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.archive import ArchiveRecord
from crm_tui.storage.models.customers import Address, Certificate, Contact, Customer, Preference, SocialAccount
from crm_tui.storage.models.lines import Account
from crm_tui.storage.models.orders import Order

FORMATS = ("jsonl", "tmf629", "tmf632")
BATCH_SIZE = 1000
DEFAULT_STATUSES = tuple(s.value for s in CustomerStatus if s.value not in HIDDEN_STATUSES)
"""Merged customers live on in their survivor; erased ones are gone."""


class ExportReport(View):
    format: str
    customers: int
    statuses: list[str]


def _checked(actor: Actor | None, format: str, statuses: Sequence[str] | None) -> tuple[str, ...]:  # noqa: A002
    """The statuses to export, once the actor may export and the options are known; else why not."""
    require_role(actor, Role.ADMIN, doing=_("export customers"))
    if format not in FORMATS:
        raise InvalidInput(
            _("Unknown export format {format}; one of {formats}.").format(
                format=repr(format), formats=", ".join(FORMATS)
            ),
            fields={"format": _("jsonl, tmf629 or tmf632.")},
        )
    if not statuses:
        return DEFAULT_STATUSES
    chosen = tuple(dict.fromkeys(s.strip().lower() for s in statuses))
    unknown = [s for s in chosen if s not in DEFAULT_STATUSES]
    if unknown:
        raise InvalidInput(
            _("Cannot export customers in state {unknown}; one of {statuses}.").format(
                unknown=", ".join(unknown), statuses=", ".join(DEFAULT_STATUSES)
            ),
            fields={"status": _("Unknown or not exportable.")},
        )
    return chosen


def export_customers(
    write: Callable[[str], None],
    *,
    services: Services,
    actor: Actor,
    format: str = "jsonl",  # noqa: A002 - the CLI's word
    statuses: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportReport:
    """Write one line per customer through `write` (a JSON object and a newline); admins only."""
    chosen = _checked(actor, format, statuses)
    base = services.settings.api_base_url
    shapes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "jsonl": _import_row,
        "tmf629": lambda record: tmf629_customer(record, base=base),
        "tmf632": lambda record: tmf632_party(record, base=base),
    }
    shape = shapes[format]
    count = 0
    with services.reader() as uow:
        for batch in _batches(uow.session, chosen):
            for record in batch:
                write(json.dumps(shape(record), ensure_ascii=False, default=_json_default) + "\n")
            count += len(batch)
            if progress:
                progress(len(batch))
    with services.writer() as uow:
        audit.record(uow, actor, "customer.export", "customers", format, {"customers": count, "statuses": list(chosen)})
        uow.commit()
    return ExportReport(format=format, customers=count, statuses=list(chosen))


def count_exportable(
    *, services: Services, actor: Actor, format: str = "jsonl", statuses: Sequence[str] | None = None
) -> int:  # noqa: A002
    """How many customers an export with these options would write (for a progress bar); the same
    checks as the export first, so a refused export is refused before anything is counted or shown."""
    chosen = _checked(actor, format, statuses)
    with services.reader() as uow:
        return uow.session.execute(
            select(func.count()).select_from(Customer).where(Customer.status.in_(chosen))
        ).scalar_one()


# --- reading ---------------------------------------------------------------------------------------


def _batches(session: Any, statuses: tuple[str, ...]) -> Iterator[list[dict[str, Any]]]:
    """Customers with everything that belongs to them, BATCH_SIZE at a time, by id (keyset paging)."""
    last = 0
    while True:
        customers = (
            session.execute(
                select(Customer)
                .where(Customer.id > last, Customer.status.in_(statuses))
                .order_by(Customer.id)
                .limit(BATCH_SIZE)
            )
            .scalars()
            .all()
        )
        if not customers:
            return
        ids = [c.id for c in customers]
        last = ids[-1]
        related: dict[str, dict[int, list[Any]]] = {}
        for name, model in (
            ("certificates", Certificate),
            ("contacts", Contact),
            ("addresses", Address),
            ("preferences", Preference),
            ("social_accounts", SocialAccount),
            ("accounts", Account),
        ):
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in session.execute(select(model).where(model.customer_id.in_(ids)).order_by(model.id)).scalars():
                grouped[row.customer_id].append(row)
            related[name] = grouped
        endings = _endings(session, [c for c in customers if c.status in ENDED])
        yield [
            {
                "customer": c,
                **{name: grouped.get(c.id, []) for name, grouped in related.items()},
                **endings.get(c.id, {}),
            }
            for c in customers
        ]


def _endings(session: Any, ended: list[Customer]) -> dict[int, dict[str, Any]]:
    """When and why each terminated or archived customer's relationship ended: the termination
    order (closed, with its reason), else the archive record, else the last change of the row."""
    if not ended:
        return {}
    ids = [c.id for c in ended]
    found: dict[int, dict[str, Any]] = {c.id: {"ended_at": c.updated_at, "end_reason": None} for c in ended}
    for pk, archived_at in session.execute(
        select(Customer.id, ArchiveRecord.archived_at)
        .join(ArchiveRecord, ArchiveRecord.customer_number == Customer.customer_id)
        .where(Customer.id.in_(ids), ArchiveRecord.kind == "customer")
        .order_by(ArchiveRecord.id)
    ):
        found[pk]["ended_at"] = archived_at
    for order in session.execute(
        select(Order)
        .where(Order.customer_id.in_(ids), Order.type == "terminate_customer", Order.status == OrderStatus.CLOSED.value)
        .order_by(Order.id)
    ).scalars():
        found[order.customer_id] = {
            "ended_at": order.closed_at or found[order.customer_id]["ended_at"],
            "end_reason": (order.payload or {}).get("reason"),
        }
    return found


def _primary(certificates: list[Certificate]) -> Certificate | None:
    """The primary certificate (the lowest id among primaries), else the first."""
    primaries = [c for c in certificates if c.is_primary]
    return (primaries or certificates or [None])[0]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"Not JSON: {type(value).__name__}")


def _clean(document: dict[str, Any]) -> dict[str, Any]:
    """Without empty values: an import row or a resource says only what is known."""
    return {k: v for k, v in document.items() if v not in (None, "", [], {})}


# --- the import format -------------------------------------------------------------------------------


def _import_row(record: dict[str, Any]) -> dict[str, Any]:
    c: Customer = record["customer"]
    cert = _primary(record["certificates"])
    addresses: list[Address] = record["addresses"]
    living = next((a for a in addresses if a.address_type == "living"), None)
    id_address = next((a for a in addresses if a.address_type == "id"), None)
    others = [a for a in addresses if a is not living and a is not id_address]
    prefs: Preference | None = (record["preferences"] or [None])[0]
    row = {
        "customer_id": c.customer_id,
        "type": c.type,
        "cert_type": cert.cert_type if cert else None,
        "cert_number": cert.cert_number if cert else None,
        "cert_country": cert.cert_country if cert else None,
        "first_name": c.first_name,
        "middle_name": c.middle_name,
        "last_name": c.last_name,
        "organization_name": c.organization_name,
        "gender": c.gender,
        "title": c.title,
        "nationality": c.nationality,
        "birthplace": c.birthplace,
        "birthday": c.birthday,
        "email": c.email,
        "mobile": c.mobile,
        "address": living.detail if living else None,
        "city": living.city if living else None,
        "region": living.region if living else None,
        "postal_code": living.postal_code if living else None,
        "id_address": id_address.detail if id_address else None,
        "social_id": c.social_id,
        "login_name": c.login_name,
        "belief": c.belief,
        "contacts": [
            _clean(
                {
                    "contact_type": k.contact_type,
                    "first_name": k.first_name,
                    "middle_name": k.middle_name,
                    "last_name": k.last_name,
                    "title": k.title,
                    "method": k.method,
                    "value": k.value,
                }
            )
            for k in record["contacts"]
        ],
        "addresses": [
            _clean(
                {
                    "address_type": a.address_type,
                    "region": a.region,
                    "city": a.city,
                    "detail": a.detail,
                    "postal_code": a.postal_code,
                    "country": a.country,
                    "contact_point": a.contact_point,
                }
            )
            for a in others
        ],
        "preferences": _clean(
            {
                "currency": prefs.currency,
                "language": prefs.language,
                "written_language": prefs.written_language,
                "dnd_channel": prefs.dnd_channel,
                "dnd_days": prefs.dnd_days,
                "dnd_start": prefs.dnd_start,
                "dnd_end": prefs.dnd_end,
            }
        )
        if prefs
        else None,
        "social_accounts": [{"provider": s.provider, "subject": s.subject} for s in record["social_accounts"]],
    }
    return _clean(row)
