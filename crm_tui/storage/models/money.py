"""Money owed or returned (charges), and money received or paid back (payments, with receipts)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, fk, money
from crm_tui.storage.models.lines import Account, Subscriber
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.models.orders import Order


class Charge(SQLModel, table=True):
    """Money owed or returned: a bill, a penalty, a fee, a refund."""

    __tablename__ = "charges"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = fk(Account)
    subscriber_id: int | None = fk(Subscriber, nullable=True)
    order_id: int | None = fk(Order, nullable=True)
    kind: str = Field(default="bill", max_length=16)
    description: str = Field(default="", max_length=200)
    amount: Decimal = money()
    currency: str = Field(default="EUR", max_length=3)
    status: str = Field(default="outstanding", max_length=16, index=True)
    due_on: date | None = None
    created_at: datetime = created()
    receipt_number: str | None = Field(default=None, max_length=32, index=True)
    """The receipt (a Payment) that took or returned this money; empty while the charge is unpaid."""


class Payment(SQLModel, table=True):
    """Money received (or, kind `refund`, paid back: a negative amount), with its receipt number."""

    __tablename__ = "payments"

    id: int | None = Field(default=None, primary_key=True)
    receipt_number: str = Field(max_length=32, unique=True)
    kind: str = Field(default="payment", max_length=16, sa_column_kwargs={"server_default": "payment"})
    account_id: int = fk(Account)
    order_id: int | None = fk(Order, nullable=True)
    amount: Decimal = money()
    currency: str = Field(default="EUR", max_length=3)
    method: str = Field(max_length=16)
    operator_id: int | None = fk(Operator, nullable=True, index=False)
    created_at: datetime = created()
