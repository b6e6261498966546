"""Who signs in: the operators (CSR, supervisor, admin)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, when


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
    locked_at: datetime | None = when()
    is_active: bool = True
    created_at: datetime = created()
    last_sign_in_at: datetime | None = when()
