"""outbox dispatch: each event claimed by one dispatcher, tried with backoff, sent once or failed

Revision ID: 0004_outbox_dispatch
Revises: 0003_audit_append_only
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import crm_tui.storage.types

revision = "0004_outbox_dispatch"
down_revision = "0003_audit_append_only"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("next_attempt_at", crm_tui.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True))
        batch_op.add_column(
            sa.Column("claim_expires_at", crm_tui.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.create_index("ix_outbox_events_status_next", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_status_next")
        for column in (
            "last_error",
            "claim_expires_at",
            "claimed_by",
            "next_attempt_at",
            "attempts",
            "channel",
            "status",
        ):
            batch_op.drop_column(column)
