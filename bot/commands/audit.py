"""`keplibot audit`: who changed what, newest first (staff, invites, centres, schools,
deadlines, and operators' privacy exports and erasures)."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Settings, load_settings
from bot.db import create_engine, session_factory, upgrade_schema
from bot.services import audit


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "audit",
        help="list staff and administrator actions (the audit log)",
        description="The audit log, newest first: one line per action, with when, who, "
        "what and on which row.",
    )
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help="from this date (2026-03-01), date and time (2026-03-01T09:00) or age (7d, 12h)",
    )
    parser.add_argument(
        "--actor", metavar="WHO", help="a Telegram id, part of a name, operator or system"
    )
    parser.add_argument("--action", metavar="ACTION", help="e.g. staff, deadline.changed")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=_list)


def parse_since(value: str, settings: Settings, now: datetime) -> datetime:
    """`7d` / `12h` before `now`, or an ISO date or date-time in the bot's time zone."""
    value = value.strip()
    if value[:-1].isdigit() and value[-1:] in ("d", "h"):
        amount = int(value[:-1])
        return now - (timedelta(days=amount) if value.endswith("d") else timedelta(hours=amount))
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(
            f"keplibot audit: --since {value!r}: use 2026-03-01, 2026-03-01T09:00, 7d or 12h"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=settings.tz)
    return when.astimezone(UTC)


async def _entries(settings: Settings, args: argparse.Namespace) -> list[dict[str, Any]]:
    since = parse_since(args.since, settings, datetime.now(UTC)) if args.since else None
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            found = await audit.entries(
                session, since=since, actor=args.actor, action=args.action, limit=args.limit
            )
            return [
                {
                    "at": e.at.astimezone(settings.tz).isoformat(timespec="seconds"),
                    "actor": str(audit.Actor(e.actor_kind, e.actor_id, e.actor_name)),
                    "action": e.action,
                    "target": e.target,
                    "details": e.details,
                }
                for e in found
            ]
    finally:
        await engine.dispose()


def _list(args: argparse.Namespace) -> int:
    settings = load_settings()
    rows = asyncio.run(_entries(settings, args))
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
            continue
        details = json.dumps(row["details"], ensure_ascii=False) if row["details"] else ""
        print(f"{row['at']}  {row['actor']}  {row['action']}  {row['target']}  {details}".rstrip())
    if not rows and not args.json:
        print("keplibot audit: no entries")
    return 0
