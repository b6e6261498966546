"""Writing an import batch at once: Core bulk inserts instead of one ORM registration per row.

A row that is only an identity (no line to take, no account to pay from, no attachment, social
account or login name: what other systems export) is written as `register_valid` would write it
(customer, certificate, contacts, addresses, preferences, authentication information, the
`register` interaction, the `customer.registered` outbox event) but for the whole batch at once:
one `executemany` a table, the customers with `INSERT ... RETURNING` for their row ids, their
customer IDs issued by `next_numbers` from the same sequence registration uses (safe beside
terminals registering at the same time, on both engines). No audit entry a row: the batch's import
ledger entry (`customer.import_batch`) lists the customer IDs it created, and holds no personal data.

The caller has already refused what would clash (a certificate with an owner, twice in the file);
if a terminal registers the same document between that look-up and the insert, the insert fails
as a whole and the caller writes the batch again row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Connection, Dialect, Table, insert

from crm_tui.domain import CustomerStatus
from crm_tui.identifiers import customer_id_for
from crm_tui.services.identity.registration_form import PreferenceInput, ValidRegistration
from crm_tui.services.shared import outbox
from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.customers import (
    Address,
    AuthenticationInfo,
    Certificate,
    Contact,
    Customer,
    Interaction,
    Preference,
)
from crm_tui.storage.models.outbox import OutboxEvent
from crm_tui.storage.sequences import next_numbers
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
INSERT_CUSTOMERS = insert(CUSTOMERS).returning(CUSTOMERS.c.customer_id, CUSTOMERS.c.id)
"""Row ids matched back by customer ID: asking RETURNING for the parameters' order makes SQLite insert
one row a statement."""
TABLES = {
    model.__tablename__: model.__table__  # type: ignore[attr-defined]
    for model in (Certificate, Contact, Address, Preference, AuthenticationInfo, Interaction, OutboxEvent)
}


class _Insert:
    """`INSERT INTO table (every column but id)` compiled once per engine, run as one DBAPI
    executemany: values pass each column type's own bind processor (stored as the ORM stores them),
    only SQLAlchemy's per-row parameter bookkeeping is skipped (a third of a batch's writing time)."""

    _compiled: ClassVar[dict[tuple[str, str], _Insert]] = {}

    def __init__(self, table: Table, dialect: Dialect) -> None:
        names = [column.name for column in table.columns if column.name != "id"]
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        order = list(compiled.positiontup or names) if self.positional else names
        self.columns = [(name, table.c[name].type._cached_bind_processor(dialect)) for name in order]
        self.defaults = {
            column.name: column.default.arg
            for column in table.columns
            if column.default is not None and column.default.is_scalar
        }

    @classmethod
    def of(cls, table: Table, dialect: Dialect) -> _Insert:
        key = (table.name, dialect.name)
        if key not in cls._compiled:
            cls._compiled[key] = cls(table, dialect)
        return cls._compiled[key]

    def run(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        params: list[Any] = []
        defaults = self.defaults
        for row in rows:
            values = []
            for name, process in self.columns:
                value = row.get(name, defaults.get(name))
                values.append(process(value) if process is not None and value is not None else value)
            params.append(
                tuple(values) if self.positional else dict(zip((n for n, _ in self.columns), values, strict=True))
            )
        connection.exec_driver_sql(self.sql, params)


DEFAULT_CREDIT_LEVEL = "B"
DEFAULT_CREDIT_LIMIT = Decimal("400.00")
"""What registration's checks give a customer who takes no line (registration_steps.Checks)."""


@dataclass(frozen=True)
class BatchRow:
    """A validated row ready to write: its line in the file and its secrets already hashed."""

    line: int
    valid: ValidRegistration
    password_hash: str | None
    answer_hash: str | None


def writes_in_bulk(valid: ValidRegistration) -> bool:
    """Only an identity: nothing registration does besides the rows written here."""
    form = valid.form
    return not (
        form.primary_offering
        or form.account_id
        or valid.files
        or form.social_accounts
        or valid.login_name
        or valid.service_number
    )


