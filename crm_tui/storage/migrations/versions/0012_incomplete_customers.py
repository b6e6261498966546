"""incomplete customers: legacy records imported without a usable birthday are kept and flagged

Revision ID: 0012_incomplete_customers
Revises: 0011_step_answers
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_incomplete_customers"
down_revision = "0011_step_answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, no batch: a batch rebuild of `customers` on SQLite would drop its FTS triggers.
    op.add_column("customers", sa.Column("incomplete", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_customers_incomplete", "customers", ["incomplete"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_customers_incomplete", table_name="customers")
    op.drop_column("customers", "incomplete")
