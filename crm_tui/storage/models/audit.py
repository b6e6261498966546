"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created


class AuditEntry(SQLModel, table=True):
    """Append-only, hash-chained record of every change made through a service."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created()
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
