"""FAQ search quality on the labelled questions of tests/data/faq_eval.yaml."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.services.faq import Decision, FaqIndex
from bot.services.faq.greek import tokens

EVAL_FILE = Path(__file__).resolve().parents[1] / "data" / "faq_eval.yaml"
MIN_TOP1 = 0.95
MIN_TOP3 = 0.99
# The answer itself, or it among the "Did you mean" buttons (which hold at most three, and
# only those close to the best): a little below top-3 by construction.
MIN_SEEN = 0.97
STYLES = {"greek", "noacc", "greeklish", "typo", "english"}


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.load()


@pytest.fixture(scope="module")
def evaluation() -> dict[str, Any]:
    with EVAL_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def normalised(text: str) -> str:
    return " ".join(tokens(text))


def test_the_set_is_large_varied_and_labelled_with_real_ids(
    index: FaqIndex, evaluation: dict[str, Any]
) -> None:
    questions = evaluation["questions"]
    assert len(questions) >= 150
    assert {q["id"] for q in questions} <= set(index.ids())
    assert {q["style"] for q in questions} == STYLES
    assert {q["lang"] for q in questions} == {"el", "en"}
    per_entry = Counter(q["id"] for q in questions)
    assert min(per_entry[entry_id] for entry_id in index.ids()) >= 3
    assert len({normalised(q["q"]) for q in questions}) == len(questions), "duplicates"


def test_no_question_is_copied_from_the_content(
    index: FaqIndex, evaluation: dict[str, Any]
) -> None:
    written = set()
    for language in ("el", "en"):
        for entry in index.catalog(language).entries.values():
            for text in (entry.question, entry.title, *entry.phrasings, *entry.keywords):
                written.add(normalised(text))
    copied = [q["q"] for q in evaluation["questions"] if normalised(q["q"]) in written]
    assert copied == []


def test_top1_and_top3_accuracy(index: FaqIndex, evaluation: dict[str, Any]) -> None:
    questions = evaluation["questions"]
    top1 = top3 = 0
    misses = []
    for item in questions:
        ranked = [hit.id for hit in index.rank(item["q"], item["lang"])]
        top1 += ranked[:1] == [item["id"]]
        top3 += item["id"] in ranked[:3]
        if ranked[:1] != [item["id"]]:
            misses.append(f"{item['q']!r}: want {item['id']}, got {ranked[:3]}")
    n = len(questions)
    report = "\n".join(misses)
    assert top1 / n >= MIN_TOP1, f"top-1 {top1}/{n}\n{report}"
    assert top3 / n >= MIN_TOP3, f"top-3 {top3}/{n}\n{report}"


def test_the_right_entry_is_answered_or_offered(
    index: FaqIndex, evaluation: dict[str, Any]
) -> None:
    # What the teacher sees: the answer itself, or it among the "Did you mean" buttons.
    questions = evaluation["questions"]
    seen = 0
    for item in questions:
        result = index.search(item["q"], item["lang"])
        seen += result.answer_id == item["id"] or item["id"] in result.suggestions
    assert seen / len(questions) >= MIN_SEEN


def test_off_topic_questions_are_never_answered(
    index: FaqIndex, evaluation: dict[str, Any]
) -> None:
    answered = [
        item["q"]
        for item in evaluation["off_topic"]
        if index.search(item["q"], item["lang"]).decision is Decision.ANSWER
    ]
    assert answered == []
