"""Revision 0006_teacher_school carries each teacher's school over into the database.

Before it the report flow kept the school in user_data only; the revision takes
that school, else the school of the teacher's latest fault report.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, inspect, select

from bot.db import create_engine, downgrade_schema, session_factory, upgrade_schema
from bot.models import PersistedUserData, School, SupportCentre, TeacherSchool, Ticket, User
from bot.services.helpdesk import schools as schools_service

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
# 1: two reports, the later one counts; 2: user_data names another school than her report;
# 3: only user_data; 4: reported, then deleted their data (no users row); 5: nothing.
REPORTS = {1: ["0551010", "1951010"], 2: ["0551010"], 4: ["0551010"]}
USER_DATA = {2: "1951010", 3: "0551010"}


async def test_the_school_is_taken_from_user_data_else_the_latest_report(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await upgrade_schema(url, "0003_helpdesk")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(User),
                [
                    {"id": i, "first_name": f"T{i}", "first_seen": T0, "last_seen": T0}
                    for i in (1, 2, 3, 5)
                ],
            )
            centre = (
                await conn.execute(
                    insert(SupportCentre)
                    .values(slug="a", name="ΚΕ.ΠΛΗ.ΝΕ.Τ.", is_default=True, created_at=T0)
                    .returning(SupportCentre.id)
                )
            ).scalar_one()
            ids = {}
            for code in ("0551010", "1951010"):
                ids[code] = (
                    await conn.execute(
                        insert(School)
                        .values(code=code, name=code, name_key=code, centre_id=centre)
                        .returning(School.id)
                    )
                ).scalar_one()
            number = 0
            for user, codes in REPORTS.items():
                for code in codes:
                    number += 1
                    await conn.execute(
                        insert(Ticket).values(
                            reference=f"KPL-2026-{number:05d}",
                            reporter_id=user,
                            school_id=ids[code],
                            centre_id=centre,
                            category="pc",
                            urgency="normal",
                            created_at=T0 + timedelta(days=number),
                        )
                    )
            for user, code in USER_DATA.items():
                kept = {"id": ids[code], "name": code, "code": code}
                await conn.execute(
                    insert(PersistedUserData).values(
                        user_id=user, data={"helpdesk_school": kept, "helpdesk_lab": "Lab"}
                    )
                )
        await upgrade_schema(url, "0006_teacher_school")
        async with session_factory(engine)() as session:
            rows = await session.execute(select(TeacherSchool.user_id, TeacherSchool.school_id))
            assert dict(rows.all()) == {1: ids["1951010"], 2: ids["1951010"], 3: ids["0551010"]}
            school = await schools_service.remembered_school(session, 3)
            assert school is not None
            assert school.code == "0551010"
            assert await schools_service.remembered_school(session, 5) is None

        await downgrade_schema(url, "0003_helpdesk")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert "teacher_schools" not in tables
        assert "tickets" in tables
    finally:
        await engine.dispose()
