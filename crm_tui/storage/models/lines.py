"""Payment accounts, the catalogue's offerings, lines (subscribers) with their contracts, and the
number and SIM pools."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, fk, money, when
from crm_tui.storage.models.customers import Customer


class Account(SQLModel, table=True):
    """A payment account: prepaid or postpaid, with its balance."""

    __tablename__ = "accounts"

    id: int | None = Field(default=None, primary_key=True)
    account_code: str = Field(max_length=20, unique=True)
    customer_id: int = fk(Customer)
    payment_type: str = Field(default="postpaid", max_length=16)
    currency: str = Field(default="EUR", max_length=3)
    balance: Decimal = money()
    status: str = Field(default="active", max_length=16)
    created_at: datetime = created()


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
    monthly_fee: Decimal = money()
    commitment_months: int = 0
    penalty_amount: Decimal = money()
    prolongation: str = Field(default="none", max_length=16)
    is_active: bool = True


LIVE_LINE = "status IN ('active', 'suspended')"


def _unique_among_live_lines(column: str) -> Index:
    """A number or SIM belongs to one live line; deactivated lines keep theirs as history.

    Partial on both engines (migration 0001 makes it so). Only SQLite's WHERE is named here: naming
    an option of PostgreSQL's loads its dialect, about 50 ms of every command run on SQLite.
    `crm_tui.storage.schema`, which what needs the whole schema imports, adds PostgreSQL's.
    """
    return Index(f"uq_subscribers_live_{column}", column, unique=True, sqlite_where=text(LIVE_LINE))


LIVE_LINE_INDEXES = tuple(_unique_among_live_lines(c) for c in ("service_number", "iccid", "imsi"))


class Subscriber(SQLModel, table=True):
    """A line: service number (MSISDN), SIM (ICCID, IMSI), offering and state."""

    __tablename__ = "subscribers"
    __table_args__ = LIVE_LINE_INDEXES

    id: int | None = Field(default=None, primary_key=True)
    service_number: str = Field(max_length=20, index=True)
    iccid: str = Field(max_length=22, index=True)
    imsi: str = Field(max_length=15, index=True)
    customer_id: int = fk(Customer)
    account_id: int = fk("accounts.id")
    offering_id: int = fk("offerings.id")
    network_type: str = Field(default="4G", max_length=8)
    payment_type: str = Field(default="postpaid", max_length=16)
    user_type: str = Field(default="individual", max_length=16)
    brand: str = Field(default="", max_length=64)
    status: str = Field(default="active", max_length=16, index=True)
    status_reason: str | None = Field(default=None, max_length=32)
    status_since: datetime = created()
    activated_at: datetime | None = when()
    latest_activation_at: datetime | None = when()
    valid_from: date | None = None
    expires_on: date | None = None
    language: str | None = Field(default=None, max_length=8)
    written_language: str | None = Field(default=None, max_length=8)
    version: int = 1


class Contract(SQLModel, table=True):
    """A commitment on an offering; leaving early costs a penalty."""

    __tablename__ = "contracts"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = fk("subscribers.id")
    offering_id: int = fk("offerings.id", index=False)
    name: str = Field(max_length=128)
    status: str = Field(default="active", max_length=16)
    effective_on: date
    expires_on: date
    duration_months: int
    prolongation: str = Field(default="none", max_length=16)
    penalty_amount: Decimal = money()


class NumberPoolEntry(SQLModel, table=True):
    """A service number in inventory: available, in use, or frozen until a date."""

    __tablename__ = "number_pool"

    id: int | None = Field(default=None, primary_key=True)
    service_number: str = Field(max_length=20, unique=True)
    state: str = Field(default="available", max_length=16, index=True)
    is_golden: bool = False
    fee: Decimal = money()
    frozen_until: datetime | None = when(index=True)
    subscriber_id: int | None = fk("subscribers.id", nullable=True, index=False)
    version: int = 1


class SimCard(SQLModel, table=True):
    """A SIM card in inventory, with its ICCID and IMSI."""

    __tablename__ = "sim_pool"

    id: int | None = Field(default=None, primary_key=True)
    iccid: str = Field(max_length=22, unique=True)
    imsi: str = Field(max_length=15, unique=True)
    state: str = Field(default="available", max_length=16, index=True)
    subscriber_id: int | None = fk("subscribers.id", nullable=True, index=False)
    version: int = 1
