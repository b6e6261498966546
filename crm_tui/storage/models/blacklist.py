"""The people the operator will not serve, or serves with care."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, fk, when
from crm_tui.storage.models.operators import Operator


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
    expires_at: datetime | None = when()
    created_at: datetime = created()
    created_by: int | None = fk(Operator, nullable=True, index=False)
    lifted_at: datetime | None = when()
    """When a supervisor lifted the entry: it stops matching but stays as history (never deleted)."""
    lifted_by: int | None = fk(Operator, nullable=True, index=False)
    lift_reason: str | None = Field(default=None, max_length=200)
