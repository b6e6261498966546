"""Durable orders, their steps, and what the simulated external systems received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, fk, when
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.models.operators import Operator


class Order(SQLModel, table=True):
    """A durable piece of work (deregistration, suspension, ...) made of ordered steps."""

    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True)
    order_number: str = Field(max_length=24, unique=True)
    type: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16, index=True)
    customer_id: int | None = fk(Customer, nullable=True)
    subscriber_id: int | None = fk(Subscriber, nullable=True)
    effective_at: datetime | None = when(index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_by: int | None = fk(Operator, nullable=True, index=False)
    created_at: datetime = created()
    closed_at: datetime | None = when()
    version: int = 1
    lease_owner: str | None = Field(default=None, max_length=96)
    """The runner holding the order while it is `running` (host:pid:token); see services/orders/lease.py."""
    lease_expires_at: datetime | None = when()


class OrderStep(SQLModel, table=True):
    """One step of an order; idempotent, keyed for the external system."""

    __tablename__ = "order_steps"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = fk("orders.id", index=False)
    seq: int
    name: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    answer: str | None = Field(default=None, max_length=200)
    """What the external system answered when the step was done (`HTTP 200 · 2 tries · 41 ms`)."""
    idempotency_key: str = Field(max_length=80, unique=True)
    started_at: datetime | None = when()
    done_at: datetime | None = when()


class ExternalRequest(SQLModel, table=True):
    """What a simulated external system received: one row a request, with its idempotency key."""

    __tablename__ = "external_requests"

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=16)
    operation: str = Field(max_length=32)
    idempotency_key: str = Field(max_length=80, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    outcome: str = Field(default="ok", max_length=16)
    created_at: datetime = created()
