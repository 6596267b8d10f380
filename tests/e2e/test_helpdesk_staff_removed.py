"""A staff member removed from a centre, still holding what the bot gave them while they
were staff (the ticket's post, a reply prompt, a ticket opened from /tickets), can do
nothing more with it. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import TicketEvent
from bot.services.helpdesk import staff as staff_service
from tests.e2e.conftest import Launch
from tests.e2e.helpdesk_e2e import ATHENS_STAFF, TEACHER, database, open_desk, report_fault
from tests.e2e.test_helpdesk_staff import post_of, stored

STAFF_ONLY = (
    "Αυτό μπορεί να το κάνει μόνο το προσωπικό του κέντρου υποστήριξης του αιτήματος. "
    "Δεν άλλαξε τίποτα."
)


async def events(database_url: str) -> int:
    async with database(database_url) as sessions, sessions() as session:
        return (await session.scalar(select(func.count()).select_from(TicketEvent))) or 0


async def test_a_removed_staff_member_acts_through_no_old_button_or_prompt(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk, TEACHER)
    post = await post_of(desk)
    ticket, _ = await stored(database_url)
    # While staff: a reply prompt in the group, and the ticket opened in a private chat.
    [prompt] = (await desk.press(ATHENS_STAFF, post, "Απάντηση στον/στην")).new
    [listing] = await desk.send(ATHENS_STAFF, "/tickets")
    opened = (await desk.press(ATHENS_STAFF, listing, ticket.reference)).message
    async with database(database_url) as sessions, sessions() as session:
        assert await staff_service.remove_staff(session, ticket.centre_id, ATHENS_STAFF.id)
    before = await events(database_url)
    seen_teacher = len(await desk.chat(TEACHER.id))

    for message, label in [
        (post, "Ανάληψη"),
        (post, "Διεκπεραιωμένο"),
        (post, "Ιστορικό"),
        (opened, "Ανάληψη"),
        (opened, "Εσωτερική"),
    ]:
        pressed = await desk.press(ATHENS_STAFF, message, label)
        assert pressed.answer is not None
        assert pressed.answer["text"] == STAFF_ONLY, (label, pressed.answer)
    [refused] = await desk.reply(ATHENS_STAFF, prompt, "ΜΥΣΤΙΚΟ: απάντηση μετά την αφαίρεση")
    assert refused["text"] == STAFF_ONLY.removesuffix(" Δεν άλλαξε τίποτα.")
    assert await events(database_url) == before
    teacher_texts = [m["text"] or "" for m in (await desk.chat(TEACHER.id))[seen_teacher:]]
    assert not [t for t in teacher_texts if "ΜΥΣΤΙΚΟ" in t]
