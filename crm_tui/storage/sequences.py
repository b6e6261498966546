"""Issued numbers (customer IDs, account codes, orders, receipts): never reused, never twice.

PostgreSQL uses real sequences; SQLite a counter row updated inside the write transaction, which
`BEGIN IMMEDIATE` already serialises.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

SEQUENCE_NAMES = ("customer_number", "account_code", "order_number", "receipt_number")


def next_number(session: Session, name: str) -> int:
    if name not in SEQUENCE_NAMES:
        raise ValueError(f"unknown sequence {name!r}")
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(text(f"SELECT nextval('{name}_seq')")).scalar_one())
    return int(
        session.execute(
            text("UPDATE id_sequences SET value = value + 1 WHERE name = :name RETURNING value"),
            {"name": name},
        ).scalar_one()
    )


def advance_to(session: Session, name: str, value: int) -> None:
    """Make the next issued number greater than `value` (after bulk loads with explicit numbers)."""
    if name not in SEQUENCE_NAMES:
        raise ValueError(f"unknown sequence {name!r}")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT setval('{name}_seq', GREATEST(:value, 1))"), {"value": value})
    else:
        session.execute(
            text("UPDATE id_sequences SET value = MAX(value, :value) WHERE name = :name"),
            {"name": name, "value": value},
        )
