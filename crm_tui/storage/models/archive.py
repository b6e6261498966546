"""History storage of former customers and lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, when


class ArchiveRecord(SQLModel, table=True):
    """History storage of a terminated customer or subscriber, kept until its retention date."""

    __tablename__ = "archive_records"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    customer_number: str = Field(max_length=16, index=True)
    subject_key: str | None = Field(default=None, max_length=64, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    consent: bool = False
    archived_at: datetime = created()
    retain_until: datetime | None = when(index=True)
    erased_at: datetime | None = when()
