"""Initial schema: users and the python-telegram-bot persistence tables.

Revision ID: 0001_initial
Revises:
Create Date: 2025-11-22

Every feature revision branches from this one (down_revision = "0001_initial").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(length=128), nullable=False),
        sa.Column("last_name", sa.String(length=128), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("telegram_language", sa.String(length=16), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_keep_declaration", sa.Boolean(), nullable=True),
        sa.Column("blocked_bot", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "persistence_user_data",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_persistence_user_data")),
    )
    op.create_table(
        "persistence_chat_data",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_persistence_chat_data")),
    )
    op.create_table(
        "persistence_bot_data",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_persistence_bot_data")),
    )
    op.create_table(
        "persistence_conversations",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_persistence_conversations")),
    )


def downgrade() -> None:
    op.drop_table("persistence_conversations")
    op.drop_table("persistence_bot_data")
    op.drop_table("persistence_chat_data")
    op.drop_table("persistence_user_data")
    op.drop_table("users")
