"""helpdesk: the outbox, every message the helpdesk sends, written with the change it reports

Revision ID: 0008_helpdesk_outbox
Revises: 0006_teacher_school
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_helpdesk_outbox"
down_revision = "0006_teacher_school"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "helpdesk_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("after_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_helpdesk_outbox_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_helpdesk_outbox_dedupe_key")),
    )
    op.create_index(op.f("ix_helpdesk_outbox_ticket_id"), "helpdesk_outbox", ["ticket_id"])
    op.create_index(
        "ix_helpdesk_outbox_status_next", "helpdesk_outbox", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_helpdesk_outbox_status_next", table_name="helpdesk_outbox")
    op.drop_index(op.f("ix_helpdesk_outbox_ticket_id"), table_name="helpdesk_outbox")
    op.drop_table("helpdesk_outbox")
