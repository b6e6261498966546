"""step answers: what the external system answered when an order step was done

Revision ID: 0011_step_answers
Revises: 0010_folded_names
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_step_answers"
down_revision = "0010_folded_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_steps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_steps", schema=None) as batch_op:
        batch_op.drop_column("answer")
