"""SQLModel tables for the whole domain of DESIGN.md.

Every natural key is a UNIQUE constraint (two terminals can never create the same identity) and
every lookup key is indexed. Enumerated values are stored as their slugs (`crm_tui.domain`);
money is `Numeric(14, 2)`; times are aware UTC (`UTCDateTime`). Constraint names follow the
metadata's naming convention so Alembic batch migrations on SQLite can find them.

Over 400 lines on purpose: the schema reads best in one place (tables refer to each other by
name, and the migrations are written against this one metadata).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from crm_tui.storage.types import UTCDateTime, utcnow

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.model_config["defer_build"] = True
"""Every class here is a table: pydantic builds a table's validator only if something validates
through it (nothing on the hot paths does), not for each of the 30 classes at import. Every CLI
command imports these models; this saves about a fifth of their import time (issue 21)."""

MONEY = Numeric(14, 2)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _when(index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


def _money() -> Any:
    return Field(default=Decimal("0.00"), sa_type=MONEY, nullable=False)


def _fk(target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None) -> Any:
    return Field(
        default=None,
        sa_column_args=[ForeignKey(target, ondelete=ondelete)],
        sa_type=Integer,
        nullable=nullable,
        index=index,
    )


# --- operators -------------------------------------------------------------------------------


class Operator(SQLModel, table=True):
    """A person who signs in: CSR, supervisor or admin."""

    __tablename__ = "operators"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=128)
    role: str = Field(max_length=16)
    shop: str = Field(default="", max_length=128)
    language: str | None = Field(default=None, max_length=16)
    """The operator's language for screens and formats (`es`, `en`, `es_ES`); none: CRM_LOCALE or the system's."""
    password_hash: str = Field(max_length=256)
    failed_sign_ins: int = 0
    locked_at: datetime | None = _when()
    is_active: bool = True
    created_at: datetime = _created()
    last_sign_in_at: datetime | None = _when()


# --- customers -------------------------------------------------------------------------------


class Customer(SQLModel, table=True):
    """A customer identity: the one record the whole enterprise refers to by `customer_id`."""

    __tablename__ = "customers"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(max_length=16, unique=True)
    type: str = Field(default="individual", max_length=16)
    status: str = Field(default="idle", max_length=16, index=True)
    merged_into_id: int | None = _fk("customers.id", nullable=True)
    first_name: str | None = Field(default=None, max_length=100)
    middle_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    organization_name: str | None = Field(default=None, max_length=200)
    display_name: str = Field(max_length=300)
    name_search: str = Field(max_length=300, index=True)
    gender: str | None = Field(default=None, max_length=16)
    title: str | None = Field(default=None, max_length=16)
    nationality: str | None = Field(default=None, max_length=2)
    birthplace: str | None = Field(default=None, max_length=100)
    birthday: date | None = Field(default=None, index=True)
    email: str | None = Field(default=None, max_length=254, index=True)
    mobile: str | None = Field(default=None, max_length=20, index=True)
    social_id: str | None = Field(default=None, max_length=64)
    login_name: str | None = Field(default=None, max_length=32, unique=True, index=True)
    """Optional sign-in name, stored lower-case so uniqueness is case-insensitive on both engines."""
    belief: str | None = Field(default=None, max_length=64)
    credit_level: str = Field(default="B", max_length=2)
    credit_limit: Decimal = _money()
    created_at: datetime = _created()
    updated_at: datetime = _created()
    created_by: int | None = _fk("operators.id", nullable=True, index=False)
    version: int = 1
    incomplete: bool = Field(default=False, index=True, sa_column_kwargs={"server_default": false()})
    """Imported from a legacy system without a usable birthday (issue 14.5): kept, flagged, listed by
    `customers list --incomplete`; an edit that gives a valid birthday clears it."""


class Certificate(SQLModel, table=True):
    """An identity document; (type, number, issuing country) identifies one customer only."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("cert_type", "cert_number", "cert_country"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    cert_type: str = Field(max_length=32)
    cert_number: str = Field(max_length=40, index=True)
    cert_country: str = Field(max_length=2)
    is_primary: bool = True
    expires_on: date | None = None
    created_at: datetime = _created()
    retired_at: datetime | None = _when()
    """Set when the customer no longer holds it (replaced, lost): kept as history, never the primary."""


