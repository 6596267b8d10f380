"""The `keplibot` command: one sub-command per job (score, run, webhook, demo, db, faq, ...).

Each sub-command lives in `bot/commands/<name>.py` and exposes
`register(subparsers)`, which adds its parser and sets `handler` to a function
`(args) -> int` (the exit status). This module only composes them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from bot.config import SettingsError
from bot.services.faq import FaqContentError

# Order is the order of `keplibot --help`.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "run",
    "webhook",
    "db",
    "score",
    "faq",
    # helpdesk
    "centres",
    "schools",
    "staff",
    "tickets",
    # reminders
    "deadlines",
)


def package_version() -> str:
    try:
        return version("keplibot")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keplibot",
        description="keplibot: Telegram assistant for teachers and the ΚΕ.ΠΛΗ.ΝΕ.Τ. "
        "(points for the lab-manager post, FAQ, helpdesk, reminders).",
    )
    parser.add_argument("--version", action="version", version=f"keplibot {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"bot.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return int(handler(args))
    except SettingsError as exc:
        print(f"keplibot: configuration error: {exc}", file=sys.stderr)
        return 78  # EX_CONFIG
    except FaqContentError as exc:  # the bot loads the FAQ at start (run, webhook, demo)
        print(f"keplibot: the FAQ content is broken: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        logging.getLogger(__name__).info("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
