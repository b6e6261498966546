"""The offering catalog shipped in `crm_tui/data/offerings.json`, loaded into the database on demand."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from crm_tui.storage.models import Offering


@cache
def catalog_entries() -> tuple[dict[str, Any], ...]:
    raw = json.loads(resources.files("crm_tui.data").joinpath("offerings.json").read_text())
    return tuple(raw["offerings"])


def ensure_catalog(session: Session) -> None:
    """Insert the shipped offerings that the database does not have yet (idempotent)."""
    known = set(session.execute(select(Offering.code)).scalars())
    for entry in catalog_entries():
        if entry["code"] in known:
            continue
        session.add(
            Offering(
                code=entry["code"],
                name=entry["name"],
                kind="primary",
                network_type=entry["network_type"],
                payment_type=entry["payment_type"],
                brand=entry["brand"],
                monthly_fee=Decimal(entry["monthly_fee"]),
                commitment_months=int(entry["commitment_months"]),
                penalty_amount=Decimal(entry["penalty_amount"]),
                prolongation=entry["prolongation"],
            )
        )
    session.flush()
