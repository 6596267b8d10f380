"""The /sim HTTP API: act as Telegram users and watch what the bot does.

Everything here is JSON (file uploads are multipart). Errors answer
`{"error": "..."}` with a 4xx status. Long polls take `wait` in seconds.
What the simulated users do is `bot.emulator.simulator`; see `bot/emulator/sim.py` for the
Python client and the README section for the list.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from bot.emulator.methods import lookup
from bot.emulator.simulator import (
    MEMBER_STATUSES,
    SimError,
    Simulator,
    bad_input,
    message_view,
)
from bot.emulator.state import (
    JSON,
    ChatRecord,
    Fault,
    MessageRecord,
    World,
)
from bot.emulator.ui_strings import ui_strings

MAX_WAIT = 60.0  # seconds a /sim long poll may hold
FAULT_KINDS = ("5xx", "timeout", "429", "reset")


def _int_or_none(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_input(f"{name} must be an integer") from None


def _wait(request: web.Request) -> float:
    raw = request.query.get("wait", "0")
    try:
        return min(max(float(raw), 0.0), MAX_WAIT)
    except ValueError:
        raise bad_input("wait must be a number of seconds") from None


async def _json_body(request: web.Request) -> JSON:
    try:
        body = await request.json()
    except ValueError:
        raise bad_input("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise bad_input("the body must be a JSON object")
    return body


def _chat_id(request: web.Request) -> int:
    value = _int_or_none(request.match_info["chat_id"], "chat_id")
    assert value is not None
    return value


@web.middleware
async def sim_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except SimError as exc:
        return web.json_response({"error": exc.message}, status=exc.status)


class SimRoutes:
    """aiohttp handlers of /sim, bound to one world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.sim = Simulator(world)

    def add_to(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/sim/bot", self.get_bot)
        r.add_get("/sim/ui", self.get_ui)
        r.add_get("/sim/users", self.get_users)
        r.add_get("/sim/personas", self.get_personas)
        r.add_post("/sim/users", self.post_user)
        r.add_get("/sim/chats", self.get_chats)
        r.add_get("/sim/chats/{chat_id}", self.get_chat)
        r.add_get("/sim/chats/{chat_id}/messages", self.get_messages)
        r.add_get("/sim/chats/{chat_id}/changes", self.get_changes)
        r.add_get("/sim/chats/{chat_id}/commands", self.get_commands)
        r.add_post("/sim/chats/{chat_id}/block", self.post_block)
        r.add_post("/sim/chats/{chat_id}/topics", self.post_topic)
        r.add_post("/sim/chats/{chat_id}/migrate", self.post_migrate)
        r.add_post("/sim/messages", self.post_message)
        r.add_post("/sim/media", self.post_media)
        r.add_post("/sim/press", self.post_press)
        r.add_get("/sim/callback_answers", self.get_callback_answers)
        r.add_post("/sim/groups", self.post_group)
        r.add_get("/sim/faults", self.get_faults)
        r.add_post("/sim/faults", self.post_fault)
        r.add_delete("/sim/faults", self.delete_faults)
        r.add_get("/sim/stats", self.get_stats)
        r.add_get("/sim/updates", self.get_updates)
        r.add_get("/sim/files/{file_id}", self.get_file)

    async def get_bot(self, request: web.Request) -> web.Response:
        hook = self.world.webhook
        return web.json_response(
            {"bot": self.world.bot.to_api(), "webhook_url": hook.url if hook else None}
        )

    async def get_ui(self, request: web.Request) -> web.Response:
        locale = request.query.get("locale", "el")
        code, strings = ui_strings(locale)
        return web.json_response({"locale": code, "strings": strings})

    async def get_users(self, request: web.Request) -> web.Response:
        users = [u.to_api() for u in self.world.users.values()]
        for user in users:
            user.setdefault("language_code", None)
        return web.json_response({"users": users})

    async def get_personas(self, request: web.Request) -> web.Response:
        """The people the page offers to be: `{user, role, detail, chats}` each; and the
        demo's Teams chat page (`teams`, "" without one)."""
        return web.json_response({"personas": self.world.personas, "teams": self.world.teams_url})

    async def post_user(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if not str(body.get("first_name") or "").strip() and body.get("id") is None:
            raise bad_input("first_name is required")
        user = self.sim.user(body)
        return web.json_response({"user": user.to_api()})

    async def get_chats(self, request: web.Request) -> web.Response:
        user_id = _int_or_none(request.query.get("user_id"), "user_id")
        chats = []
        for chat in self.world.chats.values():
            if user_id is not None and chat.members.get(user_id) not in MEMBER_STATUSES:
                continue
            chats.append({**chat.to_api(), "blocked": chat.blocked})
        return web.json_response({"chats": chats})

    async def get_chat(self, request: web.Request) -> web.Response:
        chat = self.sim.existing_chat(_chat_id(request))
        return web.json_response(
            {**self.sim.chat_state(chat), "version": self.world.changes.version}
        )

    def _transcript(
        self, chat: ChatRecord, after: int, from_bot: bool | None
    ) -> list[MessageRecord]:
        return [
            m
            for m in chat.messages.values()
            if m.message_id > after and (from_bot is None or m.from_bot == from_bot)
        ]

    async def get_messages(self, request: web.Request) -> web.Response:
        """Transcript; with `wait`, hold until `count` matching messages exist after `after`.

        `after` defaults to 0; `after=last_user` means "after the last message a user sent".
        """
        chat_id = _chat_id(request)
        query = request.query
        chat = self.world.chats.get(chat_id)
        raw_after = query.get("after", "0")
        from_bot = {"1": True, "true": True, "0": False, "false": False}.get(
            query.get("from_bot", "").lower()
        )
        count = _int_or_none(query.get("count"), "count") or 1
        wait = _wait(request)
        # `after=last_user` is resolved once, so that the bot's answers stay "after" it.
        after = self._after(self.world.chats.get(chat_id), raw_after)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            chat = self.world.chats.get(chat_id)
            found = self._transcript(chat, after, from_bot) if chat else []
            remaining = deadline - loop.time()
            if len(found) >= count or remaining <= 0:
                break
            await self.world.changes.wait_past(self.world.changes.version, remaining)
        if chat is None and wait == 0:
            raise SimError(404, f"chat {chat_id} not found")
        return web.json_response(
            {
                "messages": [message_view(self.world, m) for m in found],
                "version": self.world.changes.version,
                "after": after,
            }
        )

    @staticmethod
    def _after(chat: ChatRecord | None, raw: str) -> int:
        if raw == "last_user":
            if chat is None:
                return 0
            users = [m.message_id for m in chat.messages.values() if not m.from_bot]
            return max(users, default=0)
        value = _int_or_none(raw, "after")
        return value or 0

    async def get_changes(self, request: web.Request) -> web.Response:
        """What changed in one chat since `since` (a version): the web page's long poll.

        Answers as soon as anything in the world changed (chat-level state such as the
        typing status or the custom keyboard has no version of its own), or after `wait`.
        """
        chat_id = _chat_id(request)
        since = _int_or_none(request.query.get("since"), "since") or 0
        await self.world.changes.wait_past(since, _wait(request))
        chat = self.world.chats.get(chat_id)
        changed = [m for m in chat.messages.values() if m.version > since] if chat else []
        body: JSON = {
            "version": self.world.changes.version,
            "messages": [message_view(self.world, m) for m in changed],
            "callback_answers": [
                a
                for a in self.world.callback_answers
                if a["chat_id"] == chat_id and a["version"] > since
            ],
        }
        if chat is not None:
            body.update(self.sim.chat_state(chat))
        return web.json_response(body)

    async def get_commands(self, request: web.Request) -> web.Response:
        chat = self.sim.existing_chat(_chat_id(request))
        user_id = _int_or_none(request.query.get("user_id"), "user_id")
        user = self.world.users.get(user_id) if user_id is not None else None
        if user is None:
            raise bad_input("user_id of a known user is required")
        return web.json_response({"commands": self.sim.commands_for(user, chat)})

    async def post_block(self, request: web.Request) -> web.Response:
        chat = self.sim.existing_chat(_chat_id(request))
        body = await _json_body(request)
        self.sim.set_blocked(chat, bool(body.get("blocked", True)))
        return web.json_response({"chat_id": chat.id, "blocked": chat.blocked})

    async def post_migrate(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        new_id = _int_or_none(body.get("new_chat_id"), "new_chat_id")
        chat = self.sim.migrate_group(_chat_id(request), new_id)
        return web.json_response({"chat": chat.to_api()})

    async def post_topic(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.sim.user(body.get("user"))
        topic = self.sim.new_topic(
            user,
            _chat_id(request),
            str(body.get("name") or ""),
            _int_or_none(body.get("icon_color"), "icon_color") or 0x6FB9F0,
        )
        return web.json_response({"topic": topic})

    async def post_message(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.sim.user(body.get("user"))
        result = self.sim.send_text(
            user,
            str(body.get("text") or ""),
            chat_id=_int_or_none(body.get("chat_id"), "chat_id"),
            reply_to=_int_or_none(body.get("reply_to"), "reply_to"),
            thread_id=_int_or_none(body.get("thread_id"), "thread_id"),
        )
        return web.json_response(result)

    async def post_media(self, request: web.Request) -> web.Response:
        if request.content_type != "multipart/form-data":
            raise bad_input("send media as multipart/form-data with a 'file' part")
        fields: dict[str, str] = {}
        upload: tuple[str | None, str | None, bytes] | None = None
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or not part.name:
                continue
            data = bytes(await part.read(decode=True))
            if part.name == "file":
                upload = (part.filename, part.headers.get("Content-Type"), data)
            else:
                fields[part.name] = data.decode("utf-8")
        if upload is None:
            raise bad_input("no 'file' part in the request")
        try:
            user_data = json.loads(fields.get("user", "null"))
        except ValueError:
            raise bad_input("user must be a JSON object") from None
        user = self.sim.user(user_data)
        filename, content_type, data = upload
        result = self.sim.send_media(
            user,
            fields.get("kind", "document"),
            data,
            filename=fields.get("filename") or filename,
            mime_type=fields.get("mime_type") or content_type,
            caption=fields.get("caption"),
            media_group_id=fields.get("media_group_id") or None,
            chat_id=_int_or_none(fields.get("chat_id"), "chat_id"),
            reply_to=_int_or_none(fields.get("reply_to"), "reply_to"),
            thread_id=_int_or_none(fields.get("thread_id"), "thread_id"),
            duration=_int_or_none(fields.get("duration"), "duration") or 0,
        )
        return web.json_response(result)

    async def post_press(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.sim.user(body.get("user"))
        message_id = _int_or_none(body.get("message_id"), "message_id")
        data = body.get("callback_data")
        if message_id is None or not isinstance(data, str):
            raise bad_input("message_id and callback_data are required")
        result = self.sim.press(
            user, message_id, data, chat_id=_int_or_none(body.get("chat_id"), "chat_id")
        )
        return web.json_response(result)

    async def get_callback_answers(self, request: web.Request) -> web.Response:
        """Answers to button presses; with `query_id` and `wait`, hold until it is answered."""
        chat_id = _int_or_none(request.query.get("chat_id"), "chat_id")
        query_id = request.query.get("query_id")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _wait(request)
        while True:
            answers = [
                a
                for a in self.world.callback_answers
                if (chat_id is None or a["chat_id"] == chat_id)
                and (query_id is None or a["callback_query_id"] == query_id)
            ]
            remaining = deadline - loop.time()
            if answers or query_id is None or remaining <= 0:
                break
            await self.world.changes.wait_past(self.world.changes.version, remaining)
        return web.json_response({"answers": answers})

    async def post_group(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.sim.user(body.get("user"))
        chat_id = _int_or_none(body.get("chat_id"), "chat_id")
        if chat_id is None:
            raise bad_input("chat_id is required")
        chat = self.sim.add_to_group(
            user,
            chat_id,
            str(body.get("title") or ""),
            is_forum=bool(body.get("is_forum", False)),
            status=str(body["status"]) if body.get("status") else None,
        )
        return web.json_response({"chat": chat.to_api()})

    async def get_faults(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "faults": {
                    method: [vars(f) for f in queue]
                    for method, queue in self.world.faults.items()
                    if queue
                }
            }
        )

    async def post_fault(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        method = str(body.get("method") or "")
        found = lookup(method)
        if found is None:
            raise bad_input(f"unknown Bot API method {method!r}")
        kind = str(body.get("kind") or "")
        if kind not in FAULT_KINDS:
            raise bad_input(f"kind must be one of {', '.join(FAULT_KINDS)}")
        count = _int_or_none(body.get("count"), "count") or 1
        retry_after = _int_or_none(body.get("retry_after"), "retry_after") or 1
        hang = float(body.get("hang_seconds") or 30.0)
        chat_id = _int_or_none(body.get("chat_id"), "chat_id")
        queue = self.world.faults.setdefault(found[0], deque())
        queue.extend(Fault(kind, retry_after, hang, chat_id) for _ in range(count))
        return web.json_response({"method": found[0], "pending": len(queue)})

    async def delete_faults(self, request: web.Request) -> web.Response:
        self.world.faults.clear()
        return web.json_response({"faults": {}})

    async def get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.world.stats.to_json())

    async def get_updates(self, request: web.Request) -> web.Response:
        return web.json_response({"pending": list(self.world.updates)})

    async def get_file(self, request: web.Request) -> web.Response:
        record = self.world.files.get(request.match_info["file_id"])
        if record is None:
            raise SimError(404, "file not found")
        headers = {}
        if record.file_name:
            headers["Content-Disposition"] = (
                f"inline; filename*=UTF-8''{quote(record.file_name, safe='')}"
            )
        return web.Response(
            body=record.data,
            content_type=record.mime_type or "application/octet-stream",
            headers=headers,
        )
