"""reminders: deadlines, subscriptions, the delivery ledger and calendar tokens

Revision ID: 0004_reminders
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_reminders"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title_el", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("notes_el", sa.Text(), nullable=False),
        sa.Column("notes_en", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("directorate", sa.String(200), nullable=True),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("previous_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")),
        sa.UniqueConstraint("key", name=op.f("uq_deadlines_key")),
    )
    op.create_index(op.f("ix_deadlines_due_at"), "deadlines", ["due_at"])
    op.create_index(op.f("ix_deadlines_centre_id"), "deadlines", ["centre_id"])

    op.create_table(
        "reminder_subscriptions",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("kinds", sa.String(100), nullable=False),
        sa.Column("offsets", sa.String(100), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("directorate", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(16), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reminder_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_reminder_subscriptions")),
    )

    op.create_table(
        "reminder_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("offset_code", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reminder_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["deadlines.id"],
            name=op.f("fk_reminder_deliveries_deadline_id_deadlines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_deliveries")),
        sa.UniqueConstraint(
            "user_id",
            "deadline_id",
            "revision",
            "offset_code",
            name="uq_reminder_deliveries_claim",
        ),
    )
    op.create_index(
        "ix_reminder_deliveries_status_due", "reminder_deliveries", ["status", "due_at"]
    )
    op.create_index(
        op.f("ix_reminder_deliveries_deadline_id"), "reminder_deliveries", ["deadline_id"]
    )

    op.create_table(
        "calendar_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_tokens")),
        sa.UniqueConstraint("token", name=op.f("uq_calendar_tokens_token")),
    )
    op.create_index(op.f("ix_calendar_tokens_user_id"), "calendar_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_calendar_tokens_user_id"), table_name="calendar_tokens")
    op.drop_table("calendar_tokens")
    op.drop_index(op.f("ix_reminder_deliveries_deadline_id"), table_name="reminder_deliveries")
    op.drop_index("ix_reminder_deliveries_status_due", table_name="reminder_deliveries")
    op.drop_table("reminder_deliveries")
    op.drop_table("reminder_subscriptions")
    op.drop_index(op.f("ix_deadlines_centre_id"), table_name="deadlines")
    op.drop_index(op.f("ix_deadlines_due_at"), table_name="deadlines")
    op.drop_table("deadlines")
