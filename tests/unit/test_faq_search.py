"""FAQ search: synonyms, cross-language search, the decision, and `keplibot faq`."""

from __future__ import annotations

import json
import re

import pytest

from bot.cli import main
from bot.services.faq import (
    Decision,
    FaqIndex,
    Hit,
    Thresholds,
    Understanding,
    decide,
)


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.load()


# --- synonyms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "variants", "concept"),
    [
        ("el", ["υπολογιστής", "Η/Υ", "pc", "PC", "ypologisths"], "#pc"),
        ("en", ["computer", "PC", "Η/Υ"], "#pc"),
        ("el", ["ίντερνετ", "internet", "δίκτυο", "diktyo", "διαδίκτυο"], "#internet"),
        ("el", ["ΠΣΔ", "Π.Σ.Δ.", "sch.gr", "Πανελλήνιο Σχολικό Δίκτυο"], "#psd"),
        (
            "el",
            [
                "ΥΣΕΠΕΗΥ",
                "Υ.Σ.Ε.Π.Ε.Η.Υ.",
                "ysepehy",
                "υπεύθυνος εργαστηρίου",
                "υπευθυνος του εργαστηριου",
                "ypeuthinos ergastiriou",
            ],
            "#ysepehy",
        ),
        ("en", ["lab manager", "ΥΣΕΠΕΗΥ", "person in charge of the lab"], "#ysepehy"),
        ("el", ["ΚΕ.ΠΛΗ.ΝΕ.Τ.", "ΚΕΠΛΗΝΕΤ", "κεπληνετ", "keplinet", "kepli"], "#keplinet"),
        ("en", ["support centre", "KEPLINET", "ΚΕ.ΠΛΗ.ΝΕ.Τ."], "#keplinet"),
        ("el", ["Γαλλία", "εξωτερικό", "αλλοδαπή", "eksoteriko"], "#abroad"),
        ("el", ["ημέρες", "Τρίτη", "Πέμπτη", "Παρασκευή", "μέρα"], "#day"),
        ("en", ["day", "Tuesday", "Fridays"], "#day"),
        ("el", ["φιλόλογος", "μαθηματικός", "φυσικός", "filologos"], "#other-subject"),
        ("en", ["physics teacher", "maths teacher"], "#other-subject"),
        ("el", ["αναλάβει", "οριστεί", "ορίζεται", "analavei"], "#appoint"),
    ],
)
def test_synonyms_become_one_concept(
    index: FaqIndex, language: str, variants: list[str], concept: str
) -> None:
    for variant in variants:
        assert index.terms(variant, language) == [concept], variant


def test_the_article_eta_is_not_a_computer(index: FaqIndex) -> None:
    # `Η/Υ` and `η` fold to look-alike keys; only the written abbreviation is a PC.
    assert "#pc" not in index.terms("η διευθύντρια", "el")
    assert index.terms("η", "el") == []


def test_stop_words_go_but_question_words_that_matter_stay(index: FaqIndex) -> None:
    assert index.terms("πώς να το κάνω με το", "el") == ["καν"]
    assert "ποσ" in index.terms("πόσα", "el")
    assert index.terms("what is the", "en") == []
    assert index.terms("who", "en") == ["who"]


def test_monday_is_not_a_second_school(index: FaqIndex) -> None:
    # Δευτέρα and δεύτερος share a stem: the weekday stays out of the #day concept.
    assert "#day" not in index.terms("δεύτερο σχολείο", "el")


def test_filler_words_carry_no_question(index: FaqIndex) -> None:
    assert index.terms("never heard of it, just wondering", "en") == []
    assert index.terms("γίνονται", "el") == []


def test_becoming_the_manager_is_not_filler(index: FaqIndex) -> None:
    # `να γίνει` (to become) is what tells "who can be" from "who chooses".
    result = index.search("ποιος μπορεί να γίνει υπεύθυνος εργαστηρίου", "el")
    assert result.answer_id == "ysepehy-who"


def test_a_typo_keeps_the_first_letter(index: FaqIndex) -> None:
    # As search engines do (a fuzzy prefix of one letter): `ασχολούνται` (deal with) is
    # one letter from `σχολ-` (school) but no typo of it; `ypologistis` still finds PCs.
    assert index.rank("με τι ασχολούνται", "el") == []
    # Four letters are too few for a typo: a name is not `αγγλικά`.
    assert index.rank("Αλίκη", "el") == []
    assert index.rank("ypolohistes", "el")[0].id in {"support-repairs", "upgrades"}


