"""profile edit: a document can be retired (kept as history, no longer the customer's live document)

Revision ID: 0006_profile_edit
Revises: 0009_blacklist_receipts
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crm_tui.storage.types

revision = "0006_profile_edit"
down_revision = "0009_blacklist_receipts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("retired_at", crm_tui.storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("retired_at")
