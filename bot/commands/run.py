"""`keplibot run`: the bot with long polling, against Telegram or TELEGRAM_BASE_URL.

With PUBLIC_BASE_URL set, the bot's web server (calendar feeds, /healthz; no
webhook route) also listens on LISTEN_HOST:LISTEN_PORT, since the calendar links
the bot hands out point there; a reverse proxy maps PUBLIC_BASE_URL onto it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from bot.config import load_settings
from bot.logging import setup_logging
from bot.web import listening_socket, serve_polling

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run the bot with long polling (needs TELEGRAM_TOKEN)",
        description="Run the bot with long polling against Telegram, or against the Bot API "
        "server given by TELEGRAM_BASE_URL. With PUBLIC_BASE_URL (or SERVE_METRICS) set, "
        "also serve the calendar feeds, /metrics and /healthz on LISTEN_HOST:LISTEN_PORT. "
        "Stops cleanly on Ctrl-C or SIGTERM.",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require_token()
    # Bound first: a port in use stops us (naming LISTEN_PORT) before Telegram is called.
    sock = (
        listening_socket(settings.listen_host, settings.listen_port)
        if settings.public_base_url or settings.serve_metrics or settings.teams_app_id
        else None
    )
    setup_logging(settings)
    log.info("starting with long polling (a webhook, if one is set, is removed)")
    asyncio.run(serve_polling(settings, sock=sock))
    return 0
