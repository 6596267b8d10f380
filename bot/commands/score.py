"""`keplibot score`: provisional Υ.Σ.Ε.Π.Ε.Η.Υ. points of a declaration (spec/scoring.md).

    keplibot score FILE|- [--lang el|en] [--format json|text]
    keplibot score --jsonl [FILE|-]    one declaration per line in, one result per line out

The JSON output is the spec's `ysepehy-score/2` object: `total`, `total_min` (lower only
when a doctorate is `same_field_as` a master's, the case clause iii leaves open), the 20
criteria, notes, and `eligibility` with its `status` (eligible / fallback / not_eligible).
The text output prints both totals when they differ.

Exit status: 0 when scored; 2 when the input cannot be read, is not JSON, or is
not a valid declaration (the message, naming the field, goes to stderr). In
batch mode a bad line yields `{"error": {...}}` on its own line and the batch
goes on (exit 0); only unreadable input stops it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from bot.dialogs.points.words import (
    dumps,
    error_object,
    error_text,
    output_object,
    render_breakdown,
)
from bot.i18n import DEFAULT_LOCALE, LOCALES, Translator, get_translator
from bot.services import json_input
from bot.services.json_input import JsonRefused
from scoring import DeclarationInvalid, score_object

EXIT_OK = 0
EXIT_INVALID = 2


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "score",
        help="compute the provisional lab-manager points of a declaration (JSON)",
        description="Score a declaration (JSON, see spec/scoring.md) under circular 170610/Δ2.",
    )
    parser.add_argument(
        "file",
        metavar="FILE",
        nargs="?",
        default="-",
        help="the declaration (JSON); - or nothing reads standard input",
    )
    parser.add_argument(
        "--lang",
        choices=LOCALES,
        default=DEFAULT_LOCALE,
        help=f"language of notes, messages and text (default: {DEFAULT_LOCALE})",
    )
    parser.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="json: the spec's output object (default); text: a readable breakdown",
    )
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help="batch: one declaration per line in, one JSON result (or error) per line out",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    tr = get_translator(args.lang)
    try:
        stream = _open(args.file)
    except OSError as exc:
        _fail(tr.gettext("cannot read {file}: {error}").format(file=args.file, error=exc.strerror))
        return EXIT_INVALID
    try:
        if args.jsonl:
            return _batch(tr, stream, sys.stdout)
        return _single(tr, stream, args.file, args.format)
    except UnicodeDecodeError:
        _fail(tr.gettext("{file} is not UTF-8 text").format(file=_shown(args.file)))
        return EXIT_INVALID
    finally:
        if stream is not sys.stdin:
            stream.close()


def _open(name: str) -> TextIO:
    if name == "-":
        return sys.stdin
    return open(name, encoding="utf-8")


def _shown(name: str) -> str:
    return "stdin" if name == "-" else name


def _fail(message: str) -> None:
    print(f"keplibot score: {message}", file=sys.stderr)


def parse_json(text: str) -> Any:
    """`json_input.loads`: a leading byte-order mark is ignored (Windows editors write one);
    bad JSON, nesting too deep and numbers thousands of digits long raise JsonRefused."""
    return json_input.loads(text)


def refusal_text(tr: Translator, refused: JsonRefused, name: str | None = None) -> str:
    if refused.code == "invalid_json":
        if name is None:
            return tr.gettext("not valid JSON (column {column}: {error})").format(
                column=refused.column, error=refused.detail
            )
        message = tr.gettext("{file} is not valid JSON (line {line}, column {column}: {error})")
        return message.format(
            file=name, line=refused.line, column=refused.column, error=refused.detail
        )
    problem = json_input.problem_text(tr, refused)
    return problem if name is None else f"{name}: {problem}"


def _single(tr: Translator, stream: TextIO, name: str, fmt: str) -> int:
    text = stream.read()
    try:
        value = parse_json(text)
    except JsonRefused as refused:
        _fail(refusal_text(tr, refused, _shown(name)))
        return EXIT_INVALID
    try:
        result = score_object(value)
    except DeclarationInvalid as exc:
        for issue in exc.issues:
            _fail(error_text(tr, issue))
        return EXIT_INVALID
    if fmt == "text":
        print(render_breakdown(tr, result))
    else:
        print(json.dumps(output_object(tr, result), ensure_ascii=False, indent=2))
    return EXIT_OK


def score_lines(tr: Translator, lines: Iterable[str]) -> Iterable[str]:
    """One output line (without newline) per input line, in order: a result or an error."""
    for line in lines:
        try:
            value = parse_json(line)
        except JsonRefused as refused:
            message = refusal_text(tr, refused)
            yield dumps({"error": {"path": "", "code": refused.code, "message": message}})
            continue
        try:
            result = score_object(value)
        except DeclarationInvalid as exc:
            yield dumps({"error": error_object(tr, exc.issues[0])})
            continue
        yield dumps(output_object(tr, result))


def _batch(tr: Translator, stream: TextIO, out: TextIO) -> int:
    # A trailing newline ends the last line; it does not start an empty one.
    lines = (line.rstrip("\r\n") for line in stream)
    out.writelines(f"{line}\n" for line in score_lines(tr, lines))
    out.flush()
    return EXIT_OK
