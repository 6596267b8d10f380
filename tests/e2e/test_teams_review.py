"""Acceptance review of the Teams adapter (issue 16): what a teacher, an operator and an
attacker can send the real adapter over HTTP, against the local stand-in for the Bot
Connector, on the test's database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.channel_models import ChannelConversation, ChannelUser
from bot.db import create_engine, session_factory
from bot.i18n import get_translator
from bot.models import FaqFeedback, User
from bot.services import privacy
from bot.services.channels import message_number, user_id_for
from bot.ui import Screen
from bot.ui.notifier import DeliveryError, TemporaryFailure
from teams import connector as connector_module
from teams.auth import TokenSource
from teams.connector import Connector
from teams.files import FileStore
from teams.notifier import TeamsNotifier, address
from teams.standin import StandIn, TeamsUser
from tests.e2e.conftest import Launch
from tests.e2e.test_teams import (
    HELEN,
    MARIA,
    TeamsWorld,
    answer_interview,
    last_card,
    state_of,
    teams_world,
    world,
)
from tests.e2e.test_teams_reminders import active

__all__ = ["world"]  # the fixture, shared with test_teams


async def test_a_long_message_is_read_whole_and_answered(world: TeamsWorld) -> None:
    """A Bot Connector activity of tens of KB (a long pasted text; Teams allows ~28 KB of
    text, and the JSON escapes and entities add more) arrives in several TCP chunks: the
    adapter must read the whole body, not the first chunk, before it checks the token
    (else the serviceUrl is not found and a valid request gets 401)."""
    standin = world.standin
    for size in (4_000, 14_000, 40_000):
        before = len(standin.conversation(HELEN))
        status = await standin.post(standin.activity(HELEN, text="για " + "α" * size))
        assert status == 200, (size, status)
        assert len(standin.conversation(HELEN)) > before, size


async def test_a_replayed_activity_is_handled_once(world: TeamsWorld) -> None:
    """The Bot Connector retries an activity the bot did not acknowledge (a timeout, a
    5xx): the same activity id again must not answer a second question with the text of
    the first."""
    standin = world.standin
    last_card(await standin.send(MARIA, "/points"))
    answer = standin.activity(MARIA, text="Ναι")
    assert await standin.post(answer) == 200
    after_first = await state_of(world.bot.database_url, MARIA)
    seen = len(standin.conversation(MARIA))
    assert await standin.post(answer) == 200  # the same id: a retry
    assert len(standin.conversation(MARIA)) == seen, [
        m.text for m in standin.conversation(MARIA)[seen:]
    ]
    state = await state_of(world.bot.database_url, MARIA)
    assert state.get("points") == after_first.get("points")


async def test_an_activity_with_a_malformed_identity_is_refused_not_crashed(
    world: TeamsWorld,
) -> None:
    """An authenticated activity whose sender id is beyond what keplibot stores (over 200
    characters, no AAD id) is a bad request (400), not an unhandled error (500, which the
    Bot Connector retries)."""
    standin = world.standin
    odd = TeamsUser("7f0c1a52-0000-4000-8000-0000000000ff", "Odd", "en-US")
    activity = standin.activity(odd, text="/start")
    activity["from"] = {"id": "29:" + "x" * 300, "name": "Odd"}
    assert await standin.post(activity) == 400
    assert standin.conversation(odd) == []


# --- the notifier when Microsoft's side misbehaves ------------------------------------------


class FaultyStandIn(StandIn):
    """The stand-in whose token service refuses (`token_fault`: status, body, content type)
    or whose Bot Connector never answers a send (`hang`)."""

    def __init__(self) -> None:
        super().__init__()
        self.token_fault: tuple[int, str, str] | None = None
        self.hang = False

    async def _token(self, request: web.Request) -> web.Response:
        if self.token_fault is not None:
            status, body, content_type = self.token_fault
            return web.Response(status=status, text=body, content_type=content_type)
        return await super()._token(request)

    async def _send(self, request: web.Request) -> web.Response:
        if self.hang:
            await asyncio.sleep(10)
        return await super()._send(request)


@pytest.fixture
async def faulty(launch: Launch) -> AsyncIterator[TeamsWorld]:
    async with teams_world(launch, FaultyStandIn()) as made:
        yield made


def fresh_notifier(world: TeamsWorld, http: aiohttp.ClientSession) -> TeamsNotifier:
    """A notifier with a token source of its own (no token cached yet)."""
    app = world.bot.app
    assert app is not None
    runtime = app.bot_data.runtime
    connector = Connector(TokenSource(runtime.settings, http))
    return TeamsNotifier(runtime, connector, FileStore("https://bot.example.gr"))


NOTICE = Screen("KPL-2026-00001: solved")


async def test_a_refused_bot_token_is_not_blamed_on_the_recipient(faulty: TeamsWorld) -> None:
    """Entra ID refusing the bot's own token (a wrong tenant or app: 400; a policy: 403; a
    proxy's HTML 502) says nothing about the teacher: the notice waits (TemporaryFailure),
    it is not dropped for good (PermanentFailure) nor the teacher taken for gone
    (RecipientGone: their reminders would stop)."""
    standin = faulty.standin
    assert isinstance(standin, FaultyStandIn)
    await standin.send(MARIA, "/start")  # the conversation (and its reference) is known
    faults = [
        (400, '{"error": "unauthorized_client", "error_description": "AADSTS700016"}', "json"),
        (403, '{"error": "access_denied"}', "json"),
        (502, "<html><body>Bad gateway</body></html>", "html"),
    ]
    async with aiohttp.ClientSession() as http:
        for status, body, kind in faults:
            standin.token_fault = (
                status,
                body,
                f"application/{kind}" if kind == "json" else "text/html",
            )
            notifier = fresh_notifier(faulty, http)
            with pytest.raises(DeliveryError) as caught:
                await notifier.deliver(address(MARIA.conversation_id), NOTICE)
            assert type(caught.value) is TemporaryFailure, (status, caught.value)
        standin.token_fault = None
        delivered = await fresh_notifier(faulty, http).deliver(
            address(MARIA.conversation_id), NOTICE
        )
        assert delivered.message == standin.conversation(MARIA)[-1].id


async def test_a_bot_connector_that_does_not_answer_is_given_up_on(
    faulty: TeamsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Bot Connector that accepts the connection and never answers: the send gives up
    after the connector's timeout (`teams.connector.HTTP_TIMEOUT`, shortened here) as a
    TemporaryFailure, instead of holding the queue (and the conversation's lock) for
    aiohttp's default five minutes."""
    standin = faulty.standin
    assert isinstance(standin, FaultyStandIn)
    await standin.send(MARIA, "/start")
    monkeypatch.setattr(
        connector_module, "HTTP_TIMEOUT", aiohttp.ClientTimeout(total=0.5), raising=False
    )
    standin.hang = True
    async with aiohttp.ClientSession() as http:
        notifier = fresh_notifier(faulty, http)
        started = time.monotonic()
        with pytest.raises(TemporaryFailure):
            await asyncio.wait_for(
                notifier.deliver(address(MARIA.conversation_id), NOTICE), timeout=5
            )
        assert time.monotonic() - started < 3


