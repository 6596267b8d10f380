"""The FAQ search: both catalogs (`bot.services.faq.catalog`) indexed with the lexicon.

`FaqIndex.load` loads and validates the content and the lexicon once at start; a
broken file stops the program with a `FaqContentError` naming the file and the entry.

Search (`FaqIndex.search`) scores every entry of both catalogs, so a
Greeklish or English question from a Greek user still finds its answer, and
returns a `SearchResult` whose `decision` tells the caller what to show:

- `Decision.ANSWER`: one entry is clearly best: show `result.answer_id`.
- `Decision.DID_YOU_MEAN`: two are close or the best is weak: offer
  `result.suggestions` (up to three ids).
- `Decision.NO_MATCH`: nothing fits: say so, offer the fault report and the
  centre's contacts (and record the question for the staff).

Scores are in [0, 1]. Each entry's score is a mix of two signals computed in
the same term space (see `bot.services.faq.greek`): BM25F over the entry's fields
(question and title, phrasings, keywords, answer), normalised by the best a
query could reach, and the best idf-weighted Dice overlap between the query
and any single phrasing. Query words the index does not know are matched to
known words of the same first letter by edit similarity (rapidfuzz), which
absorbs typos.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final

from rapidfuzz import fuzz, process

from bot.services.faq.analysis import CONCEPT_PREFIX, Analyzer
from bot.services.faq.catalog import (
    FAQ_DIR,
    LANGUAGES,
    CentreContacts,
    FaqCatalog,
    FaqEntry,
    load_catalogs,
)
from bot.services.faq.lexicon import LEXICON_FILE, Lexicon, load_lexicon


class Decision(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # 0..1


@dataclass(frozen=True)
class SearchResult:
    """What the FAQ search concluded for one question; `hits` are ranked, best first."""

    query: str
    locale: str
    decision: Decision
    hits: tuple[Hit, ...]
    suggestions: tuple[str, ...] = ()  # ids to offer as "Did you mean", when DID_YOU_MEAN

    @property
    def answer_id(self) -> str | None:
        return self.hits[0].id if self.decision is Decision.ANSWER else None

    @property
    def top_score(self) -> float:
        return self.hits[0].score if self.hits else 0.0


@dataclass(frozen=True)
class Understanding:
    """How much of a question the index knows.

    `specificity`: the idf mass of the words it knows; a question made only of words
    that most entries share (`υπεύθυνος εργαστηρίου`) says little. `coverage`: the
    share of the question's mass that it knows (an unknown word weighs like the
    rarest known one); `capital of France` knows only `France`.
    """

    specificity: float = 0.0
    coverage: float = 0.0


@dataclass(frozen=True)
class Thresholds:
    """When the best score means an answer, a choice, or nothing (scores are 0..1)."""

    no_match: float = 0.16  # best below this: nothing fits
    answer: float = 0.34  # best at least this, and clearly ahead: answer directly
    close_ratio: float = 0.80  # runner-up at least this share of the best: too close to call
    suggestion_ratio: float = 0.45  # suggestions must reach this share of the best
    # idf mass a question needs to be answered outright: ln 2 is the idf of a word in
    # half the entries, so at least one word must be rarer than that.
    min_specificity: float = math.log(2)
    # More than half of the question must be understood: "capital of France" is not.
    min_coverage: float = 0.55
    max_suggestions: int = 3


# Field weights of BM25F: the question and its phrasings say what the entry is about,
# the answer mentions many things in passing.
_FIELDS: Final = {
    "question": (3.0, 0.5),
    "phrasings": (2.0, 0.5),
    "keywords": (2.0, 0.3),
    "answer": (0.7, 0.75),
}  # name → (weight, length normalisation b)
K1: Final = 1.2
BM25_SHARE: Final = 0.5  # the rest is the best-phrasing overlap
OTHER_LANGUAGE_FACTOR: Final = 0.95  # the user's own catalog wins a tie
_HTML_TAG: Final = re.compile(r"<[^>]+>")


@dataclass
class _LanguageIndex:
    analyzer: Analyzer
    ids: list[str]
    idf: dict[str, float]
    weighted_tf: dict[str, dict[int, float]]  # term → doc → BM25F pseudo-frequency
    units: list[tuple[int, frozenset[str], float]]  # (doc, terms, idf mass) per phrasing
    unit_postings: dict[str, list[int]]
    # Index terms a typo may reach, by first letter: like a search engine's fuzzy prefix
    # of one, a typo keeps the first letter (`ασχολούνται` is no typo of `σχολείο`).
    vocabulary: dict[str, list[str]] = field(default_factory=dict)
    resolve: dict[str, str] = field(default_factory=dict)  # fuzzy-only term → concept
    # Per term, what an exact match adds: its BM25 part per doc (idf · saturated tf) and
    # its idf per phrasing, computed once (bit for bit what `score` computed for a match
    # of weight 1; fuzzy matches are still weighed term by term).
    term_bm25: dict[str, dict[int, float]] = field(default_factory=dict)
    term_units: dict[str, dict[int, float]] = field(default_factory=dict)
    # A word the index cannot place weighs like its rarest word: a question about
    # something else must not look answered because one common word matched.
    unknown_idf: float = 0.0

    @classmethod
    def build(cls, catalog: FaqCatalog, lexicon: Lexicon) -> _LanguageIndex:
        analyzer = Analyzer(catalog.language, lexicon)
        entries = list(catalog.entries.values())
        # First pass: learn the vocabulary so Greeklish in the content resolves like queries.
        for entry in entries:
            for text in _entry_texts(entry):
                analyzer.known.update(analyzer.terms(text))
        fields: list[dict[str, list[str]]] = []
        for entry in entries:
            fields.append(
                {
                    "question": analyzer.terms(entry.question + " " + entry.title),
                    "phrasings": [t for p in entry.phrasings for t in analyzer.terms(p)],
                    "keywords": [t for k in entry.keywords for t in analyzer.terms(k)],
                    "answer": analyzer.terms(_HTML_TAG.sub(" ", entry.answer)),
                }
            )
        n = len(entries)
        avg = {f: max(1.0, sum(len(d[f]) for d in fields) / n) for f in _FIELDS}
        weighted_tf: dict[str, dict[int, float]] = defaultdict(dict)
        df: dict[str, int] = defaultdict(int)
        for doc, doc_fields in enumerate(fields):
            pseudo: dict[str, float] = defaultdict(float)
            for name, (weight, b) in _FIELDS.items():
                terms = doc_fields[name]
                norm = 1 - b + b * len(terms) / avg[name]
                for term in terms:
                    pseudo[term] += weight / norm
            for term, value in pseudo.items():
                weighted_tf[term][doc] = value
                df[term] += 1
        idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        units: list[tuple[int, frozenset[str], float]] = []
        unit_postings: dict[str, list[int]] = defaultdict(list)
        for doc, entry in enumerate(entries):
            for text in (entry.question, entry.title, *entry.phrasings, *entry.keywords):
                unit = frozenset(analyzer.terms(text))
                if not unit:
                    continue
                for term in unit:
                    unit_postings[term].append(len(units))
                units.append((doc, unit, sum(idf[t] for t in unit)))
        index = cls(
            analyzer, [e.id for e in entries], idf, dict(weighted_tf), units, unit_postings
        )
        index.resolve = {
            t: c for t, c in analyzer.single.items() if c in idf and t in analyzer.own_script
        }
        for term in sorted(set(idf) | set(index.resolve)):
            if not term.startswith(CONCEPT_PREFIX):
                index.vocabulary.setdefault(term[0], []).append(term)
        index.unknown_idf = max(idf.values())
        index.term_bm25 = {
            term: {doc: idf[term] * tf * (K1 + 1) / (tf + K1) for doc, tf in postings.items()}
            for term, postings in index.weighted_tf.items()
        }
        index.term_units = {
            term: dict.fromkeys(unit_postings.get(term, ()), idf[term]) for term in idf
        }
        analyzer.known |= set(idf)
        return index

    def _matches(self, term: str) -> list[tuple[str, float]]:
        """Index terms a query term stands for, with a weight in (0, 1]."""
        if term in self.idf:
            return [(term, 1.0)]
        # Four letters or fewer are too few to tell a typo from another word (a name like
        # `Αλίκη` is one letter from `αγγλικ-`).
        if term.startswith(CONCEPT_PREFIX) or term.isdigit() or len(term) < 5:
            return []
        cutoff = 86.0 if len(term) <= 5 else 78.0
        found = process.extract(
            term,
            self.vocabulary.get(term[0], []),
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            limit=3,
        )
        out: dict[str, float] = {}
        for candidate, similarity, _ in found:
            target = self.resolve.get(candidate, candidate)
            if target in self.idf:
                weight = (similarity / 100.0) ** 2
                out[target] = max(out.get(target, 0.0), weight)
        return list(out.items())

    def score(self, query: str) -> tuple[dict[str, float], Understanding]:
        """Entry id → score in [0, 1] (entries that match nothing left out), and how much
        of the query the index understood."""
        terms = list(dict.fromkeys(self.analyzer.terms(query)))
        if not terms:
            return {}, Understanding()
        bm25: dict[int, float] = defaultdict(float)
        overlap: dict[int, float] = defaultdict(float)
        best_possible = 0.0
        query_mass = 0.0
        specificity = 0.0
        for term in terms:
            matches = self._matches(term)
            weight_idf = max((w * self.idf[t] for t, w in matches), default=self.unknown_idf)
            if matches:
                specificity += weight_idf
            best_possible += weight_idf * (K1 + 1)
            query_mass += weight_idf
            if len(matches) == 1 and matches[0][1] == 1.0:  # the usual case: the word itself
                per_doc = self.term_bm25[matches[0][0]]
                per_unit = self.term_units[matches[0][0]]
            else:
                per_doc = {}
                per_unit = {}
                for matched, weight in matches:  # in the order of the terms' first use,
                    term_idf = self.idf[matched]  # so that every score is what it was
                    for doc, tf in self.weighted_tf[matched].items():
                        value = weight * term_idf * tf * (K1 + 1) / (tf + K1)
                        per_doc[doc] = max(per_doc.get(doc, 0.0), value)
                    for unit in self.unit_postings.get(matched, ()):
                        per_unit[unit] = max(per_unit.get(unit, 0.0), weight * term_idf)
            for doc, value in per_doc.items():
                bm25[doc] += value
            for unit, value in per_unit.items():
                overlap[unit] += value
        best_unit: dict[int, float] = defaultdict(float)
        for unit, matched_mass in overlap.items():
            doc, _, unit_mass = self.units[unit]
            dice = 2 * matched_mass / (query_mass + unit_mass) if query_mass + unit_mass else 0.0
            best_unit[doc] = max(best_unit[doc], dice)
        scores = {}
        for doc in set(bm25) | set(best_unit):
            normalised = bm25.get(doc, 0.0) / best_possible if best_possible else 0.0
            value = BM25_SHARE * normalised + (1 - BM25_SHARE) * best_unit.get(doc, 0.0)
            if value > 0:
                scores[self.ids[doc]] = min(1.0, value)
        return scores, Understanding(specificity, specificity / query_mass)


def _entry_texts(entry: FaqEntry) -> Iterator[str]:
    yield entry.question
    yield entry.title
    yield from entry.phrasings
    yield from entry.keywords
    yield _HTML_TAG.sub(" ", entry.answer)


class FaqIndex:
    """Both catalogs and their search indexes; build once at start (`FaqIndex.load`)."""

    def __init__(
        self,
        catalogs: Mapping[str, FaqCatalog],
        lexicon: Lexicon,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.catalogs = dict(catalogs)
        self.lexicon = lexicon
        self.thresholds = thresholds or Thresholds()
        self._indexes = {
            lang: _LanguageIndex.build(c, lexicon) for lang, c in self.catalogs.items()
        }

    @classmethod
    def load(cls, directory: Path = FAQ_DIR, thresholds: Thresholds | None = None) -> FaqIndex:
        """Load, validate and index `<directory>/{el,en}/faq.yaml` with the lexicon
        `<directory>/faq_lexicon.yaml` (FaqContentError if either is broken)."""
        return cls(load_catalogs(directory), load_lexicon(directory / LEXICON_FILE), thresholds)

    # content

    def catalog(self, locale: str) -> FaqCatalog:
        return self.catalogs[locale if locale in self.catalogs else LANGUAGES[0]]

    def entry(self, entry_id: str, locale: str) -> FaqEntry:
        return self.catalog(locale).entries[entry_id]

    def ids(self) -> list[str]:
        return list(self.catalog(LANGUAGES[0]).entries)

    def groups(self, locale: str) -> list[tuple[str, str, list[FaqEntry]]]:
        """(group key, title, entries) in menu order, for the FAQ menu."""
        catalog = self.catalog(locale)
        return [(key, title, catalog.entries_in(key)) for key, title in catalog.groups.items()]

    def render_answer(
        self, entry_id: str, locale: str, contacts: CentreContacts | None = None
    ) -> str:
        return self.catalog(locale).render_answer(entry_id, contacts)

    # search

    def terms(self, text: str, language: str) -> list[str]:
        """The search terms of `text` in `language`'s index (concepts start with `#`)."""
        return self._indexes[language].analyzer.terms(text)

    def rank(self, query: str, locale: str) -> list[Hit]:
        """Every entry that matches at all, best first (ties by catalog order)."""
        return self._rank(query, locale)[0]

    def understanding(self, query: str, locale: str) -> Understanding:
        """How much of `query` the catalogs understand (see `Understanding`)."""
        return self._rank(query, locale)[1]

    def _rank(self, query: str, locale: str) -> tuple[list[Hit], Understanding]:
        own = locale if locale in self._indexes else LANGUAGES[0]
        merged: dict[str, float] = {}
        understood = Understanding()
        for lang, index in self._indexes.items():
            factor = 1.0 if lang == own else OTHER_LANGUAGE_FACTOR
            scores, known = index.score(query)
            understood = Understanding(
                max(understood.specificity, known.specificity),
                max(understood.coverage, known.coverage),
            )
            for entry_id, value in scores.items():
                merged[entry_id] = max(merged.get(entry_id, 0.0), value * factor)
        order = {entry_id: i for i, entry_id in enumerate(self.ids())}
        ranked = sorted(merged.items(), key=lambda kv: (-kv[1], order[kv[0]]))
        return [Hit(entry_id, round(value, 4)) for entry_id, value in ranked], understood

    def search(self, query: str, locale: str, limit: int = 5) -> SearchResult:
        """Rank the entries for `query` and decide: answer, did you mean, or no match."""
        ranked, understood = self._rank(query, locale)
        hits = tuple(ranked[:limit])
        decision, suggestions = decide(hits, self.thresholds, understood)
        return SearchResult(query, locale, decision, hits, suggestions)


def decide(
    hits: Sequence[Hit], thresholds: Thresholds, understood: Understanding | None = None
) -> tuple[Decision, tuple[str, ...]]:
    """The decision for ranked hits, and the ids to suggest when it is DID_YOU_MEAN.

    A question that says too little, or that is mostly words the index does not
    know (`understood`), is never answered outright, however well it matched.
    """
    understood = understood or Understanding(math.inf, 1.0)
    if not hits or hits[0].score < thresholds.no_match:
        return Decision.NO_MATCH, ()
    best = hits[0].score
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    clear = runner_up < best * thresholds.close_ratio
    sure = (
        understood.specificity >= thresholds.min_specificity
        and understood.coverage >= thresholds.min_coverage
    )
    if best >= thresholds.answer and clear and sure:
        return Decision.ANSWER, ()
    floor = max(thresholds.no_match, best * thresholds.suggestion_ratio)
    suggestions = tuple(h.id for h in hits if h.score >= floor)[: thresholds.max_suggestions]
    return Decision.DID_YOU_MEAN, suggestions