class Contact(SQLModel, table=True):
    """A contact person or method of a customer (mobile, email, landline, social)."""

    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    contact_type: str = Field(default="primary", max_length=32)
    first_name: str | None = Field(default=None, max_length=100)
    middle_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=16)
    method: str = Field(max_length=16)
    value: str = Field(max_length=254)
    value_normalized: str = Field(max_length=254, index=True)


class Address(SQLModel, table=True):
    """A postal address of a customer: ID address, living address, billing address."""

    __tablename__ = "addresses"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    address_type: str = Field(default="living", max_length=16)
    region: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=100)
    detail: str = Field(max_length=300)
    postal_code: str | None = Field(default=None, max_length=16)
    country: str | None = Field(default=None, max_length=2)
    contact_point: str | None = Field(default=None, max_length=100)


class Attachment(SQLModel, table=True):
    """A scanned document stored under the data folder by content hash."""

    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    filename: str = Field(max_length=255)
    content_hash: str = Field(max_length=64, index=True)
    media_type: str = Field(max_length=64)
    size_bytes: int
    uploaded_by: int | None = _fk("operators.id", nullable=True, index=False)
    uploaded_at: datetime = _created()


class Preference(SQLModel, table=True):
    """How a customer wants to be served: currency, languages, do-not-disturb."""

    __tablename__ = "preferences"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column_args=[ForeignKey("customers.id")], unique=True)
    currency: str = Field(default="EUR", max_length=3)
    language: str | None = Field(default=None, max_length=8)
    written_language: str | None = Field(default=None, max_length=8)
    dnd_channel: str | None = Field(default=None, max_length=16)
    dnd_days: str | None = Field(default=None, max_length=32)
    dnd_start: str | None = Field(default=None, max_length=5)
    dnd_end: str | None = Field(default=None, max_length=5)


class AuthenticationInfo(SQLModel, table=True):
    """Service password and security question; only Argon2id hashes are stored."""

    __tablename__ = "authentication_info"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column_args=[ForeignKey("customers.id")], unique=True)
    service_password_hash: str | None = Field(default=None, max_length=256)
    security_question: str | None = Field(default=None, max_length=200)
    security_answer_hash: str | None = Field(default=None, max_length=256)
    failed_attempts: int = 0
    locked_at: datetime | None = _when()


class SocialAccount(SQLModel, table=True):
    """A linked social account: the customer may sign in and be found by it."""

    __tablename__ = "social_accounts"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    provider: str = Field(max_length=32)
    subject: str = Field(max_length=128)
    linked_at: datetime = _created()


# --- accounts, offerings, subscribers --------------------------------------------------------


class Account(SQLModel, table=True):
    """A payment account: prepaid or postpaid, with its balance."""

    __tablename__ = "accounts"

    id: int | None = Field(default=None, primary_key=True)
    account_code: str = Field(max_length=20, unique=True)
    customer_id: int = _fk("customers.id")
    payment_type: str = Field(default="postpaid", max_length=16)
    currency: str = Field(default="EUR", max_length=3)
    balance: Decimal = _money()
    status: str = Field(default="active", max_length=16)
    created_at: datetime = _created()


class Offering(SQLModel, table=True):
    """A product in the catalog; a primary offering carries a line and maybe a contract."""

    __tablename__ = "offerings"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    kind: str = Field(default="primary", max_length=16)
    network_type: str = Field(default="4G", max_length=8)
    payment_type: str = Field(default="postpaid", max_length=16)
    brand: str = Field(default="", max_length=64)
    monthly_fee: Decimal = _money()
    commitment_months: int = 0
    penalty_amount: Decimal = _money()
    prolongation: str = Field(default="none", max_length=16)
    is_active: bool = True


