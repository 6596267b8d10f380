"""The ruleset as a parameter: a second circular flows through scoring, the dialogs, the
exports and the stored session without touching CURRENT_RULESET, and only a new interview
reads CURRENT_RULESET."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.dialogs.points import labels
from bot.dialogs.points.export import summary_pdf
from bot.dialogs.points.interview import feedback, step_screen
from bot.dialogs.points.labels import RULESET_WORDS, RulesetWords, words_for
from bot.dialogs.points.result import change_screen, unknown_ruleset_text
from bot.dialogs.points.words import documents_text, output_object, render_breakdown
from bot.i18n import get_translator
from bot.services.points.session import InterviewSession
from bot.services.points.store import KeptDeclaration
from scoring import (
    CURRENT_RULESET,
    RULESET_170610_D2_2016,
    RULESETS,
    Ruleset,
    UnknownRuleset,
    parse_declaration,
    ruleset_named,
    score,
)
from scoring.answers import answers_from_declaration
from scoring.interview import interview_for

REPO = Path(__file__).resolve().parents[2]
EN = get_translator("en")
EL = get_translator("el")
FAKE_LABEL = "Head of a support centre under the test circular"
DECLARATION = parse_declaration({"keplinet_head_years": 2, "lab_manager_effective_years": 1})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Ruleset:
    """A second circular: the real one renamed, criterion ζ worth 2 points a year (not 1)
    and labelled differently. Registered for this test only."""
    real = RULESET_170610_D2_2016
    criteria = tuple(
        replace(c, points=Decimal(2), cap=Decimal(10)) if c.key == "ζ" else c
        for c in real.criteria
    )
    ruleset = replace(real, name="TEST/2099", date="2099-01-01", criteria=criteria)
    real_words = RULESET_WORDS[real.name]
    words = RulesetWords(
        labels={**real_words.labels, "ζ": FAKE_LABEL}, documents=real_words.documents
    )
    monkeypatch.setitem(RULESETS, ruleset.name, ruleset)
    monkeypatch.setitem(RULESET_WORDS, ruleset.name, words)
    return ruleset


def test_the_registry_names_every_ruleset() -> None:
    assert ruleset_named(CURRENT_RULESET.name) is CURRENT_RULESET
    assert set(RULESETS) == {RULESET_170610_D2_2016.name}
    assert set(RULESET_WORDS) == set(RULESETS)  # every ruleset has its labels
    with pytest.raises(UnknownRuleset) as raised:
        ruleset_named("999/Δ2/2099")
    assert raised.value.name == "999/Δ2/2099"


def test_a_second_ruleset_flows_through_scoring_and_the_result_texts(fake: Ruleset) -> None:
    result = score(DECLARATION, fake)
    assert result.ruleset is fake
    assert result.total == score(DECLARATION).total + 2  # ζ: 2 years at 2 points, not 1
    breakdown = render_breakdown(EN, result)
    assert f"ζ) {FAKE_LABEL}: 4 points" in breakdown
    assert FAKE_LABEL in documents_text(EN, result)
    assert output_object(EN, result)["criteria"]["ζ"] == 4
    # The current ruleset is untouched, and speaks with its own label.
    assert CURRENT_RULESET is RULESET_170610_D2_2016
    assert FAKE_LABEL not in render_breakdown(EN, score(DECLARATION))


def test_the_pdf_of_a_second_ruleset_names_it_and_its_labels(fake: Ruleset) -> None:
    result = score(DECLARATION, fake)
    answers = answers_from_declaration(DECLARATION, interview_for(fake))
    pdf = summary_pdf(EN, result, answers, made_at=datetime(2099, 2, 1, tzinfo=UTC))
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "TEST/2099" in text
    assert FAKE_LABEL in text


def test_a_session_keeps_its_ruleset_through_storage_screens_and_result(fake: Ruleset) -> None:
    interview = interview_for(fake)
    assert interview.ruleset is fake
    answers = answers_from_declaration(DECLARATION, interview)
    session = InterviewSession.new(answers, mode="result", origin="kept", ruleset=fake)
    stored = json.loads(json.dumps(session.data))  # as persistence keeps it
    assert stored["ruleset"] == "TEST/2099"
    loaded = InterviewSession.load(stored)
    assert loaded is not None
    assert loaded.ruleset is fake
    assert loaded.result()[1].ruleset is fake
    assert FAKE_LABEL in change_screen(EN, loaded).text
    loaded.start_change("keplinet_head_years", "0")
    step = loaded.step()
    assert step is not None
    assert step.question.key == "keplinet_head_years"
    assert "2 points per school year, up to 10 points" in step_screen(EN, loaded, step).text
    assert feedback(EN, loaded, step, "3") == f"✓ {FAKE_LABEL}: 3"


def test_a_session_without_a_ruleset_name_is_of_the_first_circular() -> None:
    data = dict(InterviewSession.new().data)
    del data["ruleset"]
    loaded = InterviewSession.load(data)
    assert loaded is not None
    assert loaded.ruleset is RULESET_170610_D2_2016


def test_a_session_or_a_declaration_of_an_unknown_ruleset_fails_clearly() -> None:
    data = {**InterviewSession.new().data, "ruleset": "999/Δ2/2099"}
    with pytest.raises(UnknownRuleset):
        InterviewSession.load(data)
    kept = KeptDeclaration(DECLARATION, "999/Δ2/2099", datetime(2099, 1, 1, tzinfo=UTC))
    with pytest.raises(UnknownRuleset):
        kept.rules()
    unknown = replace(RULESET_170610_D2_2016, name="999/Δ2/2099")
    with pytest.raises(UnknownRuleset):
        words_for(unknown)
    with pytest.raises(UnknownRuleset):
        labels.criterion_label(EN, unknown, "α")
    said = unknown_ruleset_text(EL, "999/Δ2/2099")
    assert "999/Δ2/2099" in said
    assert "εγκύκλιο" in said  # in Greek, not the English message id


# The files that may name CURRENT_RULESET outside scoring/ and tests/: where a new interview
# (or a declaration sent as a file, scored as a new one would be) starts.
NEW_INTERVIEW_ONLY = {"bot/services/points/session.py"}


def test_current_ruleset_is_read_only_where_a_new_interview_starts() -> None:
    users = set()
    for root in ("bot", "handlers", "teams", "tools", "bench"):
        for path in (REPO / root).rglob("*.py"):
            if re.search(r"\bCURRENT_RULESET\b", path.read_text(encoding="utf-8")):
                users.add(path.relative_to(REPO).as_posix())
    assert users == NEW_INTERVIEW_ONLY
    session = (REPO / "bot/services/points/session.py").read_text(encoding="utf-8")
    # There, only as the default ruleset of InterviewSession.new (and its import).
    uses = [line.strip() for line in session.splitlines() if "CURRENT_RULESET" in line]
    assert uses == ["CURRENT_RULESET,", "ruleset: Ruleset = CURRENT_RULESET,"]
