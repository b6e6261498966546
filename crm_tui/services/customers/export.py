"""Export customers for other systems (`crm-tui customers export`): one JSON object per line.

Two shapes:
- `jsonl`: the import format (CLI.md, `data/examples/customer.json`), so an export of one
  database imports into another (`crm-tui customers import`); `customer_id` is added for the
  reader and ignored by the import (the target issues its own IDs). Secrets never leave: service
  passwords and security answers are stored as Argon2id hashes and are not exported.
- `tmf629`: the TM Forum Customer Management API (TMF629 v4) `Customer` resource: id, href, name,
  status, validFor, engagedParty, contactMedium (email, phone, postal addresses), account,
  characteristic (identifications, birthday, gender, nationality, languages, credit level and
  limit: TMF629's creditProfile wants a numeric risk rating, which we do not keep).

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

from crm_tui.domain import HIDDEN_STATUSES, CustomerStatus, Role
from crm_tui.errors import InvalidInput
from crm_tui.services.context import Services
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models import (
    Account,
    Address,
    Certificate,
    Contact,
    Customer,
    Preference,
    SocialAccount,
)

FORMATS = ("jsonl", "tmf629")
BATCH_SIZE = 1000
DEFAULT_STATUSES = tuple(s.value for s in CustomerStatus if s.value not in HIDDEN_STATUSES)
"""Merged customers live on in their survivor; erased ones are gone."""
TMF629_BASE = "/tmf-api/customerManagement/v4/customer"
TMF629_STATUS = {
    "active": "Approved",
    "idle": "Approved",
    "suspended": "Suspended",
    "terminated": "Terminated",
    "archived": "Terminated",
}
"""Our lifecycle in the words TMF629 examples use (`status` is free text there); ours goes in statusReason."""


class ExportReport(View):
    format: str
    customers: int
    statuses: list[str]


def _checked(actor: Actor | None, format: str, statuses: Sequence[str] | None) -> tuple[str, ...]:  # noqa: A002
    """The statuses to export, once the actor may export and the options are known; else why not."""
    require_role(actor, Role.ADMIN, doing="export customers")
    if format not in FORMATS:
        raise InvalidInput(
            f"Unknown export format {format!r}; one of {', '.join(FORMATS)}.", fields={"format": "jsonl or tmf629."}
        )
    if not statuses:
        return DEFAULT_STATUSES
    chosen = tuple(dict.fromkeys(s.strip().lower() for s in statuses))
    unknown = [s for s in chosen if s not in DEFAULT_STATUSES]
    if unknown:
        raise InvalidInput(
            f"Cannot export customers in state {', '.join(unknown)}; one of {', '.join(DEFAULT_STATUSES)}.",
            fields={"status": "Unknown or not exportable."},
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
    shape = _import_row if format == "jsonl" else _tmf629
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
        yield [{"customer": c, **{name: grouped.get(c.id, []) for name, grouped in related.items()}} for c in customers]


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


# --- TMF629 ---------------------------------------------------------------------------------------------


def _e164(number: str) -> str:
    """A stored phone number (E.164 digits) as E.164 with its plus, as TMF629 consumers expect."""
    return f"+{number}" if number.isdigit() else number


def _characteristic(name: str, value: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "valueType": "string"}


def _tmf629(record: dict[str, Any]) -> dict[str, Any]:
    c: Customer = record["customer"]
    party_type = "Organization" if c.type == "organization" else "Individual"
    media: list[dict[str, Any]] = []
    if c.email:
        media.append(
            {
                "mediumType": "email",
                "preferred": True,
                "characteristic": {"contactType": "email", "emailAddress": c.email},
            }
        )
    if c.mobile:
        media.append(
            {
                "mediumType": "mobile",
                "preferred": not c.email,
                "characteristic": {"contactType": "mobile", "phoneNumber": _e164(c.mobile)},
            }
        )
    for k in record["contacts"]:
        key = {"email": "emailAddress", "mobile": "phoneNumber", "landline": "phoneNumber"}.get(
            k.method, "socialNetworkId"
        )
        value = _e164(k.value_normalized) if key == "phoneNumber" else k.value
        name = " ".join(p for p in (k.first_name, k.middle_name, k.last_name) if p)
        media.append(
            {
                "mediumType": k.method,
                "preferred": False,
                "characteristic": _clean({"contactType": k.contact_type, key: value, "contactName": name}),
            }
        )
    for a in record["addresses"]:
        media.append(
            {
                "mediumType": "postalAddress",
                "preferred": a.address_type == "living",
                "characteristic": _clean(
                    {
                        "contactType": a.address_type,
                        "street1": a.detail,
                        "city": a.city,
                        "stateOrProvince": a.region,
                        "postCode": a.postal_code,
                        "country": a.country,
                    }
                ),
            }
        )
    characteristics = [
        _characteristic(name, value)
        for name, value in (
            ("customerType", c.type),
            ("gender", c.gender),
            ("title", c.title),
            ("birthDate", c.birthday.isoformat() if c.birthday else None),
            ("nationality", c.nationality),
            ("placeOfBirth", c.birthplace),
            ("creditLevel", c.credit_level),
            ("creditLimit", str(c.credit_limit)),
        )
        if value
    ]
    for cert in record["certificates"]:
        characteristics.append(
            {
                "name": "identification",
                "valueType": "object",
                "value": _clean(
                    {
                        "identificationType": cert.cert_type,
                        "identificationId": cert.cert_number,
                        "issuingCountry": cert.cert_country,
                        "isPrimary": cert.is_primary,
                        "validUntil": cert.expires_on,
                    }
                ),
            }
        )
    for prefs in record["preferences"]:
        characteristics.extend(
            _characteristic(n, v)
            for n, v in (
                ("preferredLanguage", prefs.language),
                ("writtenLanguage", prefs.written_language),
                ("currency", prefs.currency),
            )
            if v
        )
    for social in record["social_accounts"]:
        characteristics.append(
            {
                "name": "socialAccount",
                "valueType": "object",
                "value": {"provider": social.provider, "subject": social.subject},
            }
        )
    resource = {
        "id": c.customer_id,
        "href": f"{TMF629_BASE}/{c.customer_id}",
        "name": c.display_name,
        "status": TMF629_STATUS.get(c.status, c.status),
        "statusReason": c.status,
        "validFor": {"startDateTime": c.created_at},
        "engagedParty": {
            "id": c.customer_id,
            "name": c.display_name,
            "role": "Customer",
            "@referredType": party_type,
            "@type": "RelatedParty",
        },
        "contactMedium": media,
        "account": [
            {
                "id": a.account_code,
                "name": f"{a.payment_type} account",
                "@referredType": "BillingAccount",
                "@type": "AccountRef",
            }
            for a in record["accounts"]
        ],
        "characteristic": characteristics,
        "@type": "Customer",
    }
    return _clean(resource)
