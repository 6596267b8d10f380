"""several webhook workers: the update inbox (per-chat order) and the shared send budget

Revision ID: 0011_workers
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_workers"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "update_inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_update_inbox")),
    )
    op.create_index(op.f("ix_update_inbox_chat_id"), "update_inbox", ["chat_id"])
    op.create_table(
        "send_budget",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("tat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_send_budget")),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
    op.drop_index(op.f("ix_update_inbox_chat_id"), table_name="update_inbox")
    op.drop_table("update_inbox")
