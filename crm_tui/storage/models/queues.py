"""Work waiting for a supervisor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, fk, when
from crm_tui.storage.models.operators import Operator


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
    claimed_by: int | None = fk(Operator, nullable=True, index=False)
    claimed_at: datetime | None = when()
    decided_by: int | None = fk(Operator, nullable=True, index=False)
    decided_at: datetime | None = when()
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = created()
    version: int = 1