def write_batch(
    uow: UnitOfWork, rows: list[BatchRow], *, actor: Actor, now: datetime, currency: str, timezone: str
) -> list[str]:
    """Insert the rows' customers and everything registration writes with them; their customer IDs, in order."""
    if not rows:
        return []
    connection = uow.session.connection()
    numbers = next_numbers(uow.session, "customer_number", len(rows))
    customer_ids = [customer_id_for(number) for number in numbers]
    result = connection.execute(
        INSERT_CUSTOMERS,
        [_customer(row.valid, customer_id, actor, now) for row, customer_id in zip(rows, customer_ids, strict=True)],
    )
    pk_of = {customer_id: pk for customer_id, pk in result}
    pks = [pk_of[customer_id] for customer_id in customer_ids]
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    created = utcnow()
    for row, pk, customer_id in zip(rows, pks, customer_ids, strict=True):
        valid, form = row.valid, row.valid.form
        prefs = form.preferences or PreferenceInput()
        tables["certificates"].append(
            {
                "customer_id": pk,
                "cert_type": valid.cert_type.value,
                "cert_number": valid.cert_number,
                "cert_country": valid.cert_country,
                "is_primary": True,
                "created_at": now,
            }
        )
        tables["contacts"].extend(
            {
                "customer_id": pk,
                "contact_type": contact.contact_type or "primary",
                "first_name": contact.first_name or None,
                "middle_name": contact.middle_name or None,
                "last_name": contact.last_name or None,
                "title": contact.title or None,
                "method": contact.method,
                "value": contact.value,
                "value_normalized": normalized,
            }
            for contact, normalized in valid.contacts
        )
        tables["addresses"].extend(
            {
                "customer_id": pk,
                "address_type": address.address_type or "living",
                "region": address.region or None,
                "city": address.city or None,
                "detail": address.detail,
                "postal_code": address.postal_code or None,
                "country": address.country or None,
                "contact_point": address.contact_point or None,
            }
            for address in valid.addresses
        )
        tables["preferences"].append(
            {
                "customer_id": pk,
                "currency": (prefs.currency or currency).upper(),
                "language": prefs.language or form.language or None,
                "written_language": prefs.written_language or form.written_language or None,
                "dnd_channel": prefs.dnd_channel or None,
                "dnd_days": prefs.dnd_days or None,
                "dnd_start": prefs.dnd_start or None,
                "dnd_end": prefs.dnd_end or None,
            }
        )
        tables["authentication_info"].append(
            {
                "customer_id": pk,
                "service_password_hash": row.password_hash,
                "security_question": form.security_question or None,
                "security_answer_hash": row.answer_hash,
                "failed_attempts": 0,
            }
        )
        tables["interactions"].append(
            {
                "customer_id": pk,
                "operator_id": actor.id,
                "channel": "shop",
                "kind": "register",
                "summary": "Registered",
                "shop": actor.shop or None,
                "created_at": now,
            }
        )
        not_before = outbox.outside_do_not_disturb(
            now, start=prefs.dnd_start or None, end=prefs.dnd_end or None, zone=timezone
        )
        tables["outbox_events"].append(
            {
                "event_type": "customer.registered",
                "aggregate_type": "customer",
                "aggregate_id": customer_id,
                "payload": {
                    "channel": prefs.dnd_channel or ("email" if valid.email else "sms" if valid.mobile else "letter"),
                    "not_before": not_before.isoformat(),
                    "service_number": None,
                    "held": False,
                },
                "created_at": created,
                "status": "pending",
                "attempts": 0,
            }
        )
    for name, values in tables.items():
        if values:
            _Insert.of(TABLES[name], connection.dialect).run(connection, values)
    return customer_ids


def _customer(valid: ValidRegistration, customer_id: str, actor: Actor, now: datetime) -> dict[str, Any]:
    form = valid.form
    return {
        "customer_id": customer_id,
        "type": valid.type.value,
        "status": CustomerStatus.IDLE.value,
        "first_name": valid.first_name,
        "middle_name": valid.middle_name,
        "last_name": valid.last_name,
        "organization_name": valid.organization_name,
        "display_name": valid.display_name,
        "name_search": valid.name_search,
        "gender": valid.gender,
        "title": valid.title,
        "nationality": valid.nationality,
        "birthplace": valid.birthplace,
        "birthday": valid.birthday,
        "email": valid.email,
        "mobile": valid.mobile,
        "social_id": form.social_id or None,
        "login_name": None,
        "belief": form.belief or None,
        "credit_level": DEFAULT_CREDIT_LEVEL,
        "credit_limit": DEFAULT_CREDIT_LIMIT,
        "created_at": now,
        "updated_at": now,
        "created_by": actor.id,
        "version": 1,
        "incomplete": bool(valid.incomplete),
    }