# --- privacy ------------------------------------------------------------------------------


async def test_a_teams_teachers_export_holds_the_stored_conversation_reference(
    world: TeamsWorld,
) -> None:
    """`keplibot privacy export` for a Teams person (by their user id) holds what is
    stored about them, the conversation's reference included (their Teams id and tenant:
    what a notice is sent with), not only the AAD id and the dialogs' state."""
    standin = world.standin
    last_card(await standin.send(MARIA, "/points"))
    await standin.send(MARIA, "Ναι")
    engine = create_engine(world.bot.database_url)
    try:
        async with session_factory(engine)() as session:
            document = await privacy.export(session, user_id_for("teams", MARIA.aad_object_id))
    finally:
        await engine.dispose()
    text = privacy.to_json(document)
    assert MARIA.aad_object_id in text
    assert "teaches_informatics" in text  # the interview's answers so far
    assert MARIA.id in text, "the stored Teams id (29:…) of the reference is not exported"
    assert '"t-1"' in text, "the stored tenant id is not exported"


async def test_a_teams_teachers_erasure_leaves_no_row_and_a_new_chat_starts_afresh(
    world: TeamsWorld,
) -> None:
    standin = world.standin
    last_card(await standin.send(MARIA, "/points"))
    await standin.send(MARIA, "Ναι")
    user_id = user_id_for("teams", MARIA.aad_object_id)
    engine = create_engine(world.bot.database_url)
    try:
        async with session_factory(engine)() as session:
            counts = await privacy.erase(session, user_id)
        assert counts["channels"] == 2  # the identity and the conversation
        async with session_factory(engine)() as session:
            for model in (ChannelConversation, ChannelUser):
                rows = await session.scalars(select(model).where(model.user_id == user_id))
                assert list(rows) == [], model
            assert await session.get(User, user_id) is None
            assert not privacy.has_personal_data(await privacy.export(session, user_id))
    finally:
        await engine.dispose()
    # Writing again, Maria is a new person: no interview to continue.
    [answer] = await standin.send(MARIA, "Ναι")
    assert "1/7" not in answer.text
    assert "points" not in await state_of(world.bot.database_url, MARIA)


# --- held: concurrency, languages, identities ----------------------------------------------


