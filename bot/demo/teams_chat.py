"""The offline demo's Microsoft Teams chat: the same teachers, through the real Teams adapter.

`TeamsChat` runs the stand-in for Microsoft's side (`teams.standin`: token service,
signing keys, Bot Connector) and a small page beside it, `GET /` (`static/teams.html`),
where the person at the demo is one of the sample teachers in a Teams personal chat with
the bot. What they type or press goes to the bot's `POST /api/messages` as the Bot
Connector would send it (a signed token, an Activity); what the bot sends (answers,
cards, and the notices and reminders it sends on its own) lands in the stand-in, which
the page polls. A Teams teacher is a keplibot user of their own (not the Telegram
persona of the same name).

The page's API (JSON): `GET /api/ui?locale=el` (its labels), `GET /api/personas`,
`GET /api/chat/{n}` (persona n's chat: the bot's messages, and theirs with `me`),
`POST /api/chat/{n}/send` ({"text"}), `POST /api/chat/{n}/submit` ({"message", "data"}:
a card's button).
"""

from __future__ import annotations

import hashlib
import logging
import socket
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from bot.demo.cast import TEACHERS, Persona
from bot.i18n import N_, get_translator
from teams.standin import JSON, Message, StandIn, TeamsUser

log = logging.getLogger(__name__)

PAGE: Final = Path(__file__).resolve().parent / "static" / "teams.html"
MAX_TEXT: Final = 2000

UI_STRINGS: Final[dict[str, str]] = {
    "title": N_("keplibot in Microsoft Teams (offline stand-in)"),
    "subtitle": N_(
        "The same bot through its Teams adapter: a personal chat as a teacher. Nothing "
        "leaves this computer."
    ),
    "who": N_("Teacher"),
    "placeholder": N_("Type a message"),
    "send": N_("Send"),
    "telegram": N_("Back to the Telegram chat"),
    "failed": N_("The bot did not take the message (is it still running?)."),
}


def teams_user(persona: Persona) -> TeamsUser:
    """The Teams identity of a sample teacher (stable across runs: a fixed AAD id)."""
    digest = hashlib.sha256(f"keplibot-demo-teams\0{persona.user_id}".encode()).hexdigest()
    aad = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
    locale = "el-GR" if persona.language_code == "el" else "en-US"
    return TeamsUser(aad, persona.name, locale)


def message_view(message: Message) -> JSON:
    """What the page shows of a bot message: text, buttons, files."""
    buttons = []
    for action in message.buttons:
        if action.get("type") == "Action.OpenUrl":
            buttons.append({"title": action.get("title", ""), "url": action.get("url", "")})
        else:
            data = action.get("data") if isinstance(action.get("data"), dict) else {}
            buttons.append({"title": action.get("title", ""), "data": data})
    files = [
        {"name": f.get("name", ""), "url": f.get("contentUrl", "")}
        for f in message.files
        if str(f.get("contentUrl", "")).startswith(("data:", "http://", "https://"))
    ]
    return {"id": message.id, "text": message.text, "buttons": buttons, "files": files}


class TeamsChat:
    """The stand-in and the demo's Teams page; `start()`, then `stop()`."""

    def __init__(self, telegram_page: str = "") -> None:
        self.standin = StandIn()
        self.people = [teams_user(p) for p in TEACHERS]
        self.telegram_page = telegram_page
        # What each persona typed: (how many bot messages there were then, the text).
        self.said: dict[int, list[tuple[int, str]]] = {}
        self.url = ""
        self._runner: web.AppRunner | None = None

    def settings(self) -> dict[str, Any]:
        """The bot's settings that make it serve Teams through this stand-in."""
        return self.standin.settings()

    def connect(self, bot_web_url: str) -> None:
        """Where the bot serves `POST /api/messages` (its web server)."""
        self.standin.bot_url = bot_web_url.rstrip("/") + "/api/messages"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self._page)
        app.router.add_get("/api/ui", self._ui)
        app.router.add_get("/api/personas", self._personas)
        app.router.add_get("/api/chat/{n}", self._chat)
        app.router.add_post("/api/chat/{n}/send", self._send)
        app.router.add_post("/api/chat/{n}/submit", self._submit)
        return app

    async def start(self, sock: socket.socket) -> None:
        await self.standin.start()
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.SockSite(self._runner, sock)
        await site.start()
        host, port = sock.getsockname()[:2]
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        self.url = f"http://{host}:{port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.standin.stop()

    # --- the page -----------------------------------------------------------------------

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html")

    async def _ui(self, request: web.Request) -> web.Response:
        tr = get_translator(request.query.get("locale"))
        strings = {key: tr.gettext(text) for key, text in UI_STRINGS.items()}
        return web.json_response(
            {"locale": tr.locale, "strings": strings, "telegram": self.telegram_page}
        )

    async def _personas(self, request: web.Request) -> web.Response:
        people = [{"n": n, "name": p.name, "locale": p.locale} for n, p in enumerate(self.people)]
        return web.json_response({"personas": people})

    def _number(self, request: web.Request) -> int:
        try:
            n = int(request.match_info["n"])
        except ValueError:
            raise web.HTTPNotFound() from None
        if not 0 <= n < len(self.people):
            raise web.HTTPNotFound()
        return n

    def _person(self, request: web.Request) -> TeamsUser:
        return self.people[self._number(request)]

    async def _chat(self, request: web.Request) -> web.Response:
        n = self._number(request)
        said = self.said.get(n, [])
        messages: list[JSON] = []
        for number, message in enumerate(self.standin.conversation(self.people[n])):
            messages += [{"me": True, "text": text} for at, text in said if at == number]
            messages.append(message_view(message))
        count = len(self.standin.conversation(self.people[n]))
        messages += [{"me": True, "text": text} for at, text in said if at >= count]
        return web.json_response({"messages": messages})

    async def _body(self, request: web.Request) -> JSON:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="not JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="not an object")
        return body

    async def _send(self, request: web.Request) -> web.Response:
        n = self._number(request)
        person = self.people[n]
        text = (await self._body(request)).get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise web.HTTPBadRequest(text="text: 1-2000 characters")
        self.said.setdefault(n, []).append((len(self.standin.conversation(person)), text))
        status = await self.standin.post(self.standin.activity(person, text=text))
        return web.json_response({"ok": status == 200}, status=200 if status == 200 else 502)

    async def _submit(self, request: web.Request) -> web.Response:
        person = self._person(request)
        body = await self._body(request)
        message, data = body.get("message"), body.get("data")
        if not isinstance(message, str) or not isinstance(data, dict):
            raise web.HTTPBadRequest(text="message and data")
        activity = self.standin.activity(person, value=data, replyToId=message)
        status = await self.standin.post(activity)
        return web.json_response({"ok": status == 200}, status=200 if status == 200 else 502)
