"""Teams' adapter of the Notifier port (`bot.ui.notifier`): the counterpart of
`handlers/notifier.py`, for notices the core sends on its own (not as a reply).

`TeamsNotifier.deliver(Address("teams", conversation id), screen)` posts the screen to a
conversation the person once had with the bot (its stored reference: the service URL and
the bot's and person's ids, `bot.services.channels`), as Teams calls a proactive message.
The Bot Connector's answer becomes the port's outcome: 429 → `RetryLater` (its
Retry-After), 403/404 (the app was removed, the conversation is gone, the bot is
blocked) → `RecipientGone`, another 4xx → `PermanentFailure`, a 401 (the bot's own token
refused), a 5xx or a network fault → `TemporaryFailure`. One attempt; the queues
(helpdesk outbox, reminders) decide what next: they address a person by user id, and
`bot.routing.ChannelRouter` turns a Teams person's into their latest conversation here.
"""

from __future__ import annotations

from typing import Final

import aiohttp

from bot.runtime import Runtime
from bot.services import channels
from bot.ui import Address, Delivered, Screen
from bot.ui.notifier import (
    DeliveryError,
    PermanentFailure,
    RecipientGone,
    RetryLater,
    TemporaryFailure,
)
from teams.connector import Connector, Conversation, TooLarge
from teams.render import activities
from teams.turn import CHANNEL, FileLinks

DEFAULT_RETRY_AFTER: Final = 5.0  # seconds, when a 429 names no Retry-After


def address(conversation_id: str) -> Address:
    return Address(CHANNEL, conversation_id)


def delivery_error(exc: aiohttp.ClientResponseError) -> DeliveryError:
    """The Bot Connector's refusal as a delivery outcome."""
    status = exc.status
    if status == 429:
        header = exc.headers.get("Retry-After") if exc.headers is not None else None
        try:
            after = float(header) if header is not None else DEFAULT_RETRY_AFTER
        except ValueError:
            after = DEFAULT_RETRY_AFTER
        return RetryLater(after, f"429 {exc.message}")
    if status in (403, 404):
        return RecipientGone(f"{status} {exc.message}")
    if status == 401:  # the bot's token, not the person: a new one may do
        return TemporaryFailure(f"401 {exc.message}")
    if 400 <= status < 500:
        return PermanentFailure(f"{status} {exc.message}")
    return TemporaryFailure(f"{status} {exc.message}")


class TeamsNotifier:
    """Delivers screens to Teams conversations the bot has had."""

    channel: str = CHANNEL

    def __init__(self, runtime: Runtime, connector: Connector, files: FileLinks) -> None:
        self.runtime = runtime
        self.connector = connector
        self.files = files

    async def deliver(self, to: Address, screen: Screen) -> Delivered:
        if to.channel != CHANNEL:
            raise PermanentFailure(f"not a Teams address: {to.channel}")
        async with self.runtime.sessions() as session:
            known = await channels.reference_of(session, CHANNEL, to.chat)
        if known is None:
            raise RecipientGone("no conversation with the bot")
        _user_id, reference = known
        conversation = Conversation(
            service_url=str(reference.get("service_url", "")),
            conversation_id=to.chat,
            bot_id=str(reference.get("bot_id", "")),
            bot_name=str(reference.get("bot_name") or "keplibot"),
            user_id=str(reference.get("user_id", "")),
            tenant_id=reference.get("tenant_id"),
        )
        if not conversation.service_url.startswith(("https://", "http://")):
            raise RecipientGone("the conversation has no service URL")
        sent: list[str] = []
        try:
            for activity in activities(screen, self.files.link):
                sent.append(await self.connector.send(conversation, activity) or "")
        except aiohttp.ClientResponseError as exc:
            raise delivery_error(exc) from exc
        except TooLarge as exc:
            raise PermanentFailure(str(exc)) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        if not sent:
            raise PermanentFailure("an empty screen")
        return Delivered(sent[0] or None, tuple(sent[1:]))
