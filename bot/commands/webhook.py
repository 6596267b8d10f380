"""`keplibot webhook`: the bot behind the aiohttp webhook server (bot/web.py).

`--workers N` (PostgreSQL only) starts N worker processes that share LISTEN_PORT
(SO_REUSEPORT: the kernel spreads the connections) and one database (`bot.workers`),
and waits for them: SIGTERM or Ctrl-C stops them all; one that fails stops the rest,
and its exit status is the command's, so that a supervisor restarts the set.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Any

from bot.config import SettingsError, load_settings
from bot.db import is_sqlite
from bot.logging import setup_logging
from bot.web import public_webhook_url, serve_webhook

log = logging.getLogger(__name__)

WORKER = "import sys; from bot.cli import main; sys.exit(main(['webhook', '--reuse-port']))"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "webhook",
        help="run the bot as a webhook server (needs WEBHOOK_URL and WEBHOOK_SECRET)",
        description="Serve Telegram's webhook, /healthz and the feature routes on "
        "LISTEN_HOST:LISTEN_PORT, registering WEBHOOK_URL with Telegram at start. "
        "Stops cleanly on Ctrl-C or SIGTERM. Several `keplibot webhook` processes may "
        "serve one PostgreSQL database behind a reverse proxy.",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="start N worker processes sharing LISTEN_PORT (PostgreSQL only; default 1)",
    )
    parser.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require_token()
    public_webhook_url(settings)  # a missing WEBHOOK_URL/SECRET stops us before logging starts
    if args.workers < 1:
        raise SettingsError("--workers: at least 1")
    if args.workers > 1 and is_sqlite(settings.database_url):
        raise SettingsError(
            "--workers: several workers need PostgreSQL (DATABASE_URL); SQLite is one process"
        )
    setup_logging(settings)
    if args.workers > 1:
        return supervise(args.workers)
    asyncio.run(serve_webhook(settings, reuse_port=args.reuse_port))
    return 0


def supervise(count: int) -> int:
    """Run `count` workers until they end; the first failure's exit status, else 0."""
    children = [subprocess.Popen([sys.executable, "-c", WORKER]) for _ in range(count)]
    log.info(
        "started %d webhook workers (pids %s)", count, ", ".join(str(c.pid) for c in children)
    )

    def forward(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    running = {child.pid: child for child in children}
    status = 0
    while running:
        pid, raw = os.wait()
        if running.pop(pid, None) is None:
            continue
        code = os.waitstatus_to_exitcode(raw)
        if code != 0 and status == 0:
            status = code if code > 0 else 1
            log.error("worker %s ended with status %s: stopping the others", pid, code)
            forward(signal.SIGTERM, None)
    return status
