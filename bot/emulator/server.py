"""The emulator's HTTP server: the Bot API, file downloads, /sim and the web chat page.

    async with EmulatorServer() as emu:
        bot = telegram.Bot(token, base_url=f"{emu.api_url}/bot",
                           base_file_url=f"{emu.api_url}/file/bot")

Routes: `/bot<token>/<method>` (GET or POST; JSON, urlencoded or multipart),
`/file/bot<token>/<file_path>`, `/sim/...` (see `sim_api`), `/` and `/static/...`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from bot.emulator.errors import (
    BotApiError,
    bad_gateway,
    not_found,
    too_many_requests,
    unauthorized,
)
from bot.emulator.flood import FloodControl
from bot.emulator.methods import lookup
from bot.emulator.methods.base import MAX_UPLOAD_BYTES, BotApi, Described
from bot.emulator.params import Params
from bot.emulator.sim_api import SimRoutes, sim_errors
from bot.emulator.state import Fault, World
from bot.emulator.webhook import WebhookDelivery

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
TOKEN_RE = re.compile(r"^(\d{1,20}):([A-Za-z0-9_-]+)$")


class EmulatorServer:
    """A local Telegram Bot API server with a /sim API and a web chat page.

    `port=0` picks a free port. Flood limits (off by default) are Telegram's: messages
    per second overall, per second in one private chat, per minute in one group.
    With `token` set, only that exact token is accepted (others get 401).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        flood_limits: bool = False,
        overall_per_second: int = 30,
        per_chat_per_second: float = 1,
        group_per_minute: int = 20,
        token: str | None = None,
        bot_first_name: str = "keplibot",
        bot_username: str = "keplibot_bot",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        bot_id = 1
        if token is not None:
            match = TOKEN_RE.match(token)
            if match is None:
                raise ValueError("token must look like 123456:ABC-def")
            bot_id = int(match.group(1))
        self.state = World(
            bot_id=bot_id, bot_first_name=bot_first_name, bot_username=bot_username, clock=clock
        )
        self.flood: FloodControl | None = None
        if flood_limits:
            self.flood = FloodControl(
                overall_per_second=overall_per_second,
                per_chat_per_second=float(per_chat_per_second),
                group_per_minute=group_per_minute,
                clock=clock,
            )
        self._closing = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None
        self.api = BotApi(
            self.state,
            flood=self.flood,
            http=self._client,
            webhook_changed=self._webhook_changed,
            closing=self._closing,
        )
        self.webhook = WebhookDelivery(self.state, self.api, self._client, self._closing)
        self.app = self._build_app()
        self._runner: web.AppRunner | None = None

    # ---- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:8081` (valid after `start()`)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url

    async def start(self) -> None:
        self._closing.clear()
        self._http = aiohttp.ClientSession()
        # handler_cancellation: a client that gives up (a timed-out long poll, a hung
        # fault) must not leave its handler waiting on the server.
        self._runner = web.AppRunner(
            self.app, handle_signals=False, access_log=None, handler_cancellation=True,
            shutdown_timeout=0.5,
        )  # fmt: skip
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("Bot API emulator listening on %s", self.url)

    async def stop(self) -> None:
        self._closing.set()
        # Wake every long poll so that handlers finish before the runner shuts down.
        self.state.update_signal.bump()
        self.state.changes.bump()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None:
            raise RuntimeError("the emulator is not running")
        return self._http

    def _webhook_changed(self) -> None:
        self.webhook.changed()

    # ---- HTTP ----------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(
            client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024, middlewares=[sim_errors]
        )
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        SimRoutes(self.state).add_to(app)
        app.router.add_get("/", self._handle_index)
        app.router.add_static("/static/", STATIC_DIR)
        return app

    def _authorize(self, token: str) -> int:
        match = TOKEN_RE.match(token)
        if match is None or int(match.group(1)) == 0:
            raise unauthorized()
        if self.token is not None and token != self.token:
            raise unauthorized()
        return int(match.group(1))

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.method not in ("GET", "POST"):
            return _error(not_found())
        name = request.match_info["method"]
        try:
            self.state.bot.id = self._authorize(request.match_info["token"])
            found = lookup(name)
            if found is None:
                raise not_found()
            name, handler = found
            self.state.stats.calls[name] += 1
            params = await Params.from_request(request)
            fault = self._take_fault(name, params)
            if fault is not None:
                if fault.kind == "reset":
                    # The connection drops before any answer, and the call has no effect:
                    # the client cannot tell this from a reset after Telegram acted.
                    if request.transport is not None:
                        request.transport.abort()
                    return web.Response(status=500)
                await self._fault(fault)
            result = await handler(self.api, params)
        except BotApiError as exc:
            self.state.record_error(name, exc.code, exc.description)
            return _error(exc)
        body: dict[str, Any] = {"ok": True}
        if isinstance(result, Described):
            body["result"] = result.result
            body["description"] = result.description
        else:
            body["result"] = result
        return web.json_response(body)

    def _take_fault(self, name: str, params: Params) -> Fault | None:
        """The first fault waiting for this call (its method, and its chat if it names one)."""
        queue = self.state.faults.get(name)
        if not queue:
            return None
        chat = params.raw("chat_id") if params.has("chat_id") else None
        for fault in queue:
            if fault.chat_id is None or str(fault.chat_id) == str(chat):
                queue.remove(fault)
                return fault
        return None

    async def _fault(self, fault: Fault) -> None:
        if fault.kind == "429":
            raise too_many_requests(fault.retry_after)
        if fault.kind == "timeout":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.hang_seconds)
            raise BotApiError(504, "Gateway Timeout")
        raise bad_gateway()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        try:
            self._authorize(request.match_info["token"])
        except BotApiError as exc:
            return _error(exc)
        record = self.state.files_by_path.get(request.match_info["file_path"])
        if record is None:
            return _error(not_found())
        return web.Response(
            body=record.data, content_type=record.mime_type or "application/octet-stream"
        )

    async def _handle_index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html")


def _error(exc: BotApiError) -> web.Response:
    return web.json_response(exc.to_json(), status=exc.code)


async def serve(host: str = "127.0.0.1", port: int = 8081, *, flood_limits: bool = False) -> None:
    """Run an emulator until cancelled."""
    async with EmulatorServer(host, port, flood_limits=flood_limits) as emu:
        print(f"Bot API emulator: {emu.url}  (web chat page: {emu.url}/)", flush=True)
        await asyncio.Event().wait()


def run_emulator(host: str = "127.0.0.1", port: int = 8081, *, flood_limits: bool = False) -> None:
    """Run an emulator in the foreground until Ctrl-C (a standalone process)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host, port, flood_limits=flood_limits))
