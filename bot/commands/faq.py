"""`keplibot faq`: ask the FAQ search a question, exactly as the bot would.

    keplibot faq [--lang el|en] [--json] [--limit N] "question"

Prints the ranked entry ids with their scores (0 to 1) and the decision the
bot would take (answer, did you mean, no match), for testing the content and
for the staff. `--json` prints `{"results": [{"id": ..., "score": ...}, ...]}`.

Exit status: 0 when the search ran (whatever it found); 1 when the FAQ
content cannot be loaded (the message names the file and the entry).
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from bot.i18n import DEFAULT_LOCALE, LOCALES, N_, get_translator
from bot.services.faq import Decision, FaqContentError, FaqIndex, SearchResult

EXIT_OK = 0
EXIT_CONTENT = 1

DECISION_LABELS = {
    Decision.ANSWER: N_("Answer"),
    Decision.DID_YOU_MEAN: N_("Did you mean"),
    Decision.NO_MATCH: N_("No match"),
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "faq",
        help="search the FAQ as the bot does and print the ranked answers",
        description="Search the FAQ (locales/<lang>/faq.yaml) as the bot does.",
    )
    parser.add_argument("question", nargs="+", help="the question, in any language or script")
    parser.add_argument(
        "--lang",
        choices=LOCALES,
        default=DEFAULT_LOCALE,
        help=f"the asker's language: both catalogs are searched, this one first "
        f"(default: {DEFAULT_LOCALE})",
    )
    parser.add_argument(
        "--json", action="store_true", help='print {"results": [{"id": ..., "score": ...}]}'
    )
    parser.add_argument(
        "--limit", type=int, default=5, help="how many results at most (default: 5)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        index = FaqIndex.load()
    except FaqContentError as exc:
        print(f"keplibot faq: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    result = index.search(" ".join(args.question), args.lang, limit=max(1, args.limit))
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
