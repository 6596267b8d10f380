"""`keplibot demo`: the whole bot offline, in a browser, with no Telegram token.

Starts the Bot API emulator (which serves the web chat page), and the real bot
against it with long polling and a SQLite database in the data directory, so
what a person does in the demo is remembered from one run to the next. The
bot's own web server (calendar feeds, /healthz) listens on the same host, on
the page's port + 1 (else a free one), and PUBLIC_BASE_URL is set to it, so the
links that /calendar gives work in the demo.

The Teams chat (`bot.demo.teams_chat`) runs beside them on the page's port + 2 (else a
free one), unless `--no-teams`: the sample teachers in a Microsoft Teams personal chat,
through the real Teams adapter (the bot's web server then serves `/api/messages`) and the
local stand-in for Microsoft's side.

A fresh data directory gets sample data (`bot.demo`): schools of two directorates,
two support centres with staff groups and staff, an administrator, teachers and
dates of the selection process, so every feature can be tried as each kind of user
from the page's personas. `--empty` starts a bare demo instead. A database that holds
anything else is never seeded (the demo runs, bare, and says so).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import socket
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from bot.config import Settings, SettingsError, load_settings
from bot.db import create_engine, session_factory, upgrade_schema
from bot.demo.seed import NotADemoDatabase, demo_settings, seed_demo
from bot.demo.stage import stage
from bot.demo.teams_chat import TeamsChat
from bot.emulator.server import EmulatorServer
from bot.logging import setup_logging
from bot.web import listening_socket, serve_polling, socket_url, stop_on_signals

log = logging.getLogger(__name__)

# The emulator accepts only this token; it is not a Telegram token and opens nothing.
DEMO_TOKEN: Final = "700000001:keplibot-offline-demo"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="offline demo: the bot and a web chat page on http://127.0.0.1:8080 (no token)",
        description="Run the bot against the local Bot API emulator and serve a web chat "
        "page where you talk to it as on a phone. Needs no Telegram token and no network. "
        "Ctrl-C stops it.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port of the page (8080)")
    parser.add_argument(
        "--web-port",
        type=int,
        default=None,
        help="port of the bot's web server with the calendar feeds (the page's port + 1)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("demo-data"),
        help="where the demo keeps its database (demo-data)",
    )
    parser.add_argument(
        "--no-teams",
        action="store_true",
        help="without the Microsoft Teams chat (the page's port + 2)",
    )
    parser.add_argument(
        "--empty",
        action="store_true",
        help="no sample data: no schools, centres, staff, personas or dates",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    setup_logging(load_settings(telegram_token=DEMO_TOKEN))
    try:
        asyncio.run(
            run_demo(
                args.host,
                args.port,
                args.data_dir,
                web_port=args.web_port,
                empty=args.empty,
                teams=not args.no_teams,
            )
        )
    except WebPortUnavailable as exc:
        print(f"keplibot demo: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(
                f"keplibot demo: port {args.port} is in use; try --port {args.port + 1}",
                file=sys.stderr,
            )
            return 1
        raise
    return 0


def page_url(emulator: EmulatorServer) -> str:
    host = emulator.host
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: this machine's own address
        host = "127.0.0.1"
    return f"http://{host}:{emulator.port}/"


def _prepare(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    return (data_dir / "keplibot.sqlite3").resolve()


class WebPortUnavailable(Exception):
    """The --web-port asked for cannot be listened on."""


def _web_socket(host: str, page_port: int, web_port: int | None, step: int = 1) -> socket.socket:
    """The web server's socket: `web_port` if given, else the page's port + `step` when it
    is free (a stable feed URL across runs), else any free port."""
    if web_port is not None:
        try:
            return listening_socket(host, web_port)
        except SettingsError:
            raise WebPortUnavailable(
                f"cannot listen on {host}:{web_port} (in use?); try another --web-port"
            ) from None
    if page_port:
        with contextlib.suppress(SettingsError):
            return listening_socket(host, page_port + step)
    return listening_socket(host, 0)


async def seed_database(settings: Settings, lead: timedelta) -> bool:
    """Sample data into the demo database (upgraded first); False if it holds other data."""
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            await seed_demo(session, settings, datetime.now(UTC), lead=lead)
    except NotADemoDatabase:
        return False
    finally:
        await engine.dispose()
    return True


async def run_demo(
    host: str,
    port: int,
    data_dir: Path,
    *,
    web_port: int | None = None,
    empty: bool = False,
    teams: bool = True,
    reminder_lead: timedelta = timedelta(minutes=1),
    stop: asyncio.Event | None = None,
    ready: Callable[[str], Any] | None = None,
) -> None:
    """Run the demo until `stop` is set (or Ctrl-C/SIGTERM); `ready(url)` once it serves.

    `web_port`: the port of the bot's web server (see the module docstring). `empty`:
    no sample data. `teams`: with the Teams chat. `reminder_lead`: when the sample
    reminder arrives, after the start.
    """
    database = await asyncio.to_thread(_prepare, data_dir)
    database_url = f"sqlite+aiosqlite:///{database}"
    overrides: dict[str, Any] = {}
    if not empty:
        sample = demo_settings(lead=reminder_lead)
        seed_settings = load_settings(
            telegram_token=DEMO_TOKEN, database_url=database_url, **sample
        )
        if await seed_database(seed_settings, reminder_lead):
            overrides = sample
        else:
            print(
                f"keplibot demo: {data_dir} holds data from elsewhere (an older demo?): "
                "starting without sample data; use a new --data-dir for the sample data",
                file=sys.stderr,
                flush=True,
            )
    stop = stop or stop_on_signals()
    async with EmulatorServer(host, port, token=DEMO_TOKEN) as emulator:
        if overrides:
            stage(emulator.state)
        local = f"http://127.0.0.1:{emulator.port}" if host in ("0.0.0.0", "::") else None
        base = (local or emulator.url).rstrip("/")
        sock = _web_socket(host, emulator.port, web_port)
        url = page_url(emulator)
        chat = TeamsChat(telegram_page=url) if teams else None
        try:
            if chat is not None:
                await chat.start(_web_socket(host, emulator.port, None, step=2))
                chat.connect(socket_url(sock))
                emulator.state.teams_url = chat.url
            settings = load_settings(
                telegram_token=DEMO_TOKEN,
                telegram_base_url=f"{base}/bot",
                telegram_base_file_url=f"{base}/file/bot",
                database_url=database_url,
                # The demo's own server, whatever .env says: its tokens live in the demo
                # database (and Teams' files are offered there).
                public_base_url=socket_url(sock),
                **(chat.settings() if chat is not None else {}),
                **overrides,
            )

            def started(feeds: str | None) -> None:
                print(f"keplibot demo: open {url} in your browser (Ctrl-C stops it)", flush=True)
                if chat is not None:
                    print(f"keplibot demo: the Microsoft Teams chat is at {chat.url}", flush=True)
                log.info("demo database: %s; calendar feeds on %s", database, feeds)
                if ready is not None:
                    ready(url)

            await serve_polling(settings, stop=stop, sock=sock, ready=started)
        finally:
            if chat is not None:
                await chat.stop()
    print("keplibot demo: stopped", flush=True)
