"""match models: the trained duplicate-matching model (Fellegi-Sunter m and u per level), one row a version

Revision ID: 0005_match_models
Revises: 0004_outbox_dispatch
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import crm_tui.storage.types

revision = "0005_match_models"
down_revision = "0004_outbox_dispatch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("trained_at", crm_tui.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("trained_by", sa.Integer(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["trained_by"], ["operators.id"], name=op.f("fk_match_models_trained_by_operators")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_models")),
        sa.UniqueConstraint("version", name=op.f("uq_match_models_version")),
    )


def downgrade() -> None:
    op.drop_table("match_models")