LIVE_LINE = "status IN ('active', 'suspended')"


def _unique_among_live_lines(column: str) -> Index:
    """A number or SIM belongs to one live line; deactivated lines keep theirs as history."""
    return Index(
        f"uq_subscribers_live_{column}",
        column,
        unique=True,
        sqlite_where=text(LIVE_LINE),
        postgresql_where=text(LIVE_LINE),
    )


class Subscriber(SQLModel, table=True):
    """A line: service number (MSISDN), SIM (ICCID, IMSI), offering and state."""

    __tablename__ = "subscribers"
    __table_args__ = tuple(_unique_among_live_lines(c) for c in ("service_number", "iccid", "imsi"))

    id: int | None = Field(default=None, primary_key=True)
    service_number: str = Field(max_length=20, index=True)
    iccid: str = Field(max_length=22, index=True)
    imsi: str = Field(max_length=15, index=True)
    customer_id: int = _fk("customers.id")
    account_id: int = _fk("accounts.id")
    offering_id: int = _fk("offerings.id")
    network_type: str = Field(default="4G", max_length=8)
    payment_type: str = Field(default="postpaid", max_length=16)
    user_type: str = Field(default="individual", max_length=16)
    brand: str = Field(default="", max_length=64)
    status: str = Field(default="active", max_length=16, index=True)
    status_reason: str | None = Field(default=None, max_length=32)
    status_since: datetime = _created()
    activated_at: datetime | None = _when()
    latest_activation_at: datetime | None = _when()
    valid_from: date | None = None
    expires_on: date | None = None
    language: str | None = Field(default=None, max_length=8)
    written_language: str | None = Field(default=None, max_length=8)
    version: int = 1


class Contract(SQLModel, table=True):
    """A commitment on an offering; leaving early costs a penalty."""

    __tablename__ = "contracts"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = _fk("subscribers.id")
    offering_id: int = _fk("offerings.id", index=False)
    name: str = Field(max_length=128)
    status: str = Field(default="active", max_length=16)
    effective_on: date
    expires_on: date
    duration_months: int
    prolongation: str = Field(default="none", max_length=16)
    penalty_amount: Decimal = _money()


class NumberPoolEntry(SQLModel, table=True):
    """A service number in inventory: available, in use, or frozen until a date."""

    __tablename__ = "number_pool"

    id: int | None = Field(default=None, primary_key=True)
    service_number: str = Field(max_length=20, unique=True)
    state: str = Field(default="available", max_length=16, index=True)
    is_golden: bool = False
    fee: Decimal = _money()
    frozen_until: datetime | None = _when(index=True)
    subscriber_id: int | None = _fk("subscribers.id", nullable=True, index=False)
    version: int = 1


class SimCard(SQLModel, table=True):
    """A SIM card in inventory, with its ICCID and IMSI."""

    __tablename__ = "sim_pool"

    id: int | None = Field(default=None, primary_key=True)
    iccid: str = Field(max_length=22, unique=True)
    imsi: str = Field(max_length=15, unique=True)
    state: str = Field(default="available", max_length=16, index=True)
    subscriber_id: int | None = _fk("subscribers.id", nullable=True, index=False)
    version: int = 1


class BlacklistEntry(SQLModel, table=True):
    """A person the operator will not serve (ban) or serves with care (warn)."""

    __tablename__ = "blacklist"

    id: int | None = Field(default=None, primary_key=True)
    cert_type: str | None = Field(default=None, max_length=32)
    cert_number: str | None = Field(default=None, max_length=40, index=True)
    cert_country: str | None = Field(default=None, max_length=2)
    name_search: str | None = Field(default=None, max_length=300)
    birthday: date | None = Field(default=None, index=True)
    severity: str = Field(default="ban", max_length=8)
    reason: str = Field(max_length=200)
    expires_at: datetime | None = _when()
    created_at: datetime = _created()
    created_by: int | None = _fk("operators.id", nullable=True, index=False)
    lifted_at: datetime | None = _when()
    """When a supervisor lifted the entry: it stops matching but stays as history (never deleted)."""
    lifted_by: int | None = _fk("operators.id", nullable=True, index=False)
    lift_reason: str | None = Field(default=None, max_length=200)


