"""Every table at once: the whole metadata, for what must see all of it.

Alembic's environment (autogenerate compares the models with a database), the erasure check that
searches every text column of every table, and tests. A use case imports the rooms it needs from
`crm_tui.storage.models` instead; this module is what keeps none of them out.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import SQLModel

from crm_tui.storage.models import (  # noqa: F401 - imported for their tables
    archive,
    audit,
    blacklist,
    customers,
    dedupe,
    lines,
    money,
    operators,
    orders,
    outbox,
    queues,
    sequences,
)

metadata = SQLModel.metadata
"""All the tables of crm-tui, each room loaded."""

for _index in lines.LIVE_LINE_INDEXES:  # PostgreSQL's half of the partial indexes (see lines.py for why here)
    _index.dialect_options["postgresql"]["where"] = text(lines.LIVE_LINE)
