"""`keplibot privacy`: a person's data for an operator (export, erase), and the retention job.

`export --user ID` prints (or writes with --output) the same JSON document /mydata
sends; `erase --user ID --yes` does what /delete does (a running bot also drops its
in-memory copy of the person's conversations at its next restart or their next
message: the rows are gone). Both are recorded in the audit log with the operator's
login name. `retention` runs the daily retention job once, now.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings, load_settings
from bot.db import create_engine, session_factory, upgrade_schema
from bot.services import audit, channels, privacy, retention
from bot.services.clock import SystemClock

TEAMS = "teams"  # the channel name the Teams adapter stores (teams.turn.CHANNEL)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "privacy",
        help="export or erase a person's data; run the retention job",
        description="A person's data (GDPR access and erasure) and retention, for operators. "
        "Exports and erasures are recorded in the audit log (`keplibot audit`).",
    )
    actions = parser.add_subparsers(dest="privacy_action", metavar="ACTION", required=True)

    export = actions.add_parser("export", help="print everything stored about a person (JSON)")
    _person(export)
    export.add_argument("--output", "-o", type=Path, help="write to this file instead")
    export.set_defaults(handler=_export)

    erase = actions.add_parser("erase", help="erase a person's data (tickets are anonymised)")
    _person(erase)
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    erase.set_defaults(handler=_erase)

    job = actions.add_parser("retention", help="apply the retention rules now")
    job.set_defaults(handler=_retention)


def _person(parser: argparse.ArgumentParser) -> None:
    """--user (a Telegram id, or a keplibot user id) or --teams (a Teams person)."""
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", type=int, metavar="TELEGRAM_ID")
    who.add_argument(
        "--teams",
        metavar="AAD_OBJECT_ID",
        help="a Microsoft Teams person, by their Entra ID object id",
    )


def _user_of(args: argparse.Namespace) -> int:
    """The keplibot user id the arguments name (a Teams person's is derived from their id)."""
    if args.teams is not None:
        return channels.user_id_for(TEAMS, args.teams.strip())
    return int(args.user)


async def _run_export(settings: Settings, user_id: int) -> str:
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            document = await privacy.export(session, user_id, now=SystemClock().now())
            audit.record(
                session,
                "privacy.export",
                f"users id={user_id}",
                {"sections": sorted(k for k in document if k in privacy.sections())},
            )
            await session.commit()
    finally:
        await engine.dispose()
    return privacy.to_json(document)


def _export(args: argparse.Namespace) -> int:
    args.user = _user_of(args)
    text = asyncio.run(_run_export(load_settings(), args.user))
    if args.output is not None:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"keplibot privacy: the data of user {args.user} is in {args.output}")
    else:
        print(text)
    return 0


async def _run_erase(settings: Settings, user_id: int) -> dict[str, int]:
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            # The entry is committed with the erasure itself: both or neither.
            audit.record(session, "privacy.erase", f"users id={user_id}")
            counts = await privacy.erase(session, user_id)
    finally:
        await engine.dispose()
    return counts


def _erase(args: argparse.Namespace) -> int:
    args.user = _user_of(args)
    if not args.yes:
        print(
            f"keplibot privacy: erasing user {args.user} cannot be undone; add --yes to confirm",
            file=sys.stderr,
        )
        return 2
    counts = asyncio.run(_run_erase(load_settings(), args.user))
    total = sum(counts.values())
    detail = ", ".join(f"{section} {n}" for section, n in counts.items() if n)
    print(
        f"keplibot privacy: user {args.user}: {total} rows erased or anonymised ({detail or '-'})"
    )
    return 0


async def _run_retention(settings: Settings) -> retention.RetentionReport:
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await retention.apply(
                session,
                now=SystemClock().now(),
                ticket_days=settings.ticket_retention_days,
                declaration_days=settings.declaration_retention_days,
            )
    finally:
        await engine.dispose()


def _retention(args: argparse.Namespace) -> int:
    report = asyncio.run(_run_retention(load_settings()))
    print(
        f"keplibot privacy: {report.faq_masked} FAQ questions masked, "
        f"{report.tickets_anonymised} closed tickets anonymised, "
        f"{report.declarations_deleted} kept declarations deleted"
    )
    return 0
