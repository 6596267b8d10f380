"""Acceptance review of the Teams adapter (issue 16): what a teacher, an operator and an
attacker can send the real adapter over HTTP, against the local stand-in for the Bot
Connector, on the test's database (SQLite and PostgreSQL)."""

from __future__ import annotations

from teams.standin import TeamsUser
from tests.e2e.test_teams import HELEN, MARIA, TeamsWorld, last_card, state_of, world

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
