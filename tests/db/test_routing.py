"""Which notifier a queued notice goes to (`bot.routing.ChannelRouter`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db import create_engine, session_factory
from bot.routing import ChannelRouter
from bot.services import channels
from bot.ui import Address, Delivered, Screen
from bot.ui.notifier import PermanentFailure, RecipientGone, TemporaryFailure

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class Recording:
    def __init__(self, channel: str, message: str) -> None:
        self.channel = channel
        self.message = message
        self.got: list[Address] = []

    async def deliver(self, to: Address, screen: Screen) -> Delivered:
        self.got.append(to)
        return Delivered(self.message, (self.message + "-2",))


async def test_telegram_chats_go_to_telegram_and_channel_people_to_their_last_conversation(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            maria = await channels.person(session, "teams", "aad-1", name="Μαρία", language="el")
            helen = await channels.person(session, "teams", "aad-2", name="Helen", language="en")
            for cid, when in (("a:old", T0), ("a:new", T0 + timedelta(days=1))):
                await channels.save_state(
                    session, "teams", cid, maria.user_id, {}, {"service_url": "x"}, now=when
                )
        telegram = Recording("telegram", "41")
        teams = Recording("teams", "1:abc")
        others: dict[str, Recording] = {}
        router = ChannelRouter(telegram, sessions, others)
        notice = Screen("📨")

        # Teams not mounted (yet): the queue tries again later.
        with pytest.raises(TemporaryFailure):
            await router.deliver(Address.telegram(maria.user_id), notice)
        others["teams"] = teams

        assert await router.deliver(Address.telegram(1001), notice) == Delivered("41", ("41-2",))
        assert await router.deliver(Address.telegram(-100123, thread=5), notice)
        assert [a.chat for a in telegram.got] == ["1001", "-100123"]

        delivered = await router.deliver(Address.telegram(maria.user_id), notice)
        assert teams.got == [Address("teams", "a:new")]
        # The queues keep numbers: the adapter's number of the same text id.
        assert delivered.message == str(channels.message_number("1:abc"))
        assert delivered.extra == (str(channels.message_number("1:abc-2")),)

        with pytest.raises(RecipientGone):  # a person with no conversation (left, erased)
            await router.deliver(Address.telegram(helen.user_id), notice)
        with pytest.raises(PermanentFailure):
            await router.deliver(Address("viber", "x"), notice)
        assert await router.deliver(Address("teams", "a:old"), notice)
        assert teams.got[-1] == Address("teams", "a:old")
    finally:
        await engine.dispose()
