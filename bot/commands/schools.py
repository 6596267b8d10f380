"""`keplibot schools`: load the ministry's school list, find a school.

`keplibot schools import FILE.csv` reads the open school list (columns such as
school_code, school_name, school_type, school_district; Greek headers too), in
UTF-8 or Windows Greek, and reports every row it rejected. Importing again
updates schools by their code and never duplicates them. It warns (on stderr) of
schools whose fault reports would reach no one: no centre serves them, or their
centre has no staff chat.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, Final

from bot.commands._helpdesk import helpdesk_sessions, unroutable_lines
from bot.config import Settings, load_settings
from bot.i18n import N_, Translator, get_translator
from bot.services.helpdesk import school_import, schools
from bot.services.helpdesk.school_import import ImportFileError, ImportReport, RejectReason
from bot.services.helpdesk.schools import CentreError

REJECT_TEXTS: Final[dict[RejectReason, str]] = {
    RejectReason.NO_CODE: N_("no school code"),
    RejectReason.BAD_CODE: N_("the code is not 7 digits"),
    RejectReason.NO_NAME: N_("no school name"),
    RejectReason.DUPLICATE: N_("the same code appears earlier in the file"),
    RejectReason.SHORT_ROW: N_("the row has too few columns"),
}

MISSING_COLUMNS_TEXTS: Final[dict[frozenset[str], str]] = {
    frozenset({"code", "name"}): N_("{file} has no column of school codes and none of names."),
    frozenset({"code"}): N_("{file} has no column of school codes."),
    frozenset({"name"}): N_("{file} has no column of school names."),
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "schools",
        help="load the ministry's school list (CSV), find a school",
        description="Schools of the helpdesk: import the ministry's open list, search it.",
    )
    actions = parser.add_subparsers(dest="schools_action", metavar="ACTION", required=True)

    load = actions.add_parser("import", help="import or update schools from a CSV file")
    load.add_argument("file", type=Path, metavar="FILE.csv")
    load.add_argument(
        "--centre",
        metavar="SLUG",
        help="put every school of the file under this centre (default: by directorate)",
    )
    load.set_defaults(handler=_import)

    find = actions.add_parser("find", help="find schools by code or by words of the name")
    find.add_argument("query", nargs="+")
    find.set_defaults(handler=_find)


def report_text(tr: Translator, report: ImportReport, name: str) -> str:
    _ = tr.gettext
    lines = [
        _("{file}: read as {encoding}, separated by «{delimiter}».").format(
            file=name, encoding=report.encoding, delimiter=report.delimiter
        ),
        _("Schools added: {created}, updated: {updated}, unchanged: {unchanged}.").format(
            created=report.created, updated=report.updated, unchanged=report.unchanged
        ),
    ]
    if report.padded:
        lines.append(_("Codes with a lost leading zero, restored: {n}.").format(n=report.padded))
    if report.rejected:
        lines.append(_("Rejected rows: {n}").format(n=len(report.rejected)))
        for row in report.rejected:
            lines.append(
                _("  line {line}: {reason} ({value})").format(
                    line=row.line, reason=_(REJECT_TEXTS[row.reason]), value=row.value
                )
            )
    return "\n".join(lines)


async def _run_import(
    settings: Settings, tr: Translator, path: Path, data: bytes, centre: str | None
) -> int:
    _ = tr.gettext
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        try:
            report = await school_import.import_schools(session, data, centre_slug=centre)
        except ImportFileError as exc:
            if exc.code == "columns":
                text = _(MISSING_COLUMNS_TEXTS[frozenset(exc.missing)])
                text += " " + _("Its columns: {detail}.")
            elif exc.code == "empty":
                text = _("{file} is empty.")
            else:
                text = _("{file} is in an encoding I cannot read.")
            print(text.format(file=path, detail=exc.detail), file=sys.stderr)
            return 1
        except CentreError:
            print(_("Unknown centre «{slug}».").format(slug=centre), file=sys.stderr)
            return 1
        unroutable = await schools.unroutable_schools(session)
    print(report_text(tr, report, path.name))
    for line in unroutable_lines(tr, unroutable):
        print("⚠️ " + _("Warning: {problem}").format(problem=line), file=sys.stderr)
    return 0


def _import(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = get_translator(settings.default_locale)
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        error = tr.gettext("Cannot read {file}: {error}").format(file=path, error=exc.strerror)
        print(error, file=sys.stderr)
        return 1
    return asyncio.run(_run_import(settings, tr, path, data, args.centre))


async def _run_find(settings: Settings, tr: Translator, query: str) -> int:
    _ = tr.gettext
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        result = await schools.search_schools(session, query, limit=20)
        centres = {c.id: c.slug for c in await schools.list_centres(session)}
    if result.outcome is schools.SearchOutcome.TOO_MANY:
        print(_("{n} schools match; add more words.").format(n=result.total))
        return 0
    if not result.schools:
        print(_("No school found."))
        return 1
    for school in result.schools:
        centre = centres.get(school.centre_id, "-") if school.centre_id else "-"
        print(
            f"{school.code}  {school.name}  [{school.school_type}]  {school.directorate}  {centre}"
        )
    return 0


def _find(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = get_translator(settings.default_locale)
    return asyncio.run(_run_find(settings, tr, " ".join(args.query)))
