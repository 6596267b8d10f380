"""The `keplibot` command: one sub-command per job (score, run, webhook, demo, db, faq, ...).

Each sub-command lives in `bot/commands/<name>.py` and exposes
`register(subparsers)`, which adds its parser and sets `handler` to a function
`(args) -> int` (the exit status). This module only composes them.

Only the module of the sub-command being run is imported (all of them for the
top-level help), and this module imports nothing heavy itself: `keplibot score`
must not pay for python-telegram-bot, SQLAlchemy and Alembic at every start.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

# Order is the order of `keplibot --help`.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "run",
    "webhook",
    "db",
    "score",
    "faq",
    # Microsoft Teams
    "teams",
    # helpdesk
    "centres",
    "schools",
    "staff",
    "tickets",
    # reminders
    "deadlines",
    # privacy and operations
    "doctor",
    "privacy",
    "audit",
)


# Commands that run the bot itself: their changes are attributed per update, not to the CLI.
BOT_COMMANDS: tuple[str, ...] = ("demo", "run", "webhook")


def operator_name() -> str:
    """The login name of whoever runs the command, for the audit log."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        return "unknown"


def package_version() -> str:
    try:
        return version("keplibot")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules to import for `argv`: the named sub-command's alone, else all.

    All of them when the first word is not a sub-command (`--help`, no words, a typo),
    so that the help and argparse's "invalid choice" message list every command.
    """
    if argv and argv[0] in COMMAND_MODULES:
        return (argv[0],)
    return COMMAND_MODULES


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv` (None: every sub-command); see `modules_for`."""
    parser = argparse.ArgumentParser(
        prog="keplibot",
        description="keplibot: Telegram assistant for teachers and the ΚΕ.ΠΛΗ.ΝΕ.Τ. "
        "(points for the lab-manager post, FAQ, helpdesk, reminders).",
    )
    parser.add_argument("--version", action="version", version=f"keplibot {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = COMMAND_MODULES if argv is None else modules_for(argv)
    for name in names:
        importlib.import_module(f"bot.commands.{name}").register(sub)
    return parser


def known_failure(exc: BaseException) -> tuple[str, int] | None:
    """(one line for stderr, exit status) of a failure the operator can fix, else None.

    The exception classes are looked up among the modules already imported: a command
    that never imported `bot.config` cannot have raised its SettingsError, and importing
    it here would cost every `keplibot score` the start-up time of pydantic.
    """
    config = sys.modules.get("bot.config")
    if config is not None and isinstance(exc, config.SettingsError):
        return f"keplibot: configuration error: {exc}", 78  # EX_CONFIG
    faq = sys.modules.get("bot.services.faq")
    if faq is not None and isinstance(exc, faq.FaqContentError):
        # The bot loads the FAQ at start (run, webhook, demo).
        return f"keplibot: the FAQ content is broken: {exc}", 1
    db = sys.modules.get("bot.db")
    if db is not None and isinstance(exc, db.DatabaseUnavailable):
        # The bot upgrades the schema at start (run, webhook, demo).
        return f"keplibot: {exc}", 69  # EX_UNAVAILABLE
    lease = sys.modules.get("bot.lease")
    if lease is not None and isinstance(exc, lease.LeaseHeld | lease.LeaseLost):
        return f"keplibot: {exc}", 75  # EX_TEMPFAIL: try again once the other one stops
    # The bot's start calls getMe (and setWebhook): a wrong token or an unreachable
    # server ends there. PTB's own message quotes the token, so it is not repeated.
    telegram_errors = sys.modules.get("telegram.error")
    if telegram_errors is not None:
        if isinstance(exc, telegram_errors.InvalidToken):
            return (
                "keplibot: configuration error: TELEGRAM_TOKEN: the Bot API server rejected "
                "it (copy it again from @BotFather)",
                78,  # EX_CONFIG
            )
        if isinstance(exc, telegram_errors.NetworkError):
            return (
                "keplibot: cannot reach the Bot API server (TELEGRAM_BASE_URL, else "
                f"api.telegram.org): {hide_tokens(str(exc))}",
                69,  # EX_UNAVAILABLE
            )
    return None


def hide_tokens(text: str) -> str:
    """`text` with anything shaped like a bot token (`123456:secret`) replaced by ***."""
    return re.sub(r"\d+:[\w-]{6,}", "***", text)


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        if args.command in BOT_COMMANDS:
            return int(handler(args))
        # Changes made by a command (staff, centres, deadlines, erasures) are the
        # operator's in the audit log; the bot's own are its users' or the system's.
        from bot.services.actor import Actor, acting_as

        with acting_as(Actor("operator", None, operator_name())):
            return int(handler(args))
    except KeyboardInterrupt:
        logging.getLogger(__name__).info("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`keplibot score --jsonl ... | head`): stop quietly, like
        # other Unix tools, and keep Python from complaining again when it flushes stdout.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by it
    except Exception as exc:
        failure = known_failure(exc)
        if failure is None:
            raise
        message, status = failure
        print(message, file=sys.stderr)
        return status


if __name__ == "__main__":
    sys.exit(main())
