"""A Teams teacher answers a notice about her ticket with a quoted reply (SQLite and
PostgreSQL): the staff in their Telegram group get her message for that ticket, once, and
she the usual confirmation; both ways Teams marks a quote, text and images. A quote of a
message about no ticket, or a forged quote of another teacher's notice, is an ordinary
message and changes no ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.services.helpdesk import ticket_queries, tickets
from bot.services.helpdesk.ticket_types import Status, TicketView
from teams.standin import Message, StandIn, TeamsUser
from tests.e2e.conftest import Launch
from tests.e2e.helpdesk_e2e import ATHENS_STAFF, Desk, database, open_desk, png
from tests.e2e.test_helpdesk_staff import post_of
from tests.e2e.test_teams_notices import (
    HELEN,
    MARIA,
    REF,
    containing,
    outbox_pass,
    serving,
    started_standin,
    teams_settings,
    teams_ticket,
)
from tests.helpdesk_world import ATHENS_STAFF_CHAT

WAITING = "περιμένει απάντηση από το σχολείο"
SENT = f"✓ Στάλθηκε στο κέντρο υποστήριξης ({REF})."
HELENS = "KPL-2026-00002"


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    async with started_standin() as made:
        yield made


async def staff_texts(desk: Desk) -> list[str]:
    return [
        str(m.get("text") or m.get("caption") or "") for m in await desk.chat(ATHENS_STAFF_CHAT)
    ]


async def staff_photos(desk: Desk) -> int:
    return len([m for m in await desk.chat(ATHENS_STAFF_CHAT) if m.get("photo")])


async def stored(database_url: str, reference: str = REF) -> tuple[TicketView, int]:
    async with database(database_url) as sessions, sessions() as session:
        ticket = await tickets.ticket_by_reference(session, reference)
        events = await ticket_queries.history(session, ticket.id, include_internal=True)
    return ticket, len(events)


async def waiting_notice(desk: Desk, standin: StandIn) -> Message:
    """Maria's ticket, put on "waiting for the school" by the staff: its notice in Teams."""
    await standin.send(MARIA, "/start")
    await teams_ticket(desk, MARIA, "el")
    await outbox_pass(desk)
    await desk.press(ATHENS_STAFF, await post_of(desk, ATHENS_STAFF_CHAT, REF), "Ανάληψη")
    await outbox_pass(desk)
    post = await post_of(desk, ATHENS_STAFF_CHAT, REF)
    await desk.press(ATHENS_STAFF, post, "Αναμονή σχολείου")
    await outbox_pass(desk)
    [notice] = containing(standin.conversation(MARIA), WAITING)
    assert "Απαντήστε σε αυτό το μήνυμα" in notice.text, notice.text
    return notice


@pytest.mark.parametrize("form", ["entity", "html"])
async def test_a_quoted_reply_to_a_notice_reaches_the_ticket_once(
    launch: Launch, database_url: str, standin: StandIn, form: str
) -> None:
    desk = await open_desk(launch, database_url, **teams_settings(standin))
    async with serving(desk.bot, standin):
        notice = await waiting_notice(desk, standin)
        _, events = await stored(database_url)
        answer = "Ο αριθμός σειράς είναι SN-4411."
        [told] = await standin.reply(MARIA, notice, answer, form=form)
        assert told.text == SENT, told.text
        await outbox_pass(desk)
        # In the staff group once, as her message on the ticket, without the quoted notice.
        mine = [t for t in await staff_texts(desk) if answer in t]
        assert len(mine) == 1, await staff_texts(desk)
        assert REF in mine[0]
        assert WAITING not in mine[0]
        ticket, after = await stored(database_url)
        assert after == events + 1 or after == events + 2  # the message (and its status)
        assert ticket.status is not Status.WAITING
        # Her next plain text is not for the ticket: the quote was for that message only.
        before = await staff_texts(desk)
        await standin.send(MARIA, "Πότε είναι η προθεσμία;")
        await outbox_pass(desk)
        assert await staff_texts(desk) == before

        # A quoted reply with a photo: the photo and the text go to the ticket.
        photos = await staff_photos(desk)
        [told] = await standin.reply(
            MARIA, notice, "Και η φωτογραφία της ετικέτας.", form=form, images=(png(4),)
        )
        assert told.text == SENT, told.text
        await outbox_pass(desk)
        assert await staff_photos(desk) == photos + 1
        assert len([t for t in await staff_texts(desk) if "φωτογραφία της ετικέτας" in t]) == 1
        ticket, _ = await stored(database_url)
        assert len(ticket.attachments) == 1