# --- ranking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "locale", "expected"),
    [
        ("Πώς ζητάω υποστήριξη από το ΚΕΠΛΗΝΕΤ;", "el", "support-request"),
        ("pws zitao voitheia", "el", "support-request"),
        ("pos zhtaw bohtheia", "el", "support-request"),
        ("How do I ask for help?", "el", "support-request"),  # English from a Greek user
        ("ti dikaiologitika thelei", "en", "ysepehy-documents"),  # Greeklish from an English one
        ("μπορει ο διευθηντης να ειναι υπευθηνος εργαστιριου", "el", "ysepehy-director"),
        ("ΔΟΑΤΑΠ", "en", "ysepehy-foreign-titles"),
    ],
)
def test_questions_in_any_script_find_their_entry(
    index: FaqIndex, question: str, locale: str, expected: str
) -> None:
    assert index.rank(question, locale)[0].id == expected


@pytest.mark.parametrize(
    ("question", "locale", "entry_id"),
    [
        ("Who can become lab manager?", "en", "ysepehy-who"),  # issue 12: no "did you mean"
        ("πότε λήγει η προθεσμία", "el", "ysepehy-deadlines"),
        ("ποτε ληγει η προθεσμια", "el", "ysepehy-deadlines"),
        ("pote lhgei h prothesmia", "el", "ysepehy-deadlines"),
        ("when is the deadline", "en", "ysepehy-deadlines"),
        ("when is the deadline", "el", "ysepehy-deadlines"),
    ],
)
def test_these_are_answered_outright(
    index: FaqIndex, question: str, locale: str, entry_id: str
) -> None:
    assert index.search(question, locale).answer_id == entry_id


def test_hits_are_ranked_scores_between_zero_and_one(index: FaqIndex) -> None:
    hits = index.rank("υπεύθυνος εργαστηρίου μόρια", "el")
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores)
    assert len({hit.id for hit in hits}) == len(hits)


@pytest.mark.parametrize("nonsense", ["", "   ", ";;;!!", "το και να", "xq zzv"])
def test_empty_or_meaningless_questions_match_nothing(index: FaqIndex, nonsense: str) -> None:
    result = index.search(nonsense, "el")
    assert result.decision is Decision.NO_MATCH
    assert result.answer_id is None
    assert result.suggestions == ()


def test_an_off_topic_question_is_not_answered(index: FaqIndex) -> None:
    result = index.search("συνταγή για κουλουράκια με πορτοκάλι", "el")
    assert result.decision is Decision.NO_MATCH


def test_a_clear_question_is_answered_directly(index: FaqIndex) -> None:
    result = index.search("Ποιος συντονίζει τα ΚΕΠΛΗΝΕΤ;", "el")
    assert result.decision is Decision.ANSWER
    assert result.answer_id == "keplinet-coordination"
    assert result.suggestions == ()


def test_a_vague_question_offers_choices(index: FaqIndex) -> None:
    result = index.search("υπεύθυνος εργαστηρίου", "el")
    assert result.decision is Decision.DID_YOU_MEAN
    assert result.answer_id is None
    assert 2 <= len(result.suggestions) <= 3
    assert all(entry_id.startswith("ysepehy-") for entry_id in result.suggestions)


def test_a_very_long_message_is_cut_not_choked_on(index: FaqIndex) -> None:
    result = index.search("βλάβη στον εκτυπωτή " * 2000, "el", limit=3)
    assert len(result.hits) <= 3
    assert result.hits[0].id in {"support-repairs", "bot-report-fault"}


def test_groups_follow_the_menu_order_with_titles(index: FaqIndex) -> None:
    groups = index.groups("el")
    assert [(key, title) for key, title, _ in groups] == [
        ("keplinet", "ΚΕ.ΠΛΗ.ΝΕ.Τ."),
        ("ysepehy", "Υπεύθυνος εργαστηρίου"),
        ("points", "Μόρια υπευθύνου εργαστηρίου"),
        ("bot", "Το bot"),
    ]
    assert sum(len(entries) for _, _, entries in groups) == len(index.ids())
    assert index.groups("en")[1][1] == "Lab manager"
    assert index.groups("en")[2][1] == "Lab manager points"
    # Short enough to read on a phone: no topic is a list of twenty buttons.
    assert max(len(entries) for _, _, entries in groups) <= 16


