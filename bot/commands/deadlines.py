"""`keplibot deadlines`: import and export the nomination deadlines as YAML.

    keplibot deadlines import deadlines.yaml [--dry-run]
    keplibot deadlines export [FILE] [--upcoming]

A file is a list under `deadlines:`; each entry has a `key` (it identifies the
deadline: importing again updates it, and a changed `at` moves it, so its
followers are told once), `kind` (interest, meeting, proposal, other), `title`
and optional `notes` (text, or `el:`/`en:` texts), `at` (local time, e.g.
"2027-09-15 14:00"), `scope` (everyone, `{centre: SLUG}` or `{directorate: NAME}`)
and an optional `link`. An import is all or nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, Final

from bot.config import Settings, load_settings
from bot.db import create_engine, session_factory, upgrade_schema
from bot.dialogs.reminders.deadlines import PROBLEMS
from bot.i18n import N_, Translator, get_translator
from bot.services.clock import Clock, SystemClock
from bot.services.reminders import ReminderRules, deadline_files
from bot.services.reminders.deadline_files import DeadlineFileError
from bot.services.reminders.deadlines import DeadlineError

FILE_PROBLEMS: Final = {
    "bad_yaml": N_("The file is not valid YAML: {detail}"),
    "no_list": N_("Expected a list of deadlines under `deadlines:`."),
    "not_a_mapping": N_("Expected fields such as `key: ...`, `title: ...`."),
    "unknown_fields": N_("Unknown fields: {detail}."),
    "key_missing": N_("`key` is missing: it identifies the deadline."),
    "duplicate_key": N_("The key {detail} appears twice."),
    "bad_text": N_("`{detail}` must be a text, or `el:` and `en:` texts."),
    "bad_scope": N_("`scope` must be everyone, {{centre: SLUG}} or {{directorate: NAME}}."),
    "bad_kind": N_("`kind` must be interest, meeting, proposal or other."),
    "bad_key": N_("A key has lower-case letters, digits, dots, - and _ only."),
    "key_taken": N_("The key {detail} is taken."),
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "deadlines",
        help="import or export the nomination deadlines (YAML)",
        description="The deadlines teachers are reminded of, as a YAML file.",
    )
    actions = parser.add_subparsers(dest="deadlines_action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="create or update deadlines from FILE (by key)")
    load.add_argument("file", metavar="FILE", type=Path)
    load.add_argument(
        "--dry-run", action="store_true", help="check the file and report, change nothing"
    )
    load.set_defaults(handler=_import)
    dump = actions.add_parser("export", help="write the deadlines as YAML (to FILE or stdout)")
    dump.add_argument("file", metavar="FILE", type=Path, nargs="?")
    dump.add_argument("--upcoming", action="store_true", help="only those not yet passed")
    dump.set_defaults(handler=_export)


def describe(tr: Translator, error: DeadlineError) -> str:
    """A translated line for a problem of a deadlines file."""
    message = FILE_PROBLEMS.get(error.code) or PROBLEMS.get(error.code)
    if message is None:
        return error.code + (f": {error.detail}" if error.detail else "")
    text = tr.gettext(message).format(detail=error.detail)
    if error.code in ("bad_date", "bad_link", "bad_centre", "bad_directorate") and error.detail:
        text += f" ({error.detail})"
    return text


async def run_import(
    settings: Settings,
    tr: Translator,
    file: Path,
    text: str,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
) -> int:
    """Import `text` (the contents of `file`); print a report; the exit status."""
    _ = tr.gettext
    now = (clock or SystemClock()).now()
    rules = ReminderRules.from_settings(settings)
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            try:
                drafts = await deadline_files.parse_file(session, text, settings.tz, now)
                report = await deadline_files.import_drafts(
                    session, drafts, rules, now, dry_run=dry_run
                )
            except DeadlineFileError as exc:
                print(_("{file}: nothing imported.").format(file=file), file=sys.stderr)
                for number, key, error in exc.problems:
                    where = (
                        _("entry {n} ({key})").format(n=number, key=key)
                        if key
                        else _("entry {n}").format(n=number)
                    )
                    line = describe(tr, error)
                    print(f"  {where}: {line}" if number else f"  {line}", file=sys.stderr)
                return 1
    finally:
        await engine.dispose()
    counts = [
        (_("created"), report.created),
        (_("updated"), report.updated),
        (_("moved (followers will be told)"), report.moved),
        (_("unchanged"), report.unchanged),
    ]
    for label, keys in counts:
        if keys:
            print(f"{label}: {len(keys)} ({', '.join(keys)})")
    if dry_run:
        print(_("Dry run: nothing was changed."))
    return 0


async def run_export(settings: Settings, *, upcoming: bool = False) -> str:
    """The deadlines as YAML (only those still ahead with `upcoming`)."""
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            since = SystemClock().now() if upcoming else None
            return await deadline_files.export_file(session, settings.tz, since=since)
    finally:
        await engine.dispose()


def _import(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = get_translator(settings.default_locale)
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        message = tr.gettext("Cannot read {file}: {error}").format(file=args.file, error=exc)
        print(message, file=sys.stderr)
        return 1
    return asyncio.run(run_import(settings, tr, args.file, text, dry_run=args.dry_run))


def _export(args: argparse.Namespace) -> int:
    settings = load_settings()
    text = asyncio.run(run_export(settings, upcoming=args.upcoming))
    if args.file is None:
        sys.stdout.write(text)
    else:
        args.file.write_text(text, encoding="utf-8")
    return 0
