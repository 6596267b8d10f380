"""`keplibot tickets`: export a centre's tickets, print its summary.

`keplibot tickets export --centre SLUG --since 2026-01-01 --format csv` writes
one row per ticket (to standard output, or --output FILE): codes for machines
and labels in DEFAULT_LOCALE for people, times in TIMEZONE.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from bot.commands._helpdesk import find_centre, helpdesk_sessions, parse_day
from bot.config import Settings, load_settings
from bot.dialogs.helpdesk import text as helpdesk_text
from bot.i18n import Translator, get_translator
from bot.services.clock import SystemClock
from bot.services.helpdesk import ticket_summary
from bot.services.helpdesk.ticket_types import TicketView

COLUMNS: Final = (
    "reference",
    "created_at",
    "status",
    "status_label",
    "category",
    "category_label",
    "urgency",
    "school_code",
    "school_name",
    "centre",
    "lab",
    "equipment",
    "reporter",
    "assignee",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "minutes_to_first_response",
    "hours_to_resolution",
    "attachments",
    "description",
)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "tickets",
        help="export helpdesk tickets (CSV), print a centre's summary",
        description="Helpdesk tickets: export and statistics.",
    )
    actions = parser.add_subparsers(dest="tickets_action", metavar="ACTION", required=True)

    export = actions.add_parser("export", help="export tickets as CSV")
    export.add_argument("--centre", metavar="SLUG", help="one centre (default: every centre)")
    export.add_argument("--since", metavar="YYYY-MM-DD", help="opened on or after this day")
    export.add_argument("--format", choices=["csv"], default="csv")
    export.add_argument("--output", type=Path, metavar="FILE", help="default: standard output")
    export.set_defaults(handler=_export)

    summary = actions.add_parser("summary", help="print a centre's summary for a period")
    summary.add_argument("--centre", required=True, metavar="SLUG")
    summary.add_argument("--since", metavar="YYYY-MM-DD", help="default: 7 days ago")
    summary.set_defaults(handler=_summary)


def _local(moment: datetime | None, settings: Settings) -> str:
    return moment.astimezone(settings.tz).isoformat(timespec="minutes") if moment else ""


def _span(start: datetime, end: datetime | None, unit: timedelta) -> str:
    if end is None:
        return ""
    return f"{(end - start) / unit:.1f}"


# A cell starting with one of these is a formula to Excel and LibreOffice: what teachers
# typed must stay text in the staff's spreadsheet (OWASP "CSV injection").
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def _typed(value: str | None) -> str:
    """Text people typed, as a spreadsheet cell that is never a formula."""
    value = value or ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def export_row(tr: Translator, settings: Settings, t: TicketView) -> dict[str, str]:
    finished = t.resolved_at or t.closed_at
    return {
        "reference": t.reference,
        "created_at": _local(t.created_at, settings),
        "status": t.status.value,
        "status_label": tr.gettext(helpdesk_text.STATUS_LABELS[t.status]),
        "category": t.category.value,
        "category_label": tr.gettext(helpdesk_text.CATEGORY_LABELS[t.category]),
        "urgency": t.urgency.value,
        "school_code": t.school_code,
        "school_name": _typed(t.school_name),
        "centre": _typed(t.centre_name),
        "lab": _typed(t.lab),
        "equipment": _typed(t.equipment),
        "reporter": _typed(t.reporter_name),
        "assignee": _typed(t.assignee_name),
        "first_response_at": _local(t.first_response_at, settings),
        "resolved_at": _local(t.resolved_at, settings),
        "closed_at": _local(t.closed_at, settings),
        "minutes_to_first_response": _span(
            t.created_at, t.first_response_at, timedelta(minutes=1)
        ),
        "hours_to_resolution": _span(t.created_at, finished, timedelta(hours=1)),
        "attachments": str(len([a for a in t.attachments if not a.internal])),
        "description": _typed(t.description),
    }


def export_csv(tr: Translator, settings: Settings, rows: list[TicketView]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for ticket in rows:
        writer.writerow(export_row(tr, settings, ticket))
    return buffer.getvalue()


async def _run_export(settings: Settings, tr: Translator, args: argparse.Namespace) -> str | None:
    since = parse_day(args.since, settings) if args.since else None
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        centre_id = None
        if args.centre:
            centre, problem = await find_centre(session, args.centre, tr)
            if centre is None:
                print(problem, file=sys.stderr)
                return None
            centre_id = centre.id
        rows = await ticket_summary.tickets_for_export(session, centre_id=centre_id, since=since)
    return export_csv(tr, settings, rows)


def _export(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = get_translator(settings.default_locale)
    try:
        text = asyncio.run(_run_export(settings, tr, args))
    except ValueError:
        print(tr.gettext("--since must be a date such as 2026-01-31."), file=sys.stderr)
        return 2
    if text is None:
        return 1
    if args.output:
        # UTF-8 with BOM: Excel, where these files usually end up, then shows Greek right.
        args.output.write_text(text, encoding="utf-8-sig")
    else:
        sys.stdout.write(text)
    return 0


async def _run_summary(settings: Settings, tr: Translator, args: argparse.Namespace) -> int:
    until = SystemClock().now()
    since = parse_day(args.since, settings) if args.since else until - timedelta(days=7)
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        centre, problem = await find_centre(session, args.centre, tr)
        if centre is None:
            print(problem, file=sys.stderr)
            return 1
        report = await ticket_summary.summary(session, centre.id, since=since, until=until)
    print(helpdesk_text.summary_text(tr, settings.tz, centre.name, report))
    return 0


def _summary(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = get_translator(settings.default_locale)
    try:
        return asyncio.run(_run_summary(settings, tr, args))
    except ValueError:
        print(tr.gettext("--since must be a date such as 2026-01-31."), file=sys.stderr)
        return 2
