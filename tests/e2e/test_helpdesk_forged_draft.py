"""A «Send» / «Change something» button carries the report draft's id: pressed (forged)
by another user, it must not tell them the ticket's reference nor link it to their chat.
On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import TicketMessage
from tests.e2e.conftest import Launch, data_of
from tests.e2e.helpdesk_e2e import (
    OTHER_TEACHER,
    TEACHER,
    database,
    forged,
    open_desk,
    report_fault,
)
from tests.e2e.test_helpdesk_integrity import INACTIVE

REF = "KPL-2026-00001"


async def links_in(database_url: str, chat_id: int) -> int:
    async with database(database_url) as sessions, sessions() as session:
        found = await session.scalar(
            select(func.count()).select_from(TicketMessage).where(TicketMessage.chat_id == chat_id)
        )
        return found or 0


async def test_another_teachers_draft_button_names_nothing(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    seen: list[str] = []

    async def keep_send_data() -> None:
        seen.append(data_of(await desk.last(TEACHER.id), "Αποστολή"))

    done = await report_fault(desk, TEACHER, before_send=keep_send_data)
    assert REF in done["text"]
    [send] = seen
    assert send.startswith("rp:send:")
    edit = send.replace("rp:send:", "rp:edit:")
    await desk.send(OTHER_TEACHER, "/start")
    for data in (send, edit):
        answer = await forged(desk, OTHER_TEACHER, OTHER_TEACHER.id, data)
        assert answer["text"] == INACTIVE, answer
    shown = [m["text"] or "" for m in await desk.chat(OTHER_TEACHER.id)]
    assert not [text for text in shown if REF in text]
    assert await links_in(database_url, OTHER_TEACHER.id) == 0
    # Its owner's own old button still answers with the reference.
    await forged(desk, TEACHER, TEACHER.id, send)
    assert REF in (await desk.last(TEACHER.id))["text"]
