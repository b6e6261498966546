"""The offering catalog shipped in `crm_tui/data/offerings.json`, loaded into the database on demand."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from crm_tui.storage.models.lines import Offering


@cache
def catalog_entries() -> tuple[dict[str, Any], ...]:
    raw = json.loads(resources.files("crm_tui.data").joinpath("offerings.json").read_text())
    return tuple(raw["offerings"])


def ensure_catalog(session: Session) -> None:
    """Insert the shipped offerings that the database does not have yet (idempotent, race-free).

    Sixteen terminals registering the first customers of a fresh database all get here at once: the
    insert skips a code another transaction inserted (ON CONFLICT DO NOTHING on both engines, waiting
    for that transaction on PostgreSQL) instead of failing the registration on a unique violation.
    """
    known = set(session.execute(select(Offering.code)).scalars())
    missing = [entry for entry in catalog_entries() if entry["code"] not in known]
    if not missing:
        return
    rows = [
        {
            "code": entry["code"],
            "name": entry["name"],
            "kind": "primary",
            "network_type": entry["network_type"],
            "payment_type": entry["payment_type"],
            "brand": entry["brand"],
            "monthly_fee": Decimal(entry["monthly_fee"]),
            "commitment_months": int(entry["commitment_months"]),
            "penalty_amount": Decimal(entry["penalty_amount"]),
            "prolongation": entry["prolongation"],
            "is_active": True,
        }
        for entry in missing
    ]
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(Offering).values(rows).on_conflict_do_nothing(index_elements=["code"]))
