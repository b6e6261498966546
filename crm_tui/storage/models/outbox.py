"""Who must be told what: events written with the change, sent later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, when


class OutboxEvent(SQLModel, table=True):
    """Who must be told: written in the same transaction as the change, sent later."""

    __tablename__ = "outbox_events"

    id: int | None = Field(default=None, primary_key=True)
    event_type: str = Field(max_length=64, index=True)
    aggregate_type: str = Field(max_length=32)
    aggregate_id: str = Field(max_length=32, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = created()
    dispatched_at: datetime | None = when(index=True)
    status: str = Field(default="pending", max_length=16)
    """pending, sent, skipped (nobody to tell it to), failed (tries ran out: a supervisor's queue)."""
    channel: str | None = Field(default=None, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = when()
    claimed_by: str | None = Field(default=None, max_length=96)
    claim_expires_at: datetime | None = when()
    last_error: str | None = Field(default=None, max_length=300)
