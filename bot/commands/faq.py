"""`keplibot faq`: ask the FAQ search a question, exactly as the bot would; see what it missed.

    keplibot faq [--lang el|en] [--json] [--limit N] "question"
    keplibot faq misses [--since DAY|Nd] [--lang el|en] [--limit N] [--json]
    keplibot faq stats [--since DAY|Nd] [--lang el|en] [--json]

A question prints the ranked entry ids with their scores (0 to 1) and the
decision the bot would take (answer, did you mean, no match), for testing the
content and for the staff. `--json` prints
`{"results": [{"id": ..., "score": ...}, ...]}`.

`misses` lists the questions the bot could not answer in chat (newest first;
`--lang` keeps those asked in that language); `stats` shows per entry how often
its answer was shown and its 👍/👎 votes (titles in `--lang`). Both read
DATABASE_URL; `--since` is a day (`2026-01-31`, from its start in TIMEZONE) or
a number of days back (`7d`). `misses` and `stats` are therefore not questions:
a question of exactly that one word cannot be asked here.

Exit status: 0 when the command ran (whatever it found); 1 when the FAQ
content cannot be loaded (the message names the file and the entry); 2 for a
bad argument.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from bot.config import Settings, load_settings
from bot.db import create_engine, session_factory, upgrade_schema
from bot.i18n import DEFAULT_LOCALE, LOCALES, N_, Translator, get_translator
from bot.services.faq import Decision, FaqContentError, FaqIndex, SearchResult
from bot.services.faq import log as faq_log
from bot.services.faq.log import EntryStats, Miss, MissKind

EXIT_OK = 0
EXIT_CONTENT = 1
EXIT_USAGE = 2

# First words that are sub-commands, not questions.
MISSES: Final = "misses"
STATS: Final = "stats"
DEFAULT_MISSES_LIMIT: Final = 50
DEFAULT_SEARCH_LIMIT: Final = 5

MISS_KIND_LABELS = {
    MissKind.NO_MATCH: N_("no answer"),
    MissKind.REJECTED: N_("none of the suggestions"),
}

DECISION_LABELS = {
    Decision.ANSWER: N_("Answer"),
    Decision.DID_YOU_MEAN: N_("Did you mean"),
    Decision.NO_MATCH: N_("No match"),
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "faq",
        help="search the FAQ as the bot does; list what it missed (misses), views and votes "
        "(stats)",
        description="Search the FAQ (locales/<lang>/faq.yaml) as the bot does, or list the "
        "questions the bot could not answer in chat (misses) and how often each answer was "
        "shown and rated 👍/👎 (stats).",
        epilog='examples: keplibot faq "pws zitao voitheia"; keplibot faq misses --since 7d; '
        "keplibot faq stats --json",
    )
    parser.add_argument(
        "question",
        nargs="+",
        help=f"the question, in any language or script; or {MISSES!r} (the questions "
        f"the bot could not answer) or {STATS!r} (views and votes per entry)",
    )
    parser.add_argument(
        "--lang",
        choices=LOCALES,
        default=None,
        help=f"the asker's language: both catalogs are searched, this one first "
        f"(default: {DEFAULT_LOCALE}); with misses: only those asked in it; with stats: "
        f"the language of the titles",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print JSON: {"results": [{"id": ..., "score": ...}]}; misses: {"misses": [...]}; '
        'stats: {"entries": [...]}',
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"how many results at most (default: {DEFAULT_SEARCH_LIMIT}; "
        f"misses: {DEFAULT_MISSES_LIMIT})",
    )
    parser.add_argument(
        "--since",
        metavar="DAY|Nd",
        help="misses and stats only: from this day (2026-01-31) or this many days back (7d)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    mode = args.question[0].lower()
    if mode in (MISSES, STATS):
        if len(args.question) > 1:
            words = " ".join(args.question[1:])
            print(f"keplibot faq {mode}: unexpected words: {words}", file=sys.stderr)
            return EXIT_USAGE
        return run_log(args, mode)
    if args.since is not None:
        print(f"keplibot faq: --since is for '{MISSES}' and '{STATS}'", file=sys.stderr)
        return EXIT_USAGE
    args.lang = args.lang or DEFAULT_LOCALE
    limit = DEFAULT_SEARCH_LIMIT if args.limit is None else args.limit
    try:
        index = FaqIndex.load()
    except FaqContentError as exc:
        print(f"keplibot faq: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    result = index.search(" ".join(args.question), args.lang, limit=max(1, limit))
    if args.json:
        results = [{"id": hit.id, "score": hit.score} for hit in result.hits]
        print(json.dumps({"results": results}, ensure_ascii=False))
    else:
        print(render_text(result, index))
    return EXIT_OK


def render_text(result: SearchResult, index: FaqIndex) -> str:
    """The decision, then one line per hit: rank, id, score, the entry's question."""
    tr = get_translator(result.locale)
    _ = tr.gettext
    lines = [_("Decision: {decision}").format(decision=_(DECISION_LABELS[result.decision]))]
    if not result.hits:
        lines.append(_("No entry matches this question."))
    width = max((len(hit.id) for hit in result.hits), default=0)
    for rank, hit in enumerate(result.hits, start=1):
        marker = "*" if hit.id == result.answer_id or hit.id in result.suggestions else " "
        score = tr.number(Decimal(str(hit.score)).quantize(Decimal("0.001")), max_places=3)
        question = index.entry(hit.id, result.locale).question
        lines.append(f"{marker}{rank:>2}. {hit.id:<{width}}  {score:>5}  {question}")
    return "\n".join(lines)