# --- the decision ------------------------------------------------------------------------------

T = Thresholds(no_match=0.2, answer=0.4, close_ratio=0.8, suggestion_ratio=0.5)


def hits(*scores: float) -> list[Hit]:
    return [Hit(f"e{i}", score) for i, score in enumerate(scores)]


def test_no_hits_is_no_match() -> None:
    assert decide([], T) == (Decision.NO_MATCH, ())


def test_a_best_score_under_the_floor_is_no_match() -> None:
    assert decide(hits(0.19, 0.1), T) == (Decision.NO_MATCH, ())


def test_a_strong_clear_winner_is_answered() -> None:
    assert decide(hits(0.9, 0.5), T) == (Decision.ANSWER, ())
    assert decide(hits(0.4), T) == (Decision.ANSWER, ())


def test_a_close_runner_up_turns_an_answer_into_a_choice() -> None:
    assert decide(hits(0.9, 0.75, 0.3), T) == (Decision.DID_YOU_MEAN, ("e0", "e1"))


def test_a_question_that_says_too_little_is_never_answered_outright() -> None:
    vague = Understanding(specificity=0.5, coverage=1.0)
    specific = Understanding(specificity=0.8, coverage=1.0)
    assert decide(hits(0.9, 0.2), T, vague)[0] is Decision.DID_YOU_MEAN
    assert decide(hits(0.9, 0.2), T, specific)[0] is Decision.ANSWER


def test_a_question_mostly_not_understood_is_never_answered_outright() -> None:
    half = Understanding(specificity=3.0, coverage=0.5)
    most = Understanding(specificity=3.0, coverage=0.8)
    assert decide(hits(0.9, 0.2), T, half) == (Decision.DID_YOU_MEAN, ("e0",))
    assert decide(hits(0.9, 0.2), T, most)[0] is Decision.ANSWER


def test_understanding_is_measured_on_the_question(index: FaqIndex) -> None:
    specific = index.understanding("Ποιος συντονίζει τα ΚΕΠΛΗΝΕΤ;", "el")
    vague = index.understanding("υπεύθυνος εργαστηρίου", "el")
    half = index.understanding("What is the capital of France?", "en")
    assert specific.specificity > vague.specificity
    assert specific.coverage == 1.0
    assert half.coverage < 0.55


def test_a_weak_best_is_offered_not_answered() -> None:
    assert decide(hits(0.39, 0.1), T) == (Decision.DID_YOU_MEAN, ("e0",))


def test_at_most_three_suggestions_above_half_the_best() -> None:
    decision, suggestions = decide(hits(0.5, 0.49, 0.48, 0.47, 0.46), T)
    assert decision is Decision.DID_YOU_MEAN
    assert suggestions == ("e0", "e1", "e2")
    assert decide(hits(0.35, 0.3, 0.17), T)[1] == ("e0", "e1")


# --- keplibot faq ------------------------------------------------------------------------------


def test_cli_json_is_exactly_the_results(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "--json", "pws", "zitao", "voitheia"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["results"]
    assert data["results"][0]["id"] == "support-request"
    assert all(set(item) == {"id", "score"} for item in data["results"])
    assert all(isinstance(item["score"], float) for item in data["results"])
    assert len(data["results"]) <= 5


def test_cli_json_of_an_unknown_question_is_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "--json", "--limit", "3", "κουλουράκια"]) == 0
    assert json.loads(capsys.readouterr().out) == {"results": []}


def test_cli_text_lists_ids_scores_and_questions_in_the_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["faq", "--lang", "el", "ποιος συντονίζει τα κεπληνετ"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Απόφαση: Απάντηση"
    assert "keplinet-coordination" in out[1]
    assert "Σε ποιον υπάγονται" in out[1]
    assert re.search(r" 0,\d+ ", out[1])  # Greek decimal comma
    assert main(["faq", "--lang", "en", "who coordinates the keplinet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Decision: Answer"
    assert "Whom do the ΚΕ.ΠΛΗ.ΝΕ.Τ. report to" in out[1]


def test_cli_says_when_nothing_matches(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "--lang", "en", "banana bread recipe"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Decision: No match",
        "No entry matches this question.",
    ]
