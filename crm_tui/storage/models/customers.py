"""A customer identity and what hangs on it: documents, contacts, addresses, files, preferences,
authentication, linked social accounts, and the interactions with them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, fk, money, when
from crm_tui.storage.models.operators import Operator


class Customer(SQLModel, table=True):
    """A customer identity: the one record the whole enterprise refers to by `customer_id`."""

    __tablename__ = "customers"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(max_length=16, unique=True)
    type: str = Field(default="individual", max_length=16)
    status: str = Field(default="idle", max_length=16, index=True)
    merged_into_id: int | None = fk("customers.id", nullable=True)
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
    credit_limit: Decimal = money()
    created_at: datetime = created()
    updated_at: datetime = created()
    created_by: int | None = fk(Operator, nullable=True, index=False)
    version: int = 1
    incomplete: bool = Field(default=False, index=True, sa_column_kwargs={"server_default": false()})
    """Imported from a legacy system without a usable birthday (issue 14.5): kept, flagged, listed by
    `customers list --incomplete`; an edit that gives a valid birthday clears it."""


class Certificate(SQLModel, table=True):
    """An identity document; (type, number, issuing country) identifies one customer only."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("cert_type", "cert_number", "cert_country"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = fk("customers.id")
    cert_type: str = Field(max_length=32)
    cert_number: str = Field(max_length=40, index=True)
    cert_country: str = Field(max_length=2)
    is_primary: bool = True
    expires_on: date | None = None
    created_at: datetime = created()
    retired_at: datetime | None = when()
    """Set when the customer no longer holds it (replaced, lost): kept as history, never the primary."""


class Contact(SQLModel, table=True):
    """A contact person or method of a customer (mobile, email, landline, social)."""

    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = fk("customers.id")
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
    customer_id: int = fk("customers.id")
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
    customer_id: int = fk("customers.id")
    filename: str = Field(max_length=255)
    content_hash: str = Field(max_length=64, index=True)
    media_type: str = Field(max_length=64)
    size_bytes: int
    uploaded_by: int | None = fk(Operator, nullable=True, index=False)
    uploaded_at: datetime = created()


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
    locked_at: datetime | None = when()


class SocialAccount(SQLModel, table=True):
    """A linked social account: the customer may sign in and be found by it."""

    __tablename__ = "social_accounts"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = fk("customers.id")
    provider: str = Field(max_length=32)
    subject: str = Field(max_length=128)
    linked_at: datetime = created()


class Interaction(SQLModel, table=True):
    """Every contact with the customer, captured automatically."""

    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_customer_at", "customer_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = fk("customers.id", index=False)
    operator_id: int | None = fk(Operator, nullable=True, index=False)
    channel: str = Field(default="shop", max_length=16)
    kind: str = Field(max_length=32)
    key_kind: str | None = Field(default=None, max_length=32)
    summary: str = Field(default="", max_length=500)
    shop: str | None = Field(default=None, max_length=128)
    created_at: datetime = created()