# --- misses and stats ---------------------------------------------------------------------


def parse_since(value: str, settings: Settings, now: datetime) -> datetime:
    """`2026-01-31` (the start of that day in TIMEZONE) or `7d` (7 days before `now`), in UTC.

    ValueError for anything else.
    """
    days = re.fullmatch(r"\s*(\d{1,4})\s*d\s*", value, flags=re.IGNORECASE)
    if days:
        return now - timedelta(days=int(days.group(1)))
    day = date.fromisoformat(value.strip())
    return datetime(day.year, day.month, day.day, tzinfo=settings.tz).astimezone(UTC)


def run_log(args: argparse.Namespace, mode: str) -> int:
    settings = load_settings()
    tr = get_translator(args.lang or settings.default_locale)
    since = None
    if args.since is not None:
        try:
            since = parse_since(args.since, settings, datetime.now(UTC))
        except ValueError:
            print(
                tr.gettext(
                    "--since must be a day such as 2026-01-31 or a number of days such as 7d."
                ),
                file=sys.stderr,
            )
            return EXIT_USAGE
    if mode == MISSES:
        limit = DEFAULT_MISSES_LIMIT if args.limit is None else max(1, args.limit)
        misses = asyncio.run(_misses(settings, since=since, locale=args.lang, limit=limit))
        print(misses_json(misses) if args.json else misses_text(misses, tr, settings))
        return EXIT_OK
    try:
        index = FaqIndex.load()
    except FaqContentError as exc:
        print(f"keplibot faq: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    counts = asyncio.run(_stats(settings, since=since))
    rows = stats_rows(counts, index)
    print(stats_json(rows, since) if args.json else stats_text(rows, index, tr))
    return EXIT_OK


async def _misses(
    settings: Settings, *, since: datetime | None, locale: str | None, limit: int
) -> list[Miss]:
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await faq_log.list_misses(session, since=since, locale=locale, limit=limit)
    finally:
        await engine.dispose()


async def _stats(settings: Settings, *, since: datetime | None) -> dict[str, EntryStats]:
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await faq_log.entry_stats(session, since=since)
    finally:
        await engine.dispose()


def misses_text(misses: list[Miss], tr: Translator, settings: Settings) -> str:
    """One block per question: when (TIMEZONE), language, why, the text, the closest entries."""
    _ = tr.gettext
    if not misses:
        return _("No unanswered questions.")
    lines: list[str] = []
    for miss in misses:
        when = miss.created_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        lines.append(f"{when}  {miss.locale}  {_(MISS_KIND_LABELS[miss.kind])}")
        lines.append(f"    {miss.text}")
        if miss.hits:
            closest = ", ".join(
                f"{hit.id} {tr.number(Decimal(str(hit.score)).quantize(Decimal('0.01')))}"
                for hit in miss.hits
            )
            lines.append("    " + _("closest: {entries}").format(entries=closest))
    return "\n".join(lines)


def misses_json(misses: list[Miss]) -> str:
    return json.dumps(
        {
            "misses": [
                {
                    "time": miss.created_at.isoformat(),
                    "locale": miss.locale,
                    "kind": miss.kind.value,
                    "text": miss.text,
                    "hits": [{"id": hit.id, "score": hit.score} for hit in miss.hits],
                }
                for miss in misses
            ]
        },
        ensure_ascii=False,
    )


def stats_rows(counts: dict[str, EntryStats], index: FaqIndex) -> list[EntryStats]:
    """Every entry of the content (unseen ones with zeros) and ids no longer in it, most
    viewed first."""
    known = index.ids()
    current = set(known)
    rows = [counts.get(entry_id, EntryStats(entry_id)) for entry_id in known]
    rows += [stats for entry_id, stats in counts.items() if entry_id not in current]
    order = {entry_id: position for position, entry_id in enumerate(index.ids())}
    return sorted(
        rows, key=lambda r: (-r.views, -r.votes, order.get(r.entry_id, len(order)), r.entry_id)
    )


def stats_text(rows: list[EntryStats], index: FaqIndex, tr: Translator) -> str:
    """A table: views, 👍, 👎, helpful share, id and title; totals at the end."""
    _ = tr.gettext
    known = set(index.ids())
    width = max((len(row.entry_id) for row in rows), default=2)
    views, helpful, title = _("views"), _("helpful"), _("title")
    lines = [f"{views:>6} {'👍':>4} {'👎':>4} {helpful:>8}  {'id':<{width}}  {title}"]
    for row in rows:
        share = f"{tr.number(round(100 * row.helpful / row.votes))}%" if row.votes else "–"
        if row.entry_id in known:
            name = index.entry(row.entry_id, tr.locale).title
        else:
            name = _("(no longer in the FAQ)")
        lines.append(
            f"{row.views:>6} {row.helpful:>4} {row.unhelpful:>4} {share:>8}  "
            f"{row.entry_id:<{width}}  {name}"
        )
    total_views = sum(row.views for row in rows)
    total_helpful = sum(row.helpful for row in rows)
    total_unhelpful = sum(row.unhelpful for row in rows)
    lines.append(f"{total_views:>6} {total_helpful:>4} {total_unhelpful:>4}  " + _("in total"))
    return "\n".join(lines)


def stats_json(rows: list[EntryStats], since: datetime | None) -> str:
    return json.dumps(
        {
            "since": since.isoformat() if since else None,
            "entries": [
                {
                    "id": row.entry_id,
                    "views": row.views,
                    "helpful": row.helpful,
                    "unhelpful": row.unhelpful,
                }
                for row in rows
            ],
        },
        ensure_ascii=False,
    )