async def test_a_quote_of_a_message_about_no_ticket_is_an_ordinary_question(
    launch: Launch, database_url: str, standin: StandIn
) -> None:
    desk = await open_desk(launch, database_url, **teams_settings(standin))
    async with serving(desk.bot, standin):
        await waiting_notice(desk, standin)
        greeting = standin.conversation(MARIA)[0]
        _, events = await stored(database_url)
        before = await staff_texts(desk)
        question = "Πότε είναι η προθεσμία;"
        [plain] = await standin.send(MARIA, question)
        for form in ("entity", "html"):
            [answer] = await standin.reply(MARIA, greeting, question, form=form)
            assert answer.text == plain.text, (form, answer.text)
            assert not answer.text.startswith("✓")
        await outbox_pass(desk)
        assert await staff_texts(desk) == before
        assert (await stored(database_url))[1] == events


async def test_a_forged_quote_of_another_teachers_notice_changes_nothing(
    launch: Launch, database_url: str, standin: StandIn
) -> None:
    desk = await open_desk(launch, database_url, **teams_settings(standin))
    async with serving(desk.bot, standin):
        mine = await waiting_notice(desk, standin)
        await standin.send(HELEN, "/start")
        await teams_ticket(desk, HELEN, "en")
        await outbox_pass(desk)
        [helens] = containing(standin.conversation(HELEN), f"{HELENS}** has reached")
        _, events = await stored(database_url, HELENS)
        before = await staff_texts(desk)
        forged = "Κλείστε το, δεν χρειάζεται."
        greek = TeamsUser(HELEN.aad_object_id, HELEN.name, "el-GR")
        # What the text is without a quote: an FAQ question.
        [plain] = await standin.send(MARIA, forged)
        [plain_helen] = await standin.send(greek, forged)
        for form in ("entity", "html"):
            # Maria quotes Helen's notice (its id, which she never saw): an ordinary message.
            [answer] = await standin.reply(MARIA, mine, forged, form=form, message_id=helens.id)
            assert answer.text == plain.text, answer.text
            # And Helen quotes Maria's notice: not her ticket either.
            [answer] = await standin.reply(greek, helens, forged, form=form, message_id=mine.id)
            assert answer.text == plain_helen.text, answer.text
        await outbox_pass(desk)
        assert [t for t in await staff_texts(desk) if forged in t] == []
        assert await staff_texts(desk) == before
        assert (await stored(database_url, HELENS))[1] == events
        assert (await stored(database_url, REF))[0].status is Status.WAITING


async def test_a_quoted_staff_answer_reaches_the_ticket_and_a_closed_ticket_takes_nothing(
    launch: Launch, database_url: str, standin: StandIn
) -> None:
    desk = await open_desk(launch, database_url, **teams_settings(standin))
    async with serving(desk.bot, standin):
        await waiting_notice(desk, standin)
        post = await post_of(desk, ATHENS_STAFF_CHAT, REF)
        [prompt] = (await desk.press(ATHENS_STAFF, post, "Απάντηση στον/στην")).new
        await desk.reply(ATHENS_STAFF, prompt, "Ποιο PC ακριβώς;")
        await outbox_pass(desk)
        [answer] = containing(standin.conversation(MARIA), "Ποιο PC ακριβώς;")
        assert "έγραψε:" in answer.text
        [told] = await standin.reply(MARIA, answer, "Το PC-07.", form="html")
        assert told.text == SENT, told.text
        await outbox_pass(desk)
        assert len([t for t in await staff_texts(desk) if "Το PC-07." in t]) == 1

        # She closes the ticket; a quote of its notice then adds nothing and says why.
        [card] = await standin.send(MARIA, "/mytickets")
        assert await standin.submit(MARIA, card, REF) == []  # the card shows the ticket
        assert await standin.submit(MARIA, card, "Κλείσιμο") == []
        closed = card  # its card now says so
        assert closed.text.startswith(f"🔒 Το {REF} έκλεισε"), closed.text
        await outbox_pass(desk)
        _, events = await stored(database_url)
        before = await staff_texts(desk)
        [refused] = await standin.reply(MARIA, answer, "Και κάτι ακόμη.")
        assert refused.text == (
            "Αυτή η δήλωση έχει κλείσει. Ανοίξτε την ξανά από το /mytickets για να "
            "προσθέσετε κάτι."
        )
        await outbox_pass(desk)
        assert await staff_texts(desk) == before
        assert (await stored(database_url))[1] == events
        # Nothing was left pending for the ticket: her next text is an ordinary one.
        [plain] = await standin.send(MARIA, "Και κάτι ακόμη.")
        assert plain.text != refused.text
