"""`keplibot webhook`: the bot behind the aiohttp webhook server (bot/web.py)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.config import load_settings
from bot.logging import setup_logging
from bot.web import public_webhook_url, serve_webhook


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "webhook",
        help="run the bot as a webhook server (needs WEBHOOK_URL and WEBHOOK_SECRET)",
        description="Serve Telegram's webhook, /healthz and the feature routes on "
        "LISTEN_HOST:LISTEN_PORT, registering WEBHOOK_URL with Telegram at start. "
        "Stops cleanly on Ctrl-C or SIGTERM.",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require_token()
    public_webhook_url(settings)  # a missing WEBHOOK_URL/SECRET stops us before logging starts
    setup_logging(settings)
    asyncio.run(serve_webhook(settings))
    return 0
