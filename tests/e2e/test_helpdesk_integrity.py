"""Helpdesk integrity end to end: forged buttons, text that PostgreSQL refuses, a double
«Send», a replayed update. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from telegram import Update

from bot.models import Ticket, TicketAttachment, TicketEvent, TicketMessage, TicketWatcher
from bot.services.helpdesk import schools, ticket_queries, ticket_types, tickets
from bot.services.helpdesk.ticket_types import Actor
from tests.e2e.conftest import Launch
from tests.e2e.helpdesk_e2e import (
    ADMIN,
    ATHENS_STAFF,
    OTHER_TEACHER,
    TEACHER,
    THESSALONIKI_STAFF,
    Desk,
    database,
    forge_press,
    forged,
    open_desk,
    report_fault,
)
from tests.e2e.test_helpdesk_report import count_tickets, to_equipment
from tests.helpdesk_world import ATHENS_STAFF_CHAT, T0, THESSALONIKI_STAFF_CHAT, draft

INACTIVE = "Αυτό το κουμπί δεν είναι πια ενεργό."
NOT_YOURS = "Αυτό το αίτημα δεν είναι δικό σας. Δεν άλλαξε τίποτα."
OTHER_CENTRE = "Αυτό το αίτημα ανήκει σε άλλο κέντρο υποστήριξης. Δεν άλλαξε τίποτα."
STAFF_ONLY = (
    "Αυτό μπορεί να το κάνει μόνο το προσωπικό του κέντρου υποστήριξης του αιτήματος. "
    "Δεν άλλαξε τίποτα."
)
ADMINS_ONLY = "Αυτό μπορούν να το κάνουν μόνο οι διαχειριστές του bot."
# Ids that name nothing: 20 digits, negative, huge, not a number, no such ticket.
BAD_IDS = ("9" * 20, "-1", str(2**63), "1x", "١", "999999")
THIRD_TEACHER = Actor(1003, "Άννα Βορείου")


async def snapshot(database_url: str) -> tuple[Any, ...]:
    """Everything a helpdesk button could change."""
    async with database(database_url) as sessions, sessions() as session:
        rows = await session.execute(
            select(
                Ticket.id,
                Ticket.status,
                Ticket.assignee_id,
                Ticket.updated_at,
                Ticket.staff_message_id,
            ).order_by(Ticket.id)
        )
        counts = []
        for model in (TicketEvent, TicketAttachment, TicketMessage):
            counts.append(await session.scalar(select(func.count()).select_from(model)))
        watchers = await session.execute(select(TicketWatcher.ticket_id, TicketWatcher.user_id))
        return (list(rows.all()), counts, sorted(watchers.all()))


async def transcripts(desk: Desk) -> list[list[tuple[str, Any]]]:
    chats = (TEACHER.id, OTHER_TEACHER.id, ATHENS_STAFF_CHAT, THESSALONIKI_STAFF_CHAT)
    return [
        [(m["text"] or m["caption"] or "", m["reply_markup"]) for m in await desk.chat(chat)]
        for chat in chats
    ]


async def other_centres_ticket(database_url: str) -> ticket_types.TicketView:
    """A ticket of a Thessaloniki school, reported by a third teacher."""
    async with database(database_url) as sessions, sessions() as session:
        school = await schools.school_by_code(session, "1951010")
        assert school is not None
        return await tickets.create_ticket(
            session, draft(school), THIRD_TEACHER, reporter_locale="el", now=T0
        )


def forged_table(mine: int, theirs: int) -> list[tuple[Any, int, str, str]]:
    """(who, in which chat, callback data, the answer): every id-carrying prefix, pointed at
    another teacher's or another centre's ticket, or at ids that name nothing."""
    table: list[tuple[Any, int, str, str]] = []
    for verb in ("v", "r", "c", "o"):
        table.append((OTHER_TEACHER, OTHER_TEACHER.id, f"tk:{verb}:{mine}", NOT_YOURS))
        table.append((TEACHER, TEACHER.id, f"tk:{verb}:{theirs}", NOT_YOURS))
        table += [(TEACHER, TEACHER.id, f"tk:{verb}:{bad}", INACTIVE) for bad in BAD_IDS]
    for prefix in ("hd:take", "hd:start", "hd:wait", "hd:res", "hd:rep", "hd:note", "hd:hist"):
        table.append((ATHENS_STAFF, ATHENS_STAFF_CHAT, f"{prefix}:{theirs}", OTHER_CENTRE))
        table.append(
            (THESSALONIKI_STAFF, THESSALONIKI_STAFF_CHAT, f"{prefix}:{mine}", OTHER_CENTRE)
        )
        table.append((TEACHER, TEACHER.id, f"{prefix}:{mine}", STAFF_ONLY))
        table += [
            (ATHENS_STAFF, ATHENS_STAFF_CHAT, f"{prefix}:{bad}", INACTIVE) for bad in BAD_IDS
        ]
    table.append((ATHENS_STAFF, ATHENS_STAFF.id, f"st:v:{theirs}", OTHER_CENTRE))
    table.append((TEACHER, TEACHER.id, f"st:v:{mine}", STAFF_ONLY))
    table += [(ATHENS_STAFF, ATHENS_STAFF.id, f"st:v:{bad}", INACTIVE) for bad in BAD_IDS]
    # Pages: any number is a page (the last one at most), nonsense is no longer active.
    table += [(TEACHER, TEACHER.id, f"tk:l:{bad}", INACTIVE) for bad in BAD_IDS[:4]]
    table += [(ATHENS_STAFF, ATHENS_STAFF.id, f"st:all:{bad}", INACTIVE) for bad in BAD_IDS[:4]]
    # Administrators' buttons: not an administrator, or a centre that does not exist.
    for verb in ("inv", "ls", "rm"):
        table.append((OTHER_TEACHER, OTHER_TEACHER.id, f"adm:{verb}:1", ADMINS_ONLY))
        table += [(ADMIN, ADMIN.id, f"adm:{verb}:{bad}", INACTIVE) for bad in BAD_IDS]
    table.append((ADMIN, ADMIN.id, f"adm:rm:1:{'9' * 25}", INACTIVE))
    return table


async def test_forged_buttons_change_nothing_and_say_why(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk)
    theirs = (await other_centres_ticket(database_url)).id
    mine = 1
    for user in (OTHER_TEACHER, ATHENS_STAFF, ADMIN):
        await desk.send(user, "/start")  # a message of the bot to press a forged button on
    before, seen = await snapshot(database_url), await transcripts(desk)
    failures = []
    for user, chat, data, expected in forged_table(mine, theirs):
        answer = await forged(desk, user, chat, data)
        if answer["text"] != expected:
            failures.append((user.id, data, answer["text"], expected))
        elif expected != ADMINS_ONLY and expected != INACTIVE and not answer["show_alert"]:
            failures.append((user.id, data, "not an alert", expected))
    assert failures == []
    assert await snapshot(database_url) == before
    assert await transcripts(desk) == seen  # nobody was told, shown or sent anything


async def test_the_duplicate_offer_joins_only_an_open_ticket_of_the_same_school(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk, equipment="PC-07")
    theirs = (await other_centres_ticket(database_url)).id
    offer = await to_equipment(desk)
    before = await snapshot(database_url)
    for data, expected in [(f"rp:dup:{theirs}", NOT_YOURS)] + [
        (f"rp:dup:{bad}", INACTIVE) for bad in BAD_IDS
    ]:
        query_id = forge_press(
            desk, OTHER_TEACHER, OTHER_TEACHER.id, int(offer["message_id"]), data
        )
        await desk.bot.recorder.wait(("callback", query_id))
        [answer] = await desk.sim.callback_answers(query_id=query_id)
        assert (data, answer["text"], answer["show_alert"]) == (data, expected, True)
    assert await snapshot(database_url) == before
    [still] = [
        m for m in await desk.chat(OTHER_TEACHER.id) if m["message_id"] == offer["message_id"]
    ]
    assert still["text"] == offer["text"]  # the offer is as it was, and still works
    question = (await desk.press(OTHER_TEACHER, offer, "Παρακολούθηση")).message
    assert question["text"].startswith("📝 Τι θέλετε να προσθέσετε στο KPL-2026-00001;")


async def test_control_characters_and_long_file_names_are_cleaned_before_storing(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    done = await report_fault(
        desk,
        lab="Εργαστήριο\x07 1",
        equipment="PC\x00-07",
        description="Δεν\x00 ανοίγει\x1b[0m\u0085 καθόλου\r\nδεύτερη γραμμή\tκαι tab",
        photos=0,
    )
    assert "KPL-2026-00001" in done["text"]
    # A reply with a NUL, and a scan whose name is over the column's 255 characters.
    await desk.reply(TEACHER, done, "Και\x00 κάτι\x01 ακόμη")
    name = "σάρωση-" + "α" * 300 + ".pdf"
    sent = await desk.sim.send_document(
        TEACHER, b"%PDF-1.4\n", name, "application/pdf", chat=TEACHER.id,
        reply_to=int(done["message_id"]),
    )  # fmt: skip
    await desk.bot.recorder.wait(("message", TEACHER.id, int(sent["message_id"])))
    async with database(database_url) as sessions, sessions() as session:
        ticket = await tickets.ticket_by_reference(session, "KPL-2026-00001")
        events = await ticket_queries.history(session, ticket.id, include_internal=True)
    assert ticket.lab == "Εργαστήριο 1"
    assert ticket.equipment == "PC-07"
    assert ticket.description == "Δεν ανοίγει[0m καθόλου\nδεύτερη γραμμή\tκαι tab"
    assert next(e.text for e in events if e.kind is ticket_types.EventKind.TEACHER_REPLY) == (
        "Και κάτι ακόμη"
    )
    [scan] = ticket.attachments
    assert scan.file_name is not None
    assert len(scan.file_name) == 255
    assert scan.file_name.startswith("σάρωση-ααα")
    assert scan.file_name.endswith("α.pdf")


async def test_send_pressed_twice_or_after_the_draft_was_sent_makes_one_ticket(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    done = await report_fault(desk)
    assert done["text"].startswith("✅ Η δήλωσή σας καταχωρίστηκε με αριθμό KPL-2026-00001")
    # A double tap: the second press carries the same draft as the first.
    [summary_data] = [d for d in _sent_button_data(desk) if d.startswith("rp:send:")]
    query_id = forge_press(desk, TEACHER, TEACHER.id, int(done["message_id"]), summary_data)
    await desk.bot.recorder.wait(("callback", query_id))
    # The same message (told once; after it comes only "📨 … has reached the centre").
    [again] = [m for m in await desk.chat(TEACHER.id) if m["message_id"] == done["message_id"]]
    assert [m for m in await desk.chat(TEACHER.id) if "KPL-2026-00001" in m["text"]][-1][
        "text"
    ].startswith("📨 Το KPL-2026-00001 έφτασε")
    assert "KPL-2026-00001" in again["text"]
    assert "έχει ήδη σταλεί" in again["text"]
    assert await count_tickets(database_url) == 1
    posts = [
        m for m in await desk.chat(ATHENS_STAFF_CHAT) if (m["text"] or "").startswith("🎫 KPL")
    ]
    assert len(posts) == 1


def _sent_button_data(desk: Desk) -> list[str]:
    """Every callback data the emulator saw pressed so far."""
    return [q.data for q in desk.bot.emulator.state.callback_queries.values() if q.data]


async def test_a_replayed_update_is_handled_once_also_after_a_restart(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    done = await report_fault(desk)
    await desk.reply(TEACHER, done, "Και ο εκτυπωτής δεν τυπώνει.")
    notices = [m for m in await desk.chat(ATHENS_STAFF_CHAT) if "εκτυπωτής" in (m["text"] or "")]
    assert len(notices) == 1
    world = desk.bot.emulator.state
    [replayed] = [
        u for u in world.sent_updates if "εκτυπωτής" in (u.get("message", {}).get("text") or "")
    ]
    for restart in (False, True):
        if restart:
            await desk.bot.restart()
        app = desk.bot.app
        assert app is not None
        await app.update_queue.put(Update.de_json(replayed, app.bot))
        # The teacher's next message is handled after the replay (one chat, in order).
        await desk.send(TEACHER, "/mytickets")
        notices = [
            m for m in await desk.chat(ATHENS_STAFF_CHAT) if "εκτυπωτής" in (m["text"] or "")
        ]
        assert len(notices) == 1, restart


async def test_a_button_of_a_draft_that_was_never_sent_is_no_longer_active(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    [question] = await desk.send(TEACHER, "/report")
    data = "rp:send:" + "0" * 32
    answer = await forged(desk, TEACHER, TEACHER.id, data)
    assert (answer["text"], answer["show_alert"]) == (INACTIVE, True)
    assert await count_tickets(database_url) == 0
    del question
