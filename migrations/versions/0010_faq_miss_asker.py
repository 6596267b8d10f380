"""privacy: FAQ misses know their asker, so that /mydata shows and /delete erases them

Revision ID: 0010_faq_miss_asker
Revises: 0002_faq (it changes that branch's faq_misses table)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_faq_miss_asker"
down_revision = "0002_faq"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faq_misses") as batch:
        batch.add_column(sa.Column("user_id", sa.BigInteger(), nullable=True))
        batch.create_index(batch.f("ix_faq_misses_user_id"), ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("faq_misses") as batch:
        batch.drop_index(batch.f("ix_faq_misses_user_id"))
        batch.drop_column("user_id")
