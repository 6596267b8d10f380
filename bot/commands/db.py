"""`keplibot db`: the database schema by hand (upgrade, downgrade, current).

The application upgrades the schema itself at start; this is for operators who
want to migrate before a deployment, or to step back after one. The database is
DATABASE_URL (environment or `.env`), as for the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from alembic.util.exc import CommandError
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from bot.config import load_settings
from bot.db import (
    DatabaseUnavailable,
    current_revisions,
    downgrade_schema,
    script_heads,
    upgrade_schema,
)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "db",
        help="migrate the database schema (upgrade, downgrade, current)",
        description="Migrate the database named by DATABASE_URL with Alembic.",
    )
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)

    upgrade = actions.add_parser("upgrade", help="upgrade to the newest schema (every head)")
    upgrade.set_defaults(handler=_reported(_upgrade))

    downgrade = actions.add_parser(
        "downgrade", help="downgrade to REV (default: base, which drops every table)"
    )
    downgrade.add_argument(
        "revision",
        metavar="REV",
        nargs="?",
        default="base",
        help="target revision, e.g. 0001_initial, or base (default)",
    )
    downgrade.add_argument(
        "--yes", action="store_true", help="confirm a downgrade to base (deletes all data)"
    )
    downgrade.set_defaults(handler=_reported(_downgrade))

    current = actions.add_parser("current", help="show the revisions the database is at")
    current.set_defaults(handler=_reported(_current))


def _reported(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """`action`, with Alembic and database failures as one line on stderr and status 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            return action(args)
        except CommandError as exc:  # e.g. an unknown revision
            print(f"keplibot db: {exc}", file=sys.stderr)
        except (OSError, DBAPIError) as exc:
            print(f"keplibot db: {DatabaseUnavailable.of(_url(), exc)}", file=sys.stderr)
        return 1

    return run


def _url() -> str:
    return load_settings().database_url


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _upgrade(args: argparse.Namespace) -> int:
    url = _url()
    asyncio.run(upgrade_schema(url))
    revisions = asyncio.run(current_revisions(url))
    print(f"{_shown(url)}: at {', '.join(revisions)}")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    url = _url()
    if args.revision == "base" and not args.yes:
        print(
            "keplibot: a downgrade to base drops every table and all data in "
            f"{_shown(url)}; repeat with --yes to do it",
            file=sys.stderr,
        )
        return 1
    asyncio.run(downgrade_schema(url, args.revision))
    revisions = asyncio.run(current_revisions(url))
    print(f"{_shown(url)}: at {', '.join(revisions) or 'base (no tables)'}")
    return 0


def _current(args: argparse.Namespace) -> int:
    url = _url()
    revisions = asyncio.run(current_revisions(url))
    heads = script_heads()
    print(f"{_shown(url)}: at {', '.join(revisions) or 'base (no tables)'}")
    missing = sorted(set(heads) - set(revisions))
    if missing:
        print(f"not up to date: `keplibot db upgrade` would apply {', '.join(missing)}")
        return 3
    print("up to date")
    return 0