async def test_two_presses_of_one_card_at_once_answer_once(world: TeamsWorld) -> None:
    standin = world.standin
    question = last_card(await standin.send(MARIA, "/points"))
    yes = question.data_of("Ναι")
    first = standin.activity(MARIA, value=yes, replyToId=question.id)
    second = standin.activity(MARIA, value=yes, replyToId=question.id)
    before = len(standin.conversation(MARIA))
    statuses = await asyncio.gather(standin.post(first), standin.post(second))
    assert statuses == [200, 200]
    new = [m.text for m in standin.conversation(MARIA)[before:]]
    assert new == ["Αυτό το κουμπί δεν είναι πια ενεργό."], new
    state = await state_of(world.bot.database_url, MARIA)
    points = state["points"]
    assert isinstance(points, dict)
    assert points["answers"] == {"teaches_informatics": True}


async def test_the_client_language_decides_until_one_is_chosen(world: TeamsWorld) -> None:
    standin = world.standin
    greek = TeamsUser("7f0c1a52-0000-4000-8000-0000000000e1", "Νίκος", "el-GR")
    english = TeamsUser("7f0c1a52-0000-4000-8000-0000000000e2", "John", "en-US")
    french = TeamsUser("7f0c1a52-0000-4000-8000-0000000000e3", "Jean", "fr-FR")
    odd = TeamsUser("7f0c1a52-0000-4000-8000-0000000000e4", "X", "x" * 300)
    [hello] = await standin.send(greek, "help")
    assert hello.text.startswith("Γεια σας, Νίκος!")
    [hello] = await standin.send(english, "help")
    assert hello.text.startswith("Hello, John!")
    [hello] = await standin.send(french, "help")
    assert hello.text.startswith("Γεια σας, Jean!")  # DEFAULT_LOCALE (el)
    [hello] = await standin.send(odd, "help")
    assert hello.text.startswith("Γεια σας, X!")


async def test_a_teams_person_is_never_a_telegram_user(world: TeamsWorld) -> None:
    """A Teams person's user id is ≥ 2**62 whatever the AAD id; a Telegram user's id, the
    same digits as text, is someone else; the same AAD id sent as `from.id` without
    `aadObjectId` is another identity (Teams always sends both)."""
    standin = world.standin
    await standin.send(MARIA, "/start")
    engine = create_engine(world.bot.database_url)
    try:
        async with session_factory(engine)() as session:
            rows = list(await session.scalars(select(ChannelUser)))
            assert [row.external_id for row in rows] == [MARIA.aad_object_id]
            assert all(row.user_id >= 2**62 for row in rows)
            users = list(await session.scalars(select(User.id)))
            assert users == [user_id_for("teams", MARIA.aad_object_id)]
    finally:
        await engine.dispose()


async def test_a_lone_surrogate_in_a_text_or_a_name_is_read_not_an_error(
    world: TeamsWorld,
) -> None:
    """JSON may escape half of a UTF-16 pair ("\\ud800"): the text is still a question
    (answered, not "something went wrong", which a retry would get again) and the name
    still a name (not a 500)."""
    standin = world.standin
    [answer] = await standin.send(HELEN, "for how long is the lab manager appointed \ud800")
    assert answer.text.startswith("**How long is the lab manager's term?**"), answer.text
    [answer] = await standin.send(HELEN, "lone \ud800 surrogate")  # no answer: kept as asked
    assert answer.text.startswith("Sorry, I could not find an answer"), answer.text
    odd = TeamsUser("7f0c1a52-0000-4000-8000-0000000000d8", "Ann \udc00", "en-US")
    [hello] = await standin.send(odd, "help")
    assert hello.text.startswith("Hello, Ann"), hello.text


async def test_a_declaration_file_is_downloaded_whole(world: TeamsWorld) -> None:
    """A JSON file the teacher sends is read to its end (or to one byte over the limit),
    not only the first chunk that arrived: a valid declaration padded to 150 KB is scored,
    a file over 256 KB is "too large" (not "not a declaration")."""
    standin = world.standin
    result = await answer_interview(standin, MARIA)
    [json_message] = await standin.submit(MARIA, result, "⬇️ JSON")
    [attachment] = json_message.files
    declaration = json.loads(await standin.download(attachment))
    padded = json.dumps(declaration, indent=2).replace("\n", "\n" + " " * 8000).encode()
    assert 100_000 < len(padded) < 256 * 1024, len(padded)
    [again] = await standin.send_file(MARIA, "padded.json", padded)
    assert again.text.startswith("📂"), again.text
    [refused] = await standin.send_file(MARIA, "huge.json", b" " * (300 * 1024) + b"{}")
    too_large = get_translator("el").gettext("This file is too large to be a declaration.")
    assert refused.text == "⚠️ " + too_large, refused.text


