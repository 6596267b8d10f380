"""The bot's aiohttp server: Telegram's webhook, /healthz, and feature routes.

- `POST /telegram/<component>` (webhook mode only): Telegram delivers updates
  here. The path component is derived from the token and the webhook secret
  (unguessable, stable across restarts); the request must carry the secret in
  `X-Telegram-Bot-Api-Secret-Token` (else 403), and a body that is too large or
  not an update is refused with 400. Accepted updates go to the Application's
  update queue, the same way polling feeds them.
- `GET /healthz`: 200 `{"ok": true}` when the database answers, else 503.
- `GET /metrics`: Prometheus metrics (`bot.metrics`).
- `POST /api/messages` (when TEAMS_APP_ID is set): Microsoft Teams (`teams.web`).
- Features add routes (e.g. calendar feeds) through `ROUTE_MODULES`: modules
  exposing `add_routes(web_app, runtime)`.

`keplibot webhook` always serves it (`serve_webhook`). `keplibot run` polls
Telegram and serves it without the webhook route when PUBLIC_BASE_URL is set
(`serve_polling`), so that calendar feed links work in polling mode too; the
demo serves it next to the emulator.

The webhook is registered with Telegram at start and left in place at stop,
as a deployment does across restarts (updates wait at Telegram meanwhile);
`keplibot run` (polling) removes it, since Telegram allows only one of the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import hmac
import importlib
import json
import logging
import signal
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from typing import Any, Final, Protocol, TypeAlias, cast

from aiohttp import web
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application, enable_workers
from bot.config import Settings, SettingsError
from bot.db import is_sqlite
from bot.lease import LeaseLost, polling_lease
from bot.runtime import Runtime
from bot.workers import RecordingQueue, SharedUpdates
from teams.web import add_routes as teams_routes

log = logging.getLogger(__name__)

# Updates are a few kilobytes; anything much larger is not from Telegram.
MAX_BODY_BYTES: Final = 256 * 1024
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT: Final = 5.0  # seconds


class _HoldsRuntime(Protocol):
    """What the web server needs of the application's `bot_data`: the running bot's Runtime."""

    @property
    def runtime(self) -> Runtime: ...


# The bot's PTB `Application` (built by `bot.app`), typed loosely: the web server needs
# only PTB's own API and the Runtime, never the Telegram handlers' context types.
BotApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


def runtime_of(application: BotApplication) -> Runtime:
    """The Runtime of an application built by `bot.app.build_application`."""
    return cast(_HoldsRuntime, application.bot_data).runtime


APPLICATION: Final = web.AppKey("application", BotApplication)
RouteHook = Callable[[web.Application, Runtime], None]

# Modules under `bot.` with `add_routes(web_app: web.Application, runtime: Runtime)`.
ROUTE_MODULES: tuple[str, ...] = ("calendar_feed", "metrics")


def webhook_path(settings: Settings) -> str:
    """`/telegram/<component>`, the component a hash of the token and the webhook secret."""
    token = settings.require_token()
    secret = require_webhook_secret(settings)
    digest = hashlib.sha256(f"keplibot-webhook\0{token}\0{secret}".encode()).hexdigest()
    return f"/telegram/{digest[:40]}"


def require_webhook_secret(settings: Settings) -> str:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise SettingsError("WEBHOOK_SECRET: missing (needed for `keplibot webhook`)")
    # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -.
    if len(secret) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret):
        raise SettingsError("WEBHOOK_SECRET: use 1-256 characters from A-Z, a-z, 0-9, _ and -")
    return secret


def public_webhook_url(settings: Settings) -> str:
    """WEBHOOK_URL (the server's public base URL) followed by the webhook path."""
    base = (settings.webhook_url or "").strip()
    if not base:
        raise SettingsError("WEBHOOK_URL: missing (the public https URL of this server)")
    if not base.startswith(("https://", "http://")):
        raise SettingsError("WEBHOOK_URL: must start with https://")
    return base.rstrip("/") + webhook_path(settings)


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=400)


