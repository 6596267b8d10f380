"""the update inbox records what the handling of each update has sent (not sent again
by a process that takes over)

Revision ID: 0014_inbox_replies
Revises: 0011_workers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_inbox_replies"
down_revision = "0011_workers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("update_inbox") as batch:
        batch.add_column(sa.Column("replies", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("update_inbox") as batch:
        batch.drop_column("replies")
