"""What every table shares: the metadata's naming convention, and helpers that spell a column once.

Constraint names follow the naming convention so Alembic batch migrations on SQLite can find them.
Enumerated values are stored as their slugs (`crm_tui.domain`); money is `Numeric(14, 2)`; times are
aware UTC (`UTCDateTime`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, Numeric
from sqlmodel import Field, SQLModel

from crm_tui.storage.types import UTCDateTime, utcnow

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.model_config["defer_build"] = True
"""Every class here is a table: pydantic builds a table's validator only if something validates
through it (nothing on the hot paths does), not for each class at import (issue 21)."""

MONEY = Numeric(14, 2)


def created() -> Any:
    """When the row was made: set by Python at insert, aware UTC."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def when(index: bool = False) -> Any:
    """A time that may not have happened yet (NULL until it does)."""
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


def money() -> Any:
    """An amount, zero by default."""
    return Field(default=Decimal("0.00"), sa_type=MONEY, nullable=False)


def fk(target: type[SQLModel] | str, *, nullable: bool = False, index: bool = True) -> Any:
    """A reference to another table's `id`: its class (so the room that holds it is imported, and
    the ORM can order a flush), or `"table.id"` for a table's reference to itself."""
    column = target if isinstance(target, str) else f"{target.__tablename__}.id"
    return Field(
        default=None,
        sa_column_args=[ForeignKey(column)],
        sa_type=Integer,
        nullable=nullable,
        index=index,
    )
