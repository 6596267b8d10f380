"""`keplibot demo`: the whole bot offline, in a browser, with no Telegram token.

Starts the Bot API emulator (which serves the web chat page), and the real bot
against it with long polling and a SQLite database in the data directory, so
what a person does in the demo is remembered from one run to the next.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import load_settings
from bot.emulator.server import EmulatorServer
from bot.logging import setup_logging
from bot.web import stop_on_signals

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
        "--data-dir",
        type=Path,
        default=Path("demo-data"),
        help="where the demo keeps its database (demo-data)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    setup_logging(load_settings(telegram_token=DEMO_TOKEN))
    try:
        asyncio.run(run_demo(args.host, args.port, args.data_dir))
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


async def run_demo(
    host: str,
    port: int,
    data_dir: Path,
    *,
    stop: asyncio.Event | None = None,
    ready: Callable[[str], Any] | None = None,
) -> None:
    """Run the demo until `stop` is set (or Ctrl-C/SIGTERM); `ready(url)` once it serves."""
    database = await asyncio.to_thread(_prepare, data_dir)
    stop = stop or stop_on_signals()
    async with EmulatorServer(host, port, token=DEMO_TOKEN) as emulator:
        local = f"http://127.0.0.1:{emulator.port}" if host in ("0.0.0.0", "::") else None
        base = (local or emulator.url).rstrip("/")
        settings = load_settings(
            telegram_token=DEMO_TOKEN,
            telegram_base_url=f"{base}/bot",
            telegram_base_file_url=f"{base}/file/bot",
            database_url=f"sqlite+aiosqlite:///{database}",
        )
        application = build_application(settings)
        async with application:  # initialize() ... shutdown()
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0,
                timeout=timedelta(seconds=10),
                allowed_updates=ALLOWED_UPDATES,
            )
            url = page_url(emulator)
            print(f"keplibot demo: open {url} in your browser (Ctrl-C stops it)", flush=True)
            log.info("demo database: %s", database)
            if ready is not None:
                ready(url)
            try:
                await stop.wait()
            finally:
                await application.updater.stop()
                await application.stop()
    print("keplibot demo: stopped", flush=True)
