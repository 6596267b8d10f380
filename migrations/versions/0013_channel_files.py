"""channels besides Telegram: files their people sent (a fault report's photo from Teams)

Revision ID: 0013_channel_files
Revises: 0012_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_channel_files"
down_revision = "0012_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_channel_files_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_files")),
    )
    op.create_index(op.f("ix_channel_files_user_id"), "channel_files", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_channel_files_user_id"), table_name="channel_files")
    op.drop_table("channel_files")
