"""The bot's calls to the Bot Connector at an activity's `serviceUrl`, through the Agents
SDK's `ConnectorClient`, with the bot's token (`teams.auth.TokenSource`).

`Conversation` is where a reply goes (the service URL, the conversation, the bot and the
person as the incoming activity named them): `send` posts a new message, `update`
replaces one (a card whose buttons were used). A message over Teams' 28 KB is never sent
(`TooLarge`): the renderer splits texts and links large files so that none is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from teams.auth import TokenSource
from teams.render import MAX_ACTIVITY_BYTES, size

# A Bot Connector call that has not answered by then is given up on (a TimeoutError: the
# turn apologises, a notice is tried again later) rather than after aiohttp's 5 minutes.
HTTP_TIMEOUT: Final = aiohttp.ClientTimeout(total=30, sock_connect=10)

log = logging.getLogger(__name__)


class TooLarge(ValueError):
    """A message over Teams' 28 KB."""


@dataclass(frozen=True)
class Conversation:
    """Where replies go, as the incoming activity named it; JSON-able as a reference."""

    service_url: str
    conversation_id: str
    bot_id: str
    bot_name: str
    user_id: str
    tenant_id: str | None = None

    def reference(self) -> dict[str, Any]:
        return {
            "service_url": self.service_url,
            "bot_id": self.bot_id,
            "bot_name": self.bot_name,
            "user_id": self.user_id,
            "tenant_id": self.tenant_id,
        }

    def addressed(self, activity: dict[str, Any]) -> Activity:
        """`activity` (JSON of `teams.render`) from the bot to this conversation."""
        full: dict[str, Any] = {
            **activity,
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": self.bot_id, "name": self.bot_name},
            "recipient": {"id": self.user_id},
            "conversation": {"id": self.conversation_id},
        }
        if self.tenant_id:
            full["conversation"]["tenantId"] = self.tenant_id
        return Activity.model_validate(full)


class Connector:
    """Sends and updates messages of conversations."""

    def __init__(self, tokens: TokenSource) -> None:
        self.tokens = tokens

    async def _client(self, service_url: str) -> ConnectorClient:
        token = await self.tokens.token()
        session = aiohttp.ClientSession(base_url=_base(service_url), timeout=HTTP_TIMEOUT)
        return ConnectorClient(service_url, token, session=session)

    @staticmethod
    def _checked(conversation: Conversation, activity: dict[str, Any]) -> Activity:
        if size(activity) > MAX_ACTIVITY_BYTES:
            raise TooLarge(f"a message of {size(activity)} bytes")
        return conversation.addressed(activity)

    async def send(self, conversation: Conversation, activity: dict[str, Any]) -> str | None:
        """Post a message; its id."""
        body = self._checked(conversation, activity)
        client = await self._client(conversation.service_url)
        try:
            response = await client.conversations.send_to_conversation(
                conversation.conversation_id, body
            )
        finally:
            await client.close()
        return response.id

    async def update(
        self, conversation: Conversation, activity_id: str, activity: dict[str, Any]
    ) -> None:
        """Replace the message `activity_id` (its text and card)."""
        body = self._checked(conversation, activity)
        body.id = activity_id
        client = await self._client(conversation.service_url)
        try:
            await client.conversations.update_activity(
                conversation.conversation_id, activity_id, body
            )
        finally:
            await client.close()


def _base(service_url: str) -> str:
    return service_url if service_url.endswith("/") else service_url + "/"
