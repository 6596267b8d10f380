"""The FAQ search's lexicon (`locales/faq_lexicon.yaml`): stop words and concepts.

It is content, edited beside the FAQ itself: which words say nothing about a
question's subject (per language), and which words and phrases mean the same
thing here in any language or script (a *concept*: `υπολογιστής`, `Η/Υ`, `pc`,
`πισι` are all `#pc`). It is loaded and checked once at start, with the FAQ; a
malformed file stops the program with a `FaqContentError` naming the file and
the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

from bot.services.faq.catalog import FaqContentError

LEXICON_FILE: Final = "faq_lexicon.yaml"
STOP_WORD_LANGUAGES: Final = ("el", "en")
_NAME: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Concept:
    """Words and phrases that mean the same thing here, in any language or script."""

    name: str
    surfaces: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Stop words per language and the concepts, in the file's order (a later surface
    written the same as an earlier one wins)."""

    greek_stop_words: tuple[str, ...]
    english_stop_words: tuple[str, ...]
    concepts: tuple[Concept, ...]


def _concept(raw: object, position: int, seen: set[str]) -> Concept:
    where = f"concept {position}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be a mapping with 'name' and 'surfaces'")
    name = raw.get("name")
    if isinstance(name, str):
        where = f"concept {name!r}"
    unknown = set(raw) - {"name", "surfaces"}
    if unknown:
        raise ValueError(f"{where}: unknown fields {', '.join(sorted(map(str, unknown)))}")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{where}: 'name' must be lower-case letters, digits and hyphens")
    if name in seen:
        raise ValueError(f"{where}: declared twice")
    surfaces = raw.get("surfaces")
    if not isinstance(surfaces, list) or not surfaces:
        raise ValueError(f"{where}: 'surfaces' must be a non-empty list")
    for surface in surfaces:
        # YAML reads a bare `no`, `on` or `1` as a boolean or a number: quote those.
        if not isinstance(surface, str) or not surface.strip():
            raise ValueError(f"{where}: surface {surface!r} is not a text (quote it)")
    if len(set(surfaces)) != len(surfaces):
        raise ValueError(f"{where}: a surface is listed twice")
    seen.add(name)
    return Concept(name, tuple(surfaces))


def _stop_words(raw: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict) or set(raw) != set(STOP_WORD_LANGUAGES):
        raise ValueError(
            f"'stop_words' must have exactly the languages {', '.join(STOP_WORD_LANGUAGES)}"
        )
    words: dict[str, tuple[str, ...]] = {}
    for language in STOP_WORD_LANGUAGES:
        text = raw[language]
        if not isinstance(text, str) or not text.split():
            raise ValueError(f"stop_words {language!r}: must be words separated by spaces")
        words[language] = tuple(text.split())
    return words


def parse_lexicon(data: object) -> Lexicon:
    """The lexicon in parsed YAML `data` (ValueError naming the bad entry)."""
    if not isinstance(data, dict) or set(data) != {"stop_words", "concepts"}:
        raise ValueError("the top level must have exactly 'stop_words' and 'concepts'")
    stop = _stop_words(data["stop_words"])
    raw_concepts = data["concepts"]
    if not isinstance(raw_concepts, list):
        raise ValueError("'concepts' must be a list")
    seen: set[str] = set()
    concepts = tuple(_concept(raw, n, seen) for n, raw in enumerate(raw_concepts, start=1))
    return Lexicon(stop["el"], stop["en"], concepts)


def load_lexicon(path: Path) -> Lexicon:
    """Load and check the lexicon file (FaqContentError naming the file and the entry)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError as exc:
        raise FaqContentError(f"{path}: missing") from exc
    except yaml.YAMLError as exc:
        raise FaqContentError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return parse_lexicon(data)
    except ValueError as exc:
        raise FaqContentError(f"{path}: {exc}") from exc