# --- money -----------------------------------------------------------------------------------


class Charge(SQLModel, table=True):
    """Money owed or returned: a bill, a penalty, a fee, a refund."""

    __tablename__ = "charges"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _fk("accounts.id")
    subscriber_id: int | None = _fk("subscribers.id", nullable=True)
    order_id: int | None = _fk("orders.id", nullable=True)
    kind: str = Field(default="bill", max_length=16)
    description: str = Field(default="", max_length=200)
    amount: Decimal = _money()
    currency: str = Field(default="EUR", max_length=3)
    status: str = Field(default="outstanding", max_length=16, index=True)
    due_on: date | None = None
    created_at: datetime = _created()
    receipt_number: str | None = Field(default=None, max_length=32, index=True)
    """The receipt (a Payment) that took or returned this money; empty while the charge is unpaid."""


class Payment(SQLModel, table=True):
    """Money received (or, kind `refund`, paid back: a negative amount), with its receipt number."""

    __tablename__ = "payments"

    id: int | None = Field(default=None, primary_key=True)
    receipt_number: str = Field(max_length=32, unique=True)
    kind: str = Field(default="payment", max_length=16, sa_column_kwargs={"server_default": "payment"})
    account_id: int = _fk("accounts.id")
    order_id: int | None = _fk("orders.id", nullable=True)
    amount: Decimal = _money()
    currency: str = Field(default="EUR", max_length=3)
    method: str = Field(max_length=16)
    operator_id: int | None = _fk("operators.id", nullable=True, index=False)
    created_at: datetime = _created()


# --- interactions, orders, events --------------------------------------------------------------


class Interaction(SQLModel, table=True):
    """Every contact with the customer, captured automatically."""

    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_customer_at", "customer_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id", index=False)
    operator_id: int | None = _fk("operators.id", nullable=True, index=False)
    channel: str = Field(default="shop", max_length=16)
    kind: str = Field(max_length=32)
    key_kind: str | None = Field(default=None, max_length=32)
    summary: str = Field(default="", max_length=500)
    shop: str | None = Field(default=None, max_length=128)
    created_at: datetime = _created()


