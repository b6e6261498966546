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


def next_numbers(session: Session, name: str, count: int) -> list[int]:
    """`count` numbers at once (a bulk import's batch), in increasing order, none ever issued to anyone else.

    PostgreSQL: `nextval` over `generate_series` (each call atomic: concurrent terminals get other
    numbers, perhaps interleaved); SQLite: the counter row moved by `count` in one UPDATE inside the
    write transaction, which `BEGIN IMMEDIATE` serialises, so the range is the caller's alone."""
    if name not in SEQUENCE_NAMES:
        raise ValueError(f"unknown sequence {name!r}")
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        values = session.execute(text(f"SELECT nextval('{name}_seq') FROM generate_series(1, :n)"), {"n": count})
        return sorted(int(v) for v in values.scalars())
    top = int(
        session.execute(
            text("UPDATE id_sequences SET value = value + :n WHERE name = :name RETURNING value"),
            {"name": name, "n": count},
        ).scalar_one()
    )
    return list(range(top - count + 1, top + 1))
