"""Async Python client of the emulator's /sim API, for tests and the offline demo.

    async with SimClient(emu.url) as sim:
        alice = SimUser(1001, "Αλίκη", language_code="el")
        sent = await sim.send_text(alice, "/start")
        [reply] = await sim.wait_for_bot_messages(alice.id)
        query_id = await sim.press(alice, reply["message_id"], "menu:points")
        answer = await sim.wait_for_callback_answer(query_id)

Transcript entries are dicts (see `simulator.message_view`): message_id, from_bot, text,
entities, caption, reply_markup, photo/document/voice info, edited, deleted, ...
Waiting is event-driven (server-side long polls), never sleeps.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any

import aiohttp

JSON = dict[str, Any]


@dataclass(frozen=True)
class SimUser:
    """A simulated Telegram user; `language_code` goes into every update they cause."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "el"

    def to_json(self) -> JSON:
        return asdict(self)


class SimApiError(Exception):
    """The /sim API refused a request (unknown chat, no such button, ...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def _summary(messages: list[JSON]) -> str:
    lines = []
    for m in messages:
        who = "bot" if m["from_bot"] else "user"
        body = m["text"] if m["text"] is not None else (m["caption"] or "<media>")
        flags = " (deleted)" if m["deleted"] else (" (edited)" if m["edited"] else "")
        lines.append(f"  #{m['message_id']} {who}: {body!r}{flags}")
    return "\n".join(lines) or "  (no messages)"


class SimClient:
    """Acts as Telegram users against an `EmulatorServer` at `emu_url`."""

    def __init__(self, emu_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.base = emu_url.rstrip("/")
        self._session = session
        self._own_session = session is None

    async def __aenter__(self) -> SimClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.session.request(method, f"{self.base}{path}", **kwargs) as resp:
            if resp.content_type == "application/json":
                body = await resp.json()
            else:
                body = await resp.read()
            if resp.status >= 400:
                message = body.get("error") if isinstance(body, dict) else str(body)
                raise SimApiError(resp.status, str(message))
            return body

    async def _get(self, path: str, **params: Any) -> Any:
        query = {k: str(v) for k, v in params.items() if v is not None}
        return await self._request("GET", path, params=query)

    async def _post(self, path: str, body: JSON) -> Any:
        return await self._request("POST", path, json=body)

    # ---- users' actions ----------------------------------------------------------------

    async def send_text(
        self,
        user: SimUser,
        text: str,
        *,
        chat: int | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """Send a text (commands get their bot_command entity); returns the Message JSON."""
        body = {
            "user": user.to_json(),
            "text": text,
            "chat_id": chat,
            "reply_to": reply_to,
            "thread_id": thread_id,
        }
        result = await self._post("/sim/messages", body)
        message: JSON = result["message"]
        return message

    async def press(
        self, user: SimUser, message_id: int, callback_data: str, *, chat: int | None = None
    ) -> str:
        """Press an inline button of a bot message; returns the callback query id."""
        body = {
            "user": user.to_json(),
            "message_id": message_id,
            "callback_data": callback_data,
            "chat_id": chat,
        }
        result = await self._post("/sim/press", body)
        return str(result["callback_query_id"])

    async def _send_media(
        self,
        user: SimUser,
        kind: str,
        data: bytes,
        *,
        filename: str,
        mime_type: str | None,
        fields: dict[str, Any],
    ) -> JSON:
        form = aiohttp.FormData()
        form.add_field("user", json.dumps(user.to_json()))
        form.add_field("kind", kind)
        # aiohttp percent-encodes non-ASCII part file names: send the name as a field too.
        form.add_field("filename", filename)
        for key, value in fields.items():
            if value is not None:
                form.add_field(key, str(value))
        form.add_field(
            "file",
            data,
            filename=filename,
            content_type=mime_type or "application/octet-stream",
        )
        result = await self._request("POST", "/sim/media", data=form)
        message: JSON = result["message"]
        return message

    async def send_photo(
        self,
        user: SimUser,
        data: bytes,
        caption: str | None = None,
        media_group_id: str | None = None,
        *,
        chat: int | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """Send a photo (PNG/JPEG/GIF/WebP/BMP bytes); returns the Message JSON."""
        fields = {
            "caption": caption,
            "media_group_id": media_group_id,
            "chat_id": chat,
            "reply_to": reply_to,
            "thread_id": thread_id,
        }
        return await self._send_media(
            user, "photo", data, filename="photo.jpg", mime_type=None, fields=fields
        )

    async def send_document(
        self,
        user: SimUser,
        data: bytes,
        filename: str,
        mime: str,
        caption: str | None = None,
        *,
        media_group_id: str | None = None,
        chat: int | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        fields = {
            "caption": caption,
            "media_group_id": media_group_id,
            "chat_id": chat,
            "reply_to": reply_to,
            "thread_id": thread_id,
        }
        return await self._send_media(
            user, "document", data, filename=filename, mime_type=mime, fields=fields
        )

    async def send_voice(
        self,
        user: SimUser,
        data: bytes,
        duration: int = 1,
        *,
        caption: str | None = None,
        chat: int | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """Send a voice message; `duration` in seconds."""
        fields = {
            "caption": caption,
            "duration": duration,
            "chat_id": chat,
            "reply_to": reply_to,
            "thread_id": thread_id,
        }
        return await self._send_media(
            user, "voice", data, filename="voice.ogg", mime_type="audio/ogg", fields=fields
        )

    async def add_to_group(
        self,
        user: SimUser,
        group_chat_id: int,
        title: str,
        is_forum: bool = False,
        *,
        status: str | None = None,
    ) -> JSON:
        """Put `user` in a group where the bot is an administrator; creates it if new.

        A new group is "created" by `user` (status creator; the bot gets a
        `my_chat_member` update), later users join as members. `status` overrides:
        creator, administrator, member, left or kicked. Ids below -100… are
        supergroups (forums always are); others are basic groups.
        """
        body = {
            "user": user.to_json(),
            "chat_id": group_chat_id,
            "title": title,
            "is_forum": is_forum,
            "status": status,
        }
        result = await self._post("/sim/groups", body)
        chat: JSON = result["chat"]
        return chat

    async def create_topic(self, user: SimUser, group_chat_id: int, name: str) -> JSON:
        """A forum topic created by `user`; returns the ForumTopic JSON."""
        result = await self._post(
            f"/sim/chats/{group_chat_id}/topics", {"user": user.to_json(), "name": name}
        )
        topic: JSON = result["topic"]
        return topic

    async def migrate_group(self, chat_id: int, new_chat_id: int | None = None) -> JSON:
        """Upgrade a basic group to a supergroup (a new id; the old one answers
        `migrate_to_chat_id`); returns the new chat."""
        body: JSON = {} if new_chat_id is None else {"new_chat_id": new_chat_id}
        result = await self._post(f"/sim/chats/{chat_id}/migrate", body)
        chat: JSON = result["chat"]
        return chat

    async def block(self, chat_id: int, blocked: bool = True) -> None:
        """Private chat: the user (un)blocks the bot. Group: the bot is removed (or back)."""
        await self._post(f"/sim/chats/{chat_id}/block", {"blocked": blocked})

    # ---- watching ----------------------------------------------------------------------

    async def personas(self) -> list[JSON]:
        """The people the web page offers to be (the demo's cast; none in a bare emulator)."""
        return list((await self._get("/sim/personas"))["personas"])

    async def messages(self, chat_id: int) -> list[JSON]:
        """The whole transcript of a chat, oldest first (deleted ones flagged)."""
        result = await self._get(f"/sim/chats/{chat_id}/messages", wait=0)
        messages: list[JSON] = result["messages"]
        return messages

    async def chat_state(self, chat_id: int) -> JSON:
        """Custom keyboard, force reply, typing status, topics, blocked flag of a chat."""
        state: JSON = await self._get(f"/sim/chats/{chat_id}")
        return state

    async def wait_for_bot_messages(
        self,
        chat_id: int,
        count: int = 1,
        after_message_id: int | None = None,
        timeout: float = 5,  # noqa: ASYNC109 (seconds; a server-side long poll)
    ) -> list[JSON]:
        """Bot messages after `after_message_id` (default: the last user message), once
        there are at least `count`; raises TimeoutError after `timeout` seconds."""
        result = await self._get(
            f"/sim/chats/{chat_id}/messages",
            after="last_user" if after_message_id is None else after_message_id,
            from_bot=1,
            count=count,
            wait=timeout,
        )
        found: list[JSON] = result["messages"]
        if len(found) < count:
            try:
                transcript = await self.messages(chat_id)
            except SimApiError:  # the chat does not exist (yet)
                transcript = []
            raise TimeoutError(
                f"expected {count} bot message(s) in chat {chat_id} after "
                f"#{result['after']} within {timeout}s, got {len(found)}. Transcript:\n"
                + _summary(transcript)
            )
        return found

    async def wait_until(
        self,
        chat_id: int,
        predicate: Callable[[list[JSON]], bool],
        timeout: float = 5,  # noqa: ASYNC109 (seconds; a server-side long poll)
    ) -> list[JSON]:
        """Wait until `predicate(transcript)` holds (e.g. a message was edited)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        version = 0
        while True:
            result = await self._get(f"/sim/chats/{chat_id}/messages", wait=0)
            transcript: list[JSON] = result["messages"]
            if predicate(transcript):
                return transcript
            version = max(version, int(result["version"]))
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"condition not met in chat {chat_id} within {timeout}s. Transcript:\n"
                    + _summary(transcript)
                )
            changes = await self._get(
                f"/sim/chats/{chat_id}/changes", since=version, wait=remaining
            )
            version = int(changes["version"])

    async def callback_answers(
        self, chat_id: int | None = None, query_id: str | None = None, wait: float = 0
    ) -> list[JSON]:
        """answerCallbackQuery calls seen (text, show_alert, url, ...), oldest first."""
        result = await self._get(
            "/sim/callback_answers", chat_id=chat_id, query_id=query_id, wait=wait
        )
        answers: list[JSON] = result["answers"]
        return answers

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5,  # noqa: ASYNC109 (seconds; a server-side long poll)
    ) -> JSON:
        answers = await self.callback_answers(query_id=query_id, wait=timeout)
        if not answers:
            raise TimeoutError(f"callback query {query_id} not answered within {timeout}s")
        return answers[0]

    async def commands(self, chat_id: int, user: SimUser) -> list[JSON]:
        """The command menu `user`'s Telegram app would show in `chat_id`."""
        result = await self._get(f"/sim/chats/{chat_id}/commands", user_id=user.id)
        commands: list[JSON] = result["commands"]
        return commands

    async def download(self, file_id: str) -> bytes:
        """The bytes of a file a user or the bot sent, as stored (a JSON file is not parsed)."""
        async with self.session.get(f"{self.base}/sim/files/{file_id}") as resp:
            data = await resp.read()
            if resp.status >= 400:
                try:
                    message = str(json.loads(data)["error"])
                except (ValueError, KeyError, TypeError):
                    message = data.decode("utf-8", "replace")
                raise SimApiError(resp.status, message)
            return data

    async def pending_updates(self) -> list[JSON]:
        """Updates queued for the bot and not yet confirmed."""
        result = await self._get("/sim/updates")
        pending: list[JSON] = result["pending"]
        return pending

    # ---- faults and statistics ---------------------------------------------------------

    async def inject_fault(
        self,
        method: str,
        kind: str,
        count: int = 1,
        retry_after: int = 1,
        *,
        hang_seconds: float = 30.0,
        chat_id: int | None = None,
    ) -> None:
        """The next `count` calls of `method` (for `chat_id` only, if given) fail: "5xx"
        (502 Bad Gateway), "timeout" (no answer for `hang_seconds`, then 504), "429" (with
        `retry_after` seconds) or "reset" (the connection drops without an answer).
        The failing calls have no effect."""
        body = {
            "chat_id": chat_id,
            "method": method,
            "kind": kind,
            "count": count,
            "retry_after": retry_after,
            "hang_seconds": hang_seconds,
        }
        await self._post("/sim/faults", body)

    async def clear_faults(self) -> None:
        await self._request("DELETE", "/sim/faults")

    async def stats(self) -> JSON:
        """{"calls": {method: n}, "errors": {method: {code: n}}, "too_many_requests": n,
        "sent": {chat_id: [Unix times of sent messages]}, "refused": [...]}."""
        stats: JSON = await self._get("/sim/stats")
        return stats

    async def refused(self) -> list[JSON]:
        """Every call the emulator refused, in order: {"method", "code", "description"}."""
        refused: list[JSON] = (await self.stats())["refused"]
        return refused
