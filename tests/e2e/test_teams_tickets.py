"""A teacher's tickets from Microsoft Teams, end to end: "My tickets", a ticket's history,
a message and a photo to the centre, close and reopen; every press authorised for the
person pressing (SQLite and PostgreSQL)."""

from __future__ import annotations

from bot.dialogs.helpdesk import actions as act
from bot.services.helpdesk import tickets
from bot.services.helpdesk.ticket_types import Status, TicketView
from bot.ui.actions import pack
from tests.e2e.conftest import Launch, data_of
from tests.e2e.helpdesk_e2e import THESSALONIKI_STAFF, database, png
from tests.e2e.test_teams_helpdesk import HELEN, MARIA, REF, Desk, open_desk, walk_to_summary
from tests.helpdesk_world import THESSALONIKI_STAFF_CHAT

NOT_YOURS = "Αυτό το αίτημα δεν είναι δικό σας. Δεν άλλαξε τίποτα."


async def reported(desk: Desk) -> None:
    summary = await walk_to_summary(desk, MARIA)
    done = await desk.press(MARIA, summary, "Αποστολή")
    assert REF in done.text


async def ticket(database_url: str) -> TicketView:
    async with database(database_url) as sessions, sessions() as session:
        return await tickets.ticket_by_reference(session, REF)


async def staff_texts(desk: Desk) -> list[str]:
    return [
        str(m.get("text") or m.get("caption")) for m in await desk.staff(THESSALONIKI_STAFF_CHAT)
    ]


async def staff_post(desk: Desk) -> str:
    staff = await desk.staff(THESSALONIKI_STAFF_CHAT)
    [post] = [m for m in staff if str(m.get("text") or "").startswith(f"🎫 {REF}")]
    return str(post["text"])


async def test_my_tickets_a_message_a_photo_close_and_reopen(
    launch: Launch, database_url: str
) -> None:
    async with open_desk(launch, database_url) as desk:
        empty = await desk.say(HELEN, "/mytickets")
        assert empty.text.startswith("You have not reported any fault yet.")
        await reported(desk)
        listed = await desk.say(MARIA, "/mytickets")
        assert REF in listed.text
        view = await desk.press(MARIA, listed, REF)
        assert REF in view.text
        assert "Η οθόνη μένει μαύρη." in view.text
        prompt = await desk.press(MARIA, view, "Απάντηση / φωτογραφίες")
        assert prompt.text.startswith("✍️"), prompt.text
        told = await desk.say(MARIA, "Το ξαναδοκίμασα, τίποτα.")
        assert told.text == f"✓ Στάλθηκε στο κέντρο υποστήριξης ({REF}).", told.text
        assert any("Το ξαναδοκίμασα, τίποτα." in t for t in await staff_texts(desk))
        # A photo for the ticket: after «Reply / add photos» again.
        view = await desk.press(MARIA, await desk.say(MARIA, "/mytickets"), REF)
        await desk.press(MARIA, view, "Απάντηση / φωτογραφίες")
        [told] = await desk.standin.send_image(MARIA, png(9))
        assert told.text.startswith("✓"), told.text
        staff = await desk.staff(THESSALONIKI_STAFF_CHAT)
        assert len([m for m in staff if m.get("photo")]) == 2
        assert len((await ticket(database_url)).attachments) == 2
        # Another text now is not for the ticket any more: it is an FAQ question.
        before = len(await staff_texts(desk))
        await desk.say(MARIA, "Πότε είναι η προθεσμία;")
        assert len(await staff_texts(desk)) == before
        # Close, then reopen; the staff post shows each status (edited in place).
        post_before = await staff_post(desk)
        view = await desk.press(MARIA, await desk.say(MARIA, "/mytickets"), REF)
        close = view.data_of("Κλείσιμο")
        closed = await desk.press(MARIA, view, "Κλείσιμο")
        assert closed.text.startswith(f"🔒 Το {REF} έκλεισε"), closed.text
        assert (await ticket(database_url)).status is Status.CLOSED
        post_closed = await staff_post(desk)
        assert post_closed != post_before
        assert "Κλειστό" in post_closed or "κλει" in post_closed.lower(), post_closed
        # The same «Close» again: refused, nothing changes.
        [again] = await desk.standin.submit(MARIA, closed, "", data=close)
        assert (await ticket(database_url)).status is Status.CLOSED
        assert not again.text.startswith("🔒"), again.text
        reopened = await desk.press(MARIA, closed, "Ξανάνοιξε")
        assert reopened.text.startswith("🔁"), reopened.text
        assert (await ticket(database_url)).status is not Status.CLOSED