class Order(SQLModel, table=True):
    """A durable piece of work (deregistration, suspension, ...) made of ordered steps."""

    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True)
    order_number: str = Field(max_length=24, unique=True)
    type: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16, index=True)
    customer_id: int | None = _fk("customers.id", nullable=True)
    subscriber_id: int | None = _fk("subscribers.id", nullable=True)
    effective_at: datetime | None = _when(index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_by: int | None = _fk("operators.id", nullable=True, index=False)
    created_at: datetime = _created()
    closed_at: datetime | None = _when()
    version: int = 1
    lease_owner: str | None = Field(default=None, max_length=96)
    """The runner holding the order while it is `running` (host:pid:token); see services/orders/lease.py."""
    lease_expires_at: datetime | None = _when()


class OrderStep(SQLModel, table=True):
    """One step of an order; idempotent, keyed for the external system."""

    __tablename__ = "order_steps"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = _fk("orders.id", index=False)
    seq: int
    name: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    answer: str | None = Field(default=None, max_length=200)
    """What the external system answered when the step was done (`HTTP 200 · 2 tries · 41 ms`)."""
    idempotency_key: str = Field(max_length=80, unique=True)
    started_at: datetime | None = _when()
    done_at: datetime | None = _when()


class ExternalRequest(SQLModel, table=True):
    """What a simulated external system received: one row a request, with its idempotency key."""

    __tablename__ = "external_requests"

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=16)
    operation: str = Field(max_length=32)
    idempotency_key: str = Field(max_length=80, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    outcome: str = Field(default="ok", max_length=16)
    created_at: datetime = _created()


class OutboxEvent(SQLModel, table=True):
    """Who must be told: written in the same transaction as the change, sent later."""

    __tablename__ = "outbox_events"

    id: int | None = Field(default=None, primary_key=True)
    event_type: str = Field(max_length=64, index=True)
    aggregate_type: str = Field(max_length=32)
    aggregate_id: str = Field(max_length=32, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _created()
    dispatched_at: datetime | None = _when(index=True)
    status: str = Field(default="pending", max_length=16)
    """pending, sent, skipped (nobody to tell it to), failed (tries ran out: a supervisor's queue)."""
    channel: str | None = Field(default=None, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = _when()
    claimed_by: str | None = Field(default=None, max_length=96)
    claim_expires_at: datetime | None = _when()
    last_error: str | None = Field(default=None, max_length=300)


# --- archive, audit, de-duplication, queues ------------------------------------------------------


class ArchiveRecord(SQLModel, table=True):
    """History storage of a terminated customer or subscriber, kept until its retention date."""

    __tablename__ = "archive_records"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    customer_number: str = Field(max_length=16, index=True)
    subject_key: str | None = Field(default=None, max_length=64, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    consent: bool = False
    archived_at: datetime = _created()
    retain_until: datetime | None = _when(index=True)
    erased_at: datetime | None = _when()


class AuditEntry(SQLModel, table=True):
    """Append-only, hash-chained record of every change made through a service."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _created()
    operator: str = Field(max_length=64)
    role: str = Field(max_length=16)
    action: str = Field(max_length=64, index=True)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=32, index=True)
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
    key_id: str | None = Field(default=None, max_length=16)
    """Which audit key signed the entry (services/shared/audit.py); NULL before keys existed."""


class DuplicateCandidate(SQLModel, table=True):
    """A pair of customers that may be one person, with the score and the reasons."""

    __tablename__ = "duplicate_candidates"
    __table_args__ = (UniqueConstraint("customer_a_id", "customer_b_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_a_id: int = _fk("customers.id", index=False)
    customer_b_id: int = _fk("customers.id")
    score: float
    reasons: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="open", max_length=16, index=True)
    found_at: datetime = _created()


class MatchModelRecord(SQLModel, table=True):
    """A trained duplicate-matching model (`services.customers.linkage`): the newest one is in force."""

    __tablename__ = "match_models"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=40, unique=True)
    trained_at: datetime = _created()
    trained_by: int | None = _fk("operators.id", nullable=True, index=False)
    records: int = 0
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class MergeRecord(SQLModel, table=True):
    """A merge of one customer into another, with the full before-image so it can be undone."""

    __tablename__ = "merge_records"

    id: int | None = Field(default=None, primary_key=True)
    survivor_id: int = _fk("customers.id")
    merged_id: int = _fk("customers.id")
    before_image: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    merged_by: int | None = _fk("operators.id", nullable=True, index=False)
    merged_at: datetime = _created()
    unmerged_at: datetime | None = _when()


class QueueItem(SQLModel, table=True):
    """A piece of work waiting for a supervisor, in one of the queues."""

    __tablename__ = "queue_items"
    __table_args__ = (
        UniqueConstraint("queue", "ref_type", "ref_id"),
        Index("ix_queue_items_queue_status", "queue", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    queue: str = Field(max_length=32)
    ref_type: str = Field(max_length=32)
    ref_id: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16)
    reason: str = Field(default="", max_length=300)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    claimed_by: int | None = _fk("operators.id", nullable=True, index=False)
    claimed_at: datetime | None = _when()
    decided_by: int | None = _fk("operators.id", nullable=True, index=False)
    decided_at: datetime | None = _when()
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()
    version: int = 1


class IdSequence(SQLModel, table=True):
    """Counters for issued numbers on engines without sequences (SQLite); never goes back."""

    __tablename__ = "id_sequences"

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0