def build_web_app(
    application: BotApplication,
    *,
    route_modules: Sequence[str] = ROUTE_MODULES,
    webhook: bool = True,
) -> web.Application:
    """The aiohttp application: /healthz, the features' routes and (with `webhook`) the
    webhook endpoint, which needs WEBHOOK_SECRET."""
    settings = runtime_of(application).settings
    secret = require_webhook_secret(settings).encode() if webhook else b""
    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app[APPLICATION] = application

    async def telegram_update(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _bad_request("body too large")
        body = await request.content.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            return _bad_request("body too large")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            return _bad_request("body is not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return _bad_request("body is not an update")
        try:
            update = Update.de_json(data, application.bot)
        except Exception:  # PTB raises assorted errors on malformed objects
            log.warning("malformed update refused", exc_info=True)
            return _bad_request("malformed update")
        await accept_update(application, update, data)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    async def healthz(request: web.Request) -> web.Response:
        engine = runtime_of(application).engine
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("health check: the database does not answer: %s", type(exc).__name__)
            return web.json_response({"ok": False, "error": "database"}, status=503)
        return web.json_response({"ok": True})

    if webhook:
        web_app.router.add_post(webhook_path(settings), telegram_update)
    web_app.router.add_get("/healthz", healthz)
    for name in route_modules:
        hook: RouteHook = importlib.import_module(f"bot.{name}").add_routes
        hook(web_app, runtime_of(application))
    if settings.teams_app_id:  # Microsoft Teams: POST /api/messages (the `teams` adapter)
        teams_routes(web_app, runtime_of(application))
    return web_app


# --- several webhook workers on one PostgreSQL database (bot.workers) --------------------


async def accept_update(application: BotApplication, update: Update, data: dict[str, Any]) -> None:
    """Record the update in the workers' shared inbox, if this is one of several workers."""
    shared = getattr(application.update_processor, "shared", None)
    if shared is not None:
        await shared.accept(update, data)


@contextlib.asynccontextmanager
async def as_worker(
    application: BotApplication, settings: Settings
) -> AsyncIterator[SharedUpdates | None]:
    """On PostgreSQL, run `application` as one of several processes on its database while
    inside (webhook workers, or a polling leader whose standby may take over)."""
    if is_sqlite(settings.database_url):
        yield None
        return
    shared = enable_workers(application)
    try:
        yield shared
    finally:
        await shared.stop()


async def take_over(application: BotApplication, shared: SharedUpdates) -> None:
    """Polling on PostgreSQL, once started: the updates a dead leader had fetched and not
    handled first, then each polled update recorded before Telegram is told it arrived."""
    updater = application.updater
    assert updater is not None
    updater.update_queue = RecordingQueue(application.update_queue, shared)
    await shared.sweep(older_than=0)
    shared.start()


async def serve_webhook(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    application: BotApplication | None = None,
    ready: Callable[[str], Any] | None = None,
    reuse_port: bool = False,
) -> None:
    """Run the bot in webhook mode until `stop` is set (or SIGINT/SIGTERM).

    Registers the webhook with Telegram at start. `ready(base_url)` is called
    once the server listens (tests use it to learn the port of LISTEN_PORT=0).
    `reuse_port`: several processes listen on one port (`keplibot webhook --workers`).
    """
    url = public_webhook_url(settings)
    secret = require_webhook_secret(settings)
    application = application or build_application(settings)
    # Other workers may change what this one would remember between updates.
    runtime_of(application).remember_between_updates(False)
    stop = stop or stop_on_signals()
    async with as_worker(application, settings) as shared, application:
        if shared is not None:
            shared.start()
        await application.start()
        settle_startup_objects()
        runner = web.AppRunner(build_web_app(application), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(
                runner, settings.listen_host, settings.listen_port, reuse_port=reuse_port or None
            )
            await site.start()
            await application.bot.set_webhook(
                url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info(
                "webhook mode: listening on %s:%s, Telegram posts to %s/telegram/…",
                settings.listen_host,
                _bound_port(runner, settings.listen_port),
                (settings.webhook_url or "").rstrip("/"),
            )
            if ready is not None:
                ready(f"http://{settings.listen_host}:{_bound_port(runner, settings.listen_port)}")
            await stop.wait()
        finally:
            await runner.cleanup()
            await application.stop()


def settle_startup_objects() -> None:
    """Exempt what the start built (modules, the FAQ index, ...) from the garbage
    collector's full passes: they live as long as the process, and scanning them all took
    about 0.1 s each time, a pause every teacher waiting then would feel (paced p99)."""
    gc.collect()
    gc.freeze()


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on host:port (port 0: any free one), for `web_server`.

    Bound before the bot is built, so that the port (of 0, or the demo's) is known
    when the settings naming the public URL are made, and so that a port in use
    stops `keplibot run` before it talks to Telegram. Raises SettingsError naming
    LISTEN_PORT when the address is taken or cannot be used.
    """
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise SettingsError(
            f"LISTEN_PORT: cannot listen on {host}:{port} ({exc.strerror or exc})"
        ) from None


def socket_url(sock: socket.socket) -> str:
    """`http://host:port` of a listening socket (a wildcard address as 127.0.0.1)."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@contextlib.asynccontextmanager
async def web_server(
    application: BotApplication, sock: socket.socket, *, webhook: bool = False
) -> AsyncIterator[str]:
    """Serve `build_web_app(application)` on `sock` while inside; yields its local URL.

    Without `webhook` there is no webhook route (polling mode, the demo): only
    /healthz and the features' routes such as the calendar feeds. Closes `sock`.
    """
    runner = web.AppRunner(build_web_app(application, webhook=webhook), access_log=None)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield socket_url(sock)
    finally:
        await runner.cleanup()
        sock.close()


async def serve_polling(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    application: BotApplication | None = None,
    sock: socket.socket | None = None,
    ready: Callable[[str | None], Any] | None = None,
    poll_timeout: float = 10.0,
) -> None:
    """Run the bot with long polling until `stop` is set (or SIGINT/SIGTERM).

    With `sock` (see `listening_socket`) the web server runs meanwhile: /healthz
    and the calendar feeds, no webhook route. Polling removes a webhook that
    Telegram may still have. `ready(url of the web server, or None)` is called
    once both run; `poll_timeout` is the long-poll wait in seconds.

    It first takes the database's polling lease (`bot.lease`): on PostgreSQL a second
    process waits here as a standby until the first one is gone; on SQLite it is
    refused (`LeaseHeld`). A leader that loses the lease stops with `LeaseLost`.
    """
    try:
        stop = stop or stop_on_signals()
        # Only the holder of the database's polling lease builds and starts the bot: a
        # standby loads no conversation until it takes over (see bot.lease).
        async with polling_lease(settings.database_url, stop) as lost:
            if stop.is_set():
                return
            application = application or build_application(settings)
            # initialize() ... shutdown(); on PostgreSQL, ready for a standby to take over
            async with as_worker(application, settings) as shared, application:
                await application.start()
                settle_startup_objects()
                try:
                    if shared is not None:
                        await take_over(application, shared)
                    await _poll(application, stop, lost, sock, ready, poll_timeout)
                finally:
                    await application.stop()
            if lost.is_set() and not stop.is_set():
                raise LeaseLost(
                    "lost the database connection that holds the polling lease; stopped "
                    "polling (a standby may have taken over): start keplibot again"
                )
    finally:
        if sock is not None:
            sock.close()


async def _poll(
    application: BotApplication,
    stop: asyncio.Event,
    lost: asyncio.Event,
    sock: socket.socket | None,
    ready: Callable[[str | None], Any] | None,
    poll_timeout: float,
) -> None:
    """Poll (and serve the web server on `sock`) until `stop` or `lost` is set."""
    async with contextlib.AsyncExitStack() as stack:
        base = None
        if sock is not None:
            base = await stack.enter_async_context(web_server(application, sock))
            log.info("web server (calendar feeds, /metrics, /healthz) on %s", base)
        updater = application.updater
        assert updater is not None
        await updater.start_polling(
            poll_interval=0,
            timeout=timedelta(seconds=poll_timeout),
            allowed_updates=ALLOWED_UPDATES,
        )
        try:
            if ready is not None:
                ready(base)
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
        finally:
            await updater.stop()


def _bound_port(runner: web.AppRunner, configured: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return configured


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (Ctrl-C, `kill`, systemd stop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not possible outside the main thread or on Windows: then only `stop` stops it.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop
