"""helpdesk: the school each teacher set for fault reports, in the database

Until now it lived only in the report flow's user_data; the reminders need it
too (a teacher's area). Filled from that user_data, else from the school of the
teacher's latest fault report.

Revision ID: 0006_teacher_school
Revises: 0003_helpdesk
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006_teacher_school"
down_revision = "0003_helpdesk"
branch_labels = None
depends_on = None

# What the report flow kept in user_data (handlers/report.py before this revision).
USER_DATA_KEY = "helpdesk_school"


def upgrade() -> None:
    op.create_table(
        "teacher_schools",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_teacher_schools_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_teacher_schools_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_teacher_schools")),
    )
    op.create_index(op.f("ix_teacher_schools_school_id"), "teacher_schools", ["school_id"])
    _fill()


def _fill() -> None:
    conn = op.get_bind()
    users = {row[0] for row in conn.execute(sa.text("SELECT id FROM users"))}
    schools = {row[0] for row in conn.execute(sa.text("SELECT id FROM schools"))}
    chosen: dict[int, int] = {}
    # The latest report's school first; a school remembered in user_data overrides it.
    latest = conn.execute(
        sa.text("SELECT reporter_id, school_id FROM tickets ORDER BY created_at, id")
    )
    for user_id, school_id in latest:
        chosen[user_id] = school_id
    user_data = sa.table("persistence_user_data", sa.column("user_id"), sa.column("data", sa.JSON))
    for user_id, data in conn.execute(sa.select(user_data.c.user_id, user_data.c.data)):
        school = data.get(USER_DATA_KEY) if isinstance(data, dict) else None
        if isinstance(school, dict) and isinstance(school.get("id"), int):
            chosen[user_id] = school["id"]
    now = datetime.now(UTC)
    if conn.dialect.name == "sqlite":  # stored naive UTC there, as bot.models.UTCDateTime does
        now = now.replace(tzinfo=None)
    rows: list[dict[str, Any]] = [
        {"user_id": user_id, "school_id": school_id, "updated_at": now}
        for user_id, school_id in chosen.items()
        if user_id in users and school_id in schools
    ]
    if rows:
        table = sa.table(
            "teacher_schools",
            sa.column("user_id", sa.BigInteger),
            sa.column("school_id", sa.Integer),
            sa.column("updated_at", sa.DateTime(timezone=True)),
        )
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_teacher_schools_school_id"), table_name="teacher_schools")
    op.drop_table("teacher_schools")
