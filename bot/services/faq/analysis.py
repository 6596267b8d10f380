"""Turning text into search terms: Greek folding and stems, Greeklish, English stems,
stop words and the lexicon's concepts (`bot.services.faq.lexicon`)."""

from __future__ import annotations

from typing import Final

from bot.services.faq.greek import (
    english_stem,
    fold,
    greeklish_variants,
    is_greek,
    is_latin,
    phonetic_key,
    stem,
    tokens,
)
from bot.services.faq.lexicon import Lexicon

MAX_QUERY_CHARS: Final = 400  # longer input is cut: a question, not an essay

CONCEPT_PREFIX: Final = "#"
_MAX_PHRASE: Final = 6


class Analyzer:
    """Turns text into search terms for one catalog's language.

    Greek words: phonetic key + stem. Latin words: in the Greek index, Greeklish
    transliterated to Greek (choosing the spelling the index knows); in the
    English index, English stems. Stop words are dropped: Greek ones compared by
    phonetic key, not by stem, so `πως` goes but `πόσο` stays. Then synonyms: a
    word or a phrase is replaced by its concept.
    """

    def __init__(self, language: str, lexicon: Lexicon) -> None:
        self.language = language
        self.known: set[str] = set()  # terms worth preferring when Greeklish is ambiguous
        self.stop_keys = frozenset(phonetic_key(fold(w)) for w in lexicon.greek_stop_words)
        self.english_stop = frozenset(lexicon.english_stop_words)
        self.surface: dict[str, str] = {}  # folded word → concept
        self.single: dict[str, str] = {}  # term → concept
        # Single-word synonyms in the catalog's own script: the only ones that typos may
        # reach (an English word spelt in Greek letters must not pull `bread` to `broken`).
        self.own_script: set[str] = set()
        self.phrases: dict[tuple[str, ...], str] = {}  # terms → concept
        multi_word: list[tuple[str, str]] = []
        for concept in lexicon.concepts:
            tag = CONCEPT_PREFIX + concept.name
            for surface in concept.surfaces:
                words = tokens(surface)
                if len(words) != 1:
                    multi_word.append((surface, tag))
                    continue
                self.surface[words[0]] = tag
                term = self._term(words[0])
                # Short terms collide with other words (`ηυ` and `η` are both `ι`):
                # those surfaces only count written out exactly.
                if term and len(term) >= 4:
                    self.single[term] = tag
                    if (is_greek if language == "el" else is_latin)(words[0]):
                        self.own_script.add(term)
        # Phrases are keyed by their words' terms exactly as `terms` will see them.
        for surface, tag in multi_word:
            terms = tuple(term for term, _ in self._items(surface))
            if len(terms) > 1:
                self.phrases[terms] = tag
            elif terms:
                self.single.setdefault(terms[0], tag)
        self.known |= set(self.single)
        for phrase in self.phrases:
            self.known |= set(phrase)

    def _term(self, token: str) -> str | None:
        """The term of one folded word; None for a stop word, "" for no letters."""
        if token.isdigit():
            return token
        if is_greek(token):
            key = phonetic_key(token)
            return None if key in self.stop_keys else stem(key)
        if not is_latin(token):
            return ""
        if token in self.english_stop or len(token) < 2:
            return None
        if self.language == "en":
            return english_stem(token)
        keys = [phonetic_key(v) for v in greeklish_variants(token)]
        for key in keys:
            if key in self.stop_keys:
                return None
            if stem(key) in self.known:
                return stem(key)
        return stem(keys[0]) if keys else ""

    def _items(self, text: str) -> list[tuple[str, str | None]]:
        """(term, concept of the written word or None) per word, stop words out."""
        items: list[tuple[str, str | None]] = []
        for token in tokens(text[:MAX_QUERY_CHARS]):
            concept = self.surface.get(token)
            term = self._term(token)
            if concept is None and not term:
                continue
            items.append((term or token, concept))
        return items

    def terms(self, text: str) -> list[str]:
        """The search terms of `text`, synonyms applied (a phrase becomes its concept)."""
        items = self._items(text)
        raw = [term for term, _ in items]
        out: list[str] = []
        i = 0
        while i < len(items):
            for length in range(min(_MAX_PHRASE, len(raw) - i), 1, -1):
                tag = self.phrases.get(tuple(raw[i : i + length]))
                if tag:
                    out.append(tag)
                    i += length
                    break
            else:
                term, concept = items[i]
                out.append(concept or self.single.get(term, term))
                i += 1
        return out
