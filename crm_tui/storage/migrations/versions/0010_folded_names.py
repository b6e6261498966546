"""folded names: every stored name key recomputed by the one fold (anyascii + casefold); operators.language

Search, the SQLite name index (customers_fts, fed by its triggers from customers.name_search),
matching and the blacklist compare names in the form `crm_tui.identifiers.fold_name` gives. The
earlier fold (NFKD, combining marks dropped) left `Ł Ø Đ Æ` alone, so `lukasz walesa` never found
`Łukasz Wałęsa`: the keys are recomputed here, in batches, only where they change. The operator's
chosen language (`operator add --language es`) gets its column.

Revision ID: 0010_folded_names
Revises: 0008_login_names
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from crm_tui.identifiers import fold_name

revision = "0010_folded_names"
down_revision = "0008_login_names"
branch_labels = None
depends_on = None

BATCH = 5000


def _refold(table: str, source: str) -> None:
    """name_search = fold_name(source) for each row with a name key, where the value changes."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.text(
                f"SELECT id, {source}, name_search FROM {table} "
                "WHERE id > :last AND name_search IS NOT NULL AND name_search <> '' ORDER BY id LIMIT :batch"
            ),
            {"last": last, "batch": BATCH},
        ).all()
        if not rows:
            return
        changed = [
            {"pk": pk, "folded": fold_name(name or "")}
            for pk, name, current in rows
            if fold_name(name or "") != current
        ]
        if changed:
            connection.execute(sa.text(f"UPDATE {table} SET name_search = :folded WHERE id = :pk"), changed)
        last = rows[-1][0]


def upgrade() -> None:
    op.add_column("operators", sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    _refold("customers", "display_name")
    # The blacklist keeps no display name: its key is folded again (fold of the old fold is the new fold).
    _refold("blacklist", "name_search")


def downgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("language")
