"""helpdesk integrity: the report draft a ticket came from, and the updates already handled

`tickets.draft_id` and `ticket_events.draft_id` (unique) make «Send» idempotent: the
same draft never opens a second ticket, nor is added twice to an existing one, whether
pressed twice, replayed or retried after a crash.
`processed_updates` lists the update ids the bot has taken on, so that a
replayed update is ignored, across restarts too.

Revision ID: 0007_helpdesk_integrity
Revises: 0006_teacher_school
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_helpdesk_integrity"
down_revision = "0006_teacher_school"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A unique index, not a constraint: SQLite adds one without rebuilding the table.
    op.add_column("tickets", sa.Column("draft_id", sa.String(length=36), nullable=True))
    op.create_index(op.f("ix_tickets_draft_id"), "tickets", ["draft_id"], unique=True)
    op.add_column("ticket_events", sa.Column("draft_id", sa.String(length=36), nullable=True))
    op.create_index(
        op.f("ix_ticket_events_draft_id"), "ticket_events", ["draft_id"], unique=True
    )
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(
        op.f("ix_processed_updates_processed_at"), "processed_updates", ["processed_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_processed_updates_processed_at"), table_name="processed_updates")
    op.drop_table("processed_updates")
    op.drop_index(op.f("ix_ticket_events_draft_id"), table_name="ticket_events")
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_column("draft_id")
    op.drop_index(op.f("ix_tickets_draft_id"), table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("draft_id")
