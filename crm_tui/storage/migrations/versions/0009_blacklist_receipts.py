"""blacklist receipts: lifting a blacklist entry keeps it as history; refunds are payments; charges name their receipt

Revision ID: 0009_blacklist_receipts
Revises: 0005_match_models
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import crm_tui.storage.types

revision = "0009_blacklist_receipts"
down_revision = "0005_match_models"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blacklist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lifted_at", crm_tui.storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lifted_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lift_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_blacklist_lifted_by_operators"), "operators", ["lifted_by"], ["id"])
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="payment")
        )
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_charges_receipt_number"), ["receipt_number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charges_receipt_number"))
        batch_op.drop_column("receipt_number")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("blacklist", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_blacklist_lifted_by_operators"), type_="foreignkey")
        batch_op.drop_column("lift_reason")
        batch_op.drop_column("lifted_by")
        batch_op.drop_column("lifted_at")
