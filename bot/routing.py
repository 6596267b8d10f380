"""Which channel a notice goes out on: the `Notifier` the queues are given.

The helpdesk outbox and the reminders address a person by their `users.id`, as a
Telegram chat (a teacher's private chat with the bot has their user id). A person of
another channel (Microsoft Teams) has a user id at or above 2**62
(`bot.services.channels`), which no Telegram chat ever has (Telegram's ids have at most
52 bits, groups are negative). So the id alone says where a notice goes, and no row of
the queues needs a channel of its own: `ChannelRouter` hands Telegram's addresses to
Telegram's notifier, and a channel person's to their channel's notifier, at the
conversation they last had with the bot (its stored reference).

The queues keep message ids as numbers (the ticket links), while another channel's ids
are text ("1:f00…"): the router gives back `channels.message_number` of each, the same
number the channel's adapter computes for a message the person answers.

Outcomes stay the channel notifier's (429 → `RetryLater`, the app removed →
`RecipientGone`, …); a person with no conversation left is `RecipientGone`, a channel
this process does not serve (its adapter is not mounted yet) is `TemporaryFailure`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import channels
from bot.ui import Address, Delivered, Notifier, Screen
from bot.ui.notifier import PermanentFailure, RecipientGone, TemporaryFailure

TELEGRAM: Final = "telegram"


def _number(message: str | None) -> str | None:
    return None if message is None else str(channels.message_number(message))


class ChannelRouter:
    """Delivers each notice on the channel of its recipient."""

    channel: str = TELEGRAM

    def __init__(
        self,
        telegram: Notifier,
        sessions: async_sessionmaker[AsyncSession],
        others: Mapping[str, Notifier],
    ) -> None:
        self.telegram = telegram
        self.sessions = sessions
        # The registry itself (not a copy): a channel mounted later is found.
        self.others = others

    async def deliver(self, to: Address, screen: Screen) -> Delivered:
        if to.channel != TELEGRAM:
            return await self._on(to.channel, to, screen, known=False)
        try:
            user_id = int(to.chat)
        except ValueError:
            return await self.telegram.deliver(to, screen)
        if not channels.is_channel_user(user_id):
            return await self.telegram.deliver(to, screen)
        async with self.sessions() as session:
            found = await channels.latest_conversation(session, user_id)
        if found is None:
            raise RecipientGone("no conversation with the bot on the person's channel")
        channel, conversation_id = found
        delivered = await self._on(channel, Address(channel, conversation_id), screen, known=True)
        return Delivered(
            _number(delivered.message),
            tuple(n for m in delivered.extra if (n := _number(m)) is not None),
        )

    async def _on(self, channel: str, to: Address, screen: Screen, *, known: bool) -> Delivered:
        """`to` on `channel`; `known`: a channel a person of ours is on."""
        notifier = self.others.get(channel)
        if notifier is None:
            if known:  # its adapter is not mounted (yet): the queue tries again
                raise TemporaryFailure(f"the {channel} channel is not served by this process")
            raise PermanentFailure(f"no notifier for the channel {channel}")
        return await notifier.deliver(to, screen)