async def test_another_teachers_ticket_id_is_refused_and_nothing_changes(
    launch: Launch, database_url: str
) -> None:
    async with open_desk(launch, database_url) as desk:
        await reported(desk)
        stored = await ticket(database_url)
        listed = await desk.say(MARIA, "/mytickets")
        staff_before = await staff_texts(desk)
        greek = HELEN.__class__(HELEN.aad_object_id, HELEN.name, "el-GR")
        for action in (
            act.ViewTicket(stored.id),
            act.CloseTicket(stored.id),
            act.ReopenTicket(stored.id),
            act.TeacherReply(stored.id),
        ):
            [answer] = await desk.standin.submit(greek, listed, "", data={"a": pack(action)})
            assert answer.text == NOT_YOURS, (action, answer.text)
        # A ticket id that does not exist, and data that parse as nothing.
        [answer] = await desk.standin.submit(
            greek, listed, "", data={"a": pack(act.ViewTicket(stored.id + 1000))}
        )
        assert "δεν είναι πια ενεργό" in answer.text
        # Helen's next text is not taken as a message for Maria's ticket.
        await desk.say(greek, "Γεια σας")
        after = await ticket(database_url)
        assert after.status is stored.status
        assert await staff_texts(desk) == staff_before


async def test_a_second_teacher_follows_the_open_report_of_the_same_fault(
    launch: Launch, database_url: str
) -> None:
    async with open_desk(launch, database_url) as desk:
        await reported(desk)
        await desk.say(HELEN, "/report")
        choices = await desk.say(HELEN, "1951010")
        await desk.press(HELEN, choices, "1951010")
        category = await desk.say(HELEN, "Computer lab")
        await desk.press(HELEN, category, "Computer")
        offer = await desk.say(HELEN, "PC-03")
        assert offer.text.startswith("There is already an open report of this fault:")
        # A made-up ticket id on the offer's button: nothing to follow.
        [refused] = await desk.standin.submit(HELEN, offer, "", data={"a": "rp:dup:999999"})
        assert refused.text == "This button is no longer active."
        description = await desk.press(HELEN, offer, "Follow this ticket")
        assert description.text.startswith(f"📝 What would you like to add to {REF}?")
        assert "voice" not in description.text  # Teams has no voice messages to offer
        await desk.say(HELEN, "Same here: PC-03 shows nothing.")
        [kept] = await desk.standin.send_image(HELEN, png(5))
        summary = await desk.press(HELEN, kept, "Done")
        added = await desk.press(HELEN, summary, f"Add to {REF}")
        assert added.text == f"➕ Added to **{REF}**.", added.text
        staff = await staff_texts(desk)
        assert any("Same here: PC-03 shows nothing." in t for t in staff)
        photos = [m for m in await desk.staff(THESSALONIKI_STAFF_CHAT) if m.get("photo")]
        assert len(photos) == 2
        listed = await desk.say(HELEN, "/mytickets")
        view = await desk.press(HELEN, listed, REF)
        assert REF in view.text


async def test_a_teacher_in_teams_confirms_what_the_staff_resolved_on_telegram(
    launch: Launch, database_url: str
) -> None:
    async with open_desk(launch, database_url) as desk:
        await reported(desk)
        post = next(
            m
            for m in await desk.staff(THESSALONIKI_STAFF_CHAT)
            if str(m.get("text") or "").startswith(f"🎫 {REF}")
        )
        resolve = data_of(post, "Διεκπεραιωμένο")
        pressed = await desk.bot.press(
            THESSALONIKI_STAFF, post, resolve, chat=THESSALONIKI_STAFF_CHAT
        )
        assert pressed.answer is not None
        assert (await ticket(database_url)).status is Status.RESOLVED
        view = await desk.press(MARIA, await desk.say(MARIA, "/mytickets"), REF)
        confirmed = await desk.press(MARIA, view, "✅ Λύθηκε")
        assert confirmed.text.startswith(f"🔒 Το {REF} έκλεισε"), confirmed.text
        assert (await ticket(database_url)).status is Status.CLOSED
        closed_post = await staff_post(desk)
        assert closed_post != post["text"]
