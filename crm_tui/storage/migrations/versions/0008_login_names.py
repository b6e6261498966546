"""login names: an optional sign-in name per customer, unique whatever its case (stored lower-case)

Revision ID: 0008_login_names
Revises: 0006_profile_edit
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_login_names"
down_revision = "0006_profile_edit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN and a unique index, not a batch rebuild: rebuilding `customers` on SQLite
    # would drop the triggers that keep its name index (customers_fts) in step.
    op.add_column("customers", sa.Column("login_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    op.create_index(op.f("ix_customers_login_name"), "customers", ["login_name"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_customers_login_name"), table_name="customers")
    op.drop_column("customers", "login_name")  # SQLite 3.35+ drops it in place, triggers kept
