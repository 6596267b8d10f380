"""faq: unanswered questions, answers shown and 👍/👎 votes

Revision ID: 0002_faq
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_faq"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_misses")),
    )
    op.create_index(op.f("ix_faq_misses_created_at"), "faq_misses", ["created_at"])

    op.create_table(
        "faq_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_views")),
    )
    op.create_index(op.f("ix_faq_views_entry_id"), "faq_views", ["entry_id"])
    op.create_index(op.f("ix_faq_views_created_at"), "faq_views", ["created_at"])

    op.create_table(
        "faq_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_faq_feedback_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_feedback")),
        sa.UniqueConstraint("user_id", "message_id", "entry_id", name="uq_faq_feedback_vote"),
    )
    op.create_index(op.f("ix_faq_feedback_entry_id"), "faq_feedback", ["entry_id"])


def downgrade() -> None:
    op.drop_table("faq_feedback")
    op.drop_table("faq_views")
    op.drop_table("faq_misses")
