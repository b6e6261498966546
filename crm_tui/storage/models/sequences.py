"""Counters for issued numbers on engines without sequences."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class IdSequence(SQLModel, table=True):
    """Counters for issued numbers on engines without sequences (SQLite); never goes back."""

    __tablename__ = "id_sequences"

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0