async def test_deeply_nested_json_without_a_token_is_refused_not_an_error(
    world: TeamsWorld,
) -> None:
    """Anyone can post to /api/messages: JSON nested hundreds or thousands deep (within
    the 256 KB limit) is refused like any request without a valid token (401), not an
    unhandled RecursionError (500 and a traceback in the log for every such request);
    nor with a valid token."""
    standin = world.standin
    async with aiohttp.ClientSession() as http:
        for depth in (500, 100_000):
            body = '{"serviceUrl": "x", "a": ' + "[" * depth + "]" * depth + "}"
            headers = {"Content-Type": "application/json"}
            async with http.post(standin.bot_url, data=body, headers=headers) as resp:
                assert resp.status == 401, (depth, resp.status)
            body = json.dumps(standin.activity(MARIA, text="hi"))[:-1]
            body += ', "channelData": ' + "[" * depth + "]" * depth + "}"
            headers["Authorization"] = f"Bearer {standin.token()}"
            async with http.post(standin.bot_url, data=body, headers=headers) as resp:
                # Unreadable, so no serviceUrl to check the token against: 401 (or 400).
                assert resp.status in (400, 401), (depth, resp.status)
    assert standin.conversation(MARIA) == []


async def test_a_long_greek_notice_is_cut_to_what_teams_takes_on_the_wire(
    world: TeamsWorld,
) -> None:
    """A staff answer of a few thousand Greek characters, relayed to a Teams teacher: the
    SDK sends JSON with non-ASCII escaped (\\u03b1, 6 bytes a letter), so the 28 KB limit
    is reached at ~4,500 Greek letters, not at the 20 KB of UTF-8 the split counted (10,000
    letters): each part must fit as sent, not be refused (413) by the Bot Connector."""
    standin = world.standin
    await standin.send(MARIA, "/start")
    before = len(standin.conversation(MARIA))
    answer = "\n".join(["Καλησπέρα σας, η βλάβη αποκαταστάθηκε. " * 10] * 20)  # ~8,000 letters
    async with aiohttp.ClientSession() as http:
        delivered = await fresh_notifier(world, http).deliver(
            address(MARIA.conversation_id), Screen(answer)
        )
    assert standin.refusals == []
    parts = standin.conversation(MARIA)[before:]
    assert len(parts) >= 2
    assert delivered.message == parts[0].id
    assert "".join(m.text for m in parts).count("αποκαταστάθηκε") == 200


async def test_a_vote_counts_only_for_an_answer_the_person_was_sent(world: TeamsWorld) -> None:
    """Telegram says which message a button is under; in Teams the submit's `replyToId`
    is the client's word. Helen's 👍 with made-up card ids (or the id of Maria's answer)
    must not add a vote each time: only an answer card the bot sent Helen takes one."""
    standin = world.standin
    question = "for how long is the lab manager appointed"
    [theirs] = await standin.send(MARIA, "για πόσο καιρό ορίζεται ο υπεύθυνος εργαστηρίου")
    [answer] = await standin.send(HELEN, question)
    up = answer.data_of("👍 Yes")
    for card in ("1:made-up-1", "1:made-up-2", theirs.id):
        await standin.post(standin.activity(HELEN, value=up, replyToId=card))
    await standin.submit(HELEN, answer, "👍 Yes")  # her own answer: counted
    engine = create_engine(world.bot.database_url)
    try:
        async with session_factory(engine)() as session:
            votes = list(await session.scalars(select(FaqFeedback)))
    finally:
        await engine.dispose()
    assert [(v.user_id, v.message_id) for v in votes] == [
        (user_id_for("teams", HELEN.aad_object_id), message_number(answer.id))
    ]


async def test_a_change_made_is_not_reported_as_failed_when_its_card_cannot_be_updated(
    world: TeamsWorld,
) -> None:
    """A reminders button whose card cannot be replaced (the submit names a card the Bot
    Connector does not know: 404) after the subscription was changed: the teacher must
    not be told "something went wrong … nothing you entered is lost, try again" while
    they do follow the deadlines now; the new screen comes as a new message instead."""
    standin = world.standin
    [menu] = await standin.send(HELEN, "/start")
    await standin.submit(HELEN, menu, "Reminders")
    offer = standin.conversation(HELEN)[-1]
    follow = offer.data_of("Follow all deadlines")
    before = len(standin.conversation(HELEN))
    assert await standin.post(standin.activity(HELEN, value=follow, replyToId="1:gone")) == 200
    standin.refusals.clear()  # the update of "1:gone", refused as Teams would
    texts = [m.text for m in standin.conversation(HELEN)[before:]]
    assert await active(world.bot, user_id_for("teams", HELEN.aad_object_id))
    assert not any(t.startswith("Sorry, something went wrong") for t in texts), texts
    assert any(t.startswith("Done: you follow the deadlines.") for t in texts), texts
