"""Staff actions done in chat are audited with the Telegram user who did them."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.models import AuditEntry
from tests.e2e.conftest import Launch
from tests.e2e.helpdesk_e2e import ADMIN, OTHER_TEACHER, database, open_desk


async def test_invite_redeem_and_removal_in_chat_are_attributed(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    async with database(database_url) as sessions, sessions() as session:
        first = await session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
    [invite] = await desk.send(ADMIN, "/invite thess-east")
    match = re.search(r"\?start=(staff-[\w-]+)", invite["text"])
    assert match is not None
    await desk.send(OTHER_TEACHER, f"/start {match.group(1)}")
    [choose] = await desk.send(ADMIN, "/staff")
    [staff_list] = (await desk.press(ADMIN, choose, "Ανατολικής Θεσσαλονίκης")).new or [
        await desk.last(ADMIN.id)
    ]
    await desk.press(ADMIN, staff_list, "Αφαίρεση: Γιώργος")

    async with database(database_url) as sessions, sessions() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.id > (first or 0)).order_by(AuditEntry.id)
            )
        )
    assert [(e.action, e.actor_kind, e.actor_id) for e in entries] == [
        ("invite.created", "telegram", ADMIN.id),
        ("invite.used", "telegram", OTHER_TEACHER.id),
        ("staff.created", "telegram", OTHER_TEACHER.id),
        ("staff.deleted", "telegram", ADMIN.id),
    ]
    assert entries[0].actor_name == "Διαχειριστής"
    assert entries[3].details["row"]["name"] == "Γιώργος Νικολάου"
    assert match.group(1).removeprefix("staff-") not in str([e.details for e in entries])
