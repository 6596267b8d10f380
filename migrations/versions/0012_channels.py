"""channels besides Telegram (Microsoft Teams): identities and conversations

Revision ID: 0012_channels
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_channels"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_users",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_channel_users_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_channel_users")),
        sa.UniqueConstraint(
            "channel", "external_id", name=op.f("uq_channel_users_channel_external_id")
        ),
    )
    op.create_table(
        "channel_conversations",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(400), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_channel_conversations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "channel", "conversation_id", name=op.f("pk_channel_conversations")
        ),
    )
    op.create_index(op.f("ix_channel_conversations_user_id"), "channel_conversations", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_channel_conversations_user_id"), table_name="channel_conversations")
    op.drop_table("channel_conversations")
    op.drop_table("channel_users")
