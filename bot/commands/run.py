"""`keplibot run`: the bot with long polling, against Telegram or TELEGRAM_BASE_URL."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import load_settings
from bot.logging import setup_logging

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run the bot with long polling (needs TELEGRAM_TOKEN)",
        description="Run the bot with long polling against Telegram, or against the Bot API "
        "server given by TELEGRAM_BASE_URL. Stops cleanly on Ctrl-C or SIGTERM.",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require_token()
    setup_logging(settings)
    application = build_application(settings)
    log.info("starting with long polling (a webhook, if one is set, is removed)")
    # run_polling initialises the application (schema upgrade, command list), polls
    # until SIGINT/SIGTERM, then shuts down cleanly.
    application.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False)
    return 0
