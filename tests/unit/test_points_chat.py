"""The interview in words: labels for every question, typed answers read back, answers as text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.dialogs.points.chat import (
    ADD_ANOTHER,
    ADD_FIRST,
    ITEM_HEADINGS,
    NONE_OF_KIND,
    answer_lines,
    answer_text,
    button_for_text,
    can_skip,
    cap_line,
    continues_option_text,
    eligibility_notice,
    item_text,
    list_summary,
    question_label,
    read_answer,
    read_item_answer,
    status_change_text,
)
from bot.dialogs.points.questions import QUESTION_TEXTS
from bot.i18n import get_translator
from scoring import EligibilityStatus as S
from scoring.answers import check_answer, check_item_answer
from scoring.interview import INTERVIEW, LIST_KINDS, AnswerKind, Question

EL = get_translator("el")
EN = get_translator("en")


@pytest.mark.parametrize("question", INTERVIEW.questions, ids=lambda q: q.key)
def test_every_question_has_a_short_label_and_a_text(question: Question) -> None:
    assert question_label(EL, INTERVIEW.ruleset, question) != question_label(
        EN, INTERVIEW.ruleset, question
    )
    assert question.key in QUESTION_TEXTS
    for sub in question.items:
        assert sub.key in QUESTION_TEXTS


@pytest.mark.parametrize("kind", sorted(LIST_KINDS))
def test_every_list_kind_has_its_buttons(kind: AnswerKind) -> None:
    for table in (ITEM_HEADINGS, ADD_FIRST, ADD_ANOTHER, NONE_OF_KIND):
        assert EL.gettext(table[kind]) != table[kind]  # translated


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("ναι", True),
        ("Ναι!", True),
        ("ΝΑΙ", True),
        ("nai", True),
        ("yes", True),
        ("όχι", False),
        ("Οχι", False),
        ("No.", False),
        ("ίσως", "ίσως"),
    ],
)
def test_typed_yes_and_no(typed: str, value: object) -> None:
    question = INTERVIEW["ict_level_b_certified"]
    assert read_answer(question, typed) == value
    assert (check_answer(question, read_answer(question, typed)) is None) == isinstance(
        value, bool
    )


@pytest.mark.parametrize(
    ("typed", "value", "valid"),
    [
        ("3", 3, True),
        (" 12 ", 12, True),
        ("-1", -1, False),
        ("61", 61, False),
        ("τρία", "τρία", False),
        ("2.5", "2.5", False),
    ],
)
def test_typed_numbers(typed: str, value: object, valid: bool) -> None:
    question = INTERVIEW["keplinet_head_years"]
    assert read_answer(question, typed) == value
    assert (check_answer(question, value) is None) is valid


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("Διευθυντής/ντρια", "director"),
        ("διευθυντης/ντρια", "director"),
        ("Deputy director", "deputy_director"),
        ("teacher", "teacher"),
    ],
)
def test_typed_options_by_their_label_in_either_language(typed: str, value: str) -> None:
    assert read_answer(INTERVIEW["role"], typed) == value


def test_a_typed_word_that_is_no_option_is_refused() -> None:
    question = INTERVIEW["role"]
    value = read_answer(question, "γραμματέας")
    assert check_answer(question, value) is not None


def test_a_typed_branch_is_kept_as_written() -> None:
    question = INTERVIEW["branch"]
    assert read_answer(question, "pe86") == "pe86"
    assert read_answer(question, " ΠΕ 04.01 ") == "ΠΕ 04.01"
    assert read_answer(question, "πε86") == "ΠΕ86"
    # A listed branch typed with a space or dots is that button's branch.
    assert read_answer(question, "πε 86") == "ΠΕ86"
    assert read_answer(question, "Π.Ε.19") == "ΠΕ19"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("Αγγλικά", "en"), ("αγγλικα", "en"), ("French", "fr"), ("Πορτογαλικά", "Πορτογαλικά")],
)
def test_typed_languages(typed: str, value: str) -> None:
    sub = INTERVIEW["languages"].items[0]
    assert read_item_answer(sub, typed, {}, []) == value


@pytest.mark.parametrize(
    ("typed", "value", "valid"),
    [
        ("15/9/2015", "2015-09-15", True),
        ("15.09.2015", "2015-09-15", True),
        ("2015-09-15", "2015-09-15", True),
        ("31/2/2015", "31/2/2015", False),
        ("χθες", "χθες", False),
    ],
)
def test_typed_dates_greek_style_first(typed: str, value: str, valid: bool) -> None:
    start = INTERVIEW["lab_experience_periods"].items[0]
    assert read_item_answer(start, typed, {}, []) == value
    assert (check_item_answer(start, value, {}) is None) is valid


def test_an_end_before_the_start_is_refused() -> None:
    end = INTERVIEW["lab_experience_periods"].items[1]
    item = {"start": "2015-09-15"}
    value = read_item_answer(end, "14/9/2015", item, [])
    issue = check_item_answer(end, value, item)
    assert issue is not None
    assert issue.code == "start_after_end"


def test_the_cap_is_shown_in_units() -> None:
    rules = INTERVIEW.ruleset
    assert cap_line(EN, rules, INTERVIEW["keplinet_head_years"]) == "Counts up to 5 school years."
    assert (
        cap_line(EL, rules, INTERVIEW["keplinet_acting_head_years"])
        == "Μετράει έως 10 σχολικά έτη."
    )
    assert cap_line(EN, rules, INTERVIEW["lab_experience_periods"]) == "Counts up to 4 years."
    assert cap_line(EN, rules, INTERVIEW["ict_level_b_certified"]) == ""
    assert cap_line(EN, rules, INTERVIEW["days_per_week_at_school"]) == ""


def test_skip_is_offered_for_points_and_optional_facts_only() -> None:
    assert can_skip(INTERVIEW["keplinet_head_years"])
    assert can_skip(INTERVIEW["branch"])
    assert not can_skip(INTERVIEW["teaches_informatics"])
    assert not can_skip(INTERVIEW["days_per_week_at_school"])


def test_items_and_answers_as_phrases() -> None:
    titles = INTERVIEW["titles"]
    items = [
        {"id": "t1", "kind": "master", "related": True, "from_abroad": False},
        {
            "id": "t2",
            "kind": "phd",
            "related": False,
            "from_abroad": True,
            "recognised": False,
            "continues": "t1",
        },
    ]
    assert item_text(EN, titles, items[0], items) == "Master's degree, related subject"
    assert item_text(EN, titles, items[1], items) == (
        "Doctorate, unrelated subject, from abroad, not recognised by Δ.Ο.Α.Τ.Α.Π., "
        "continues title 1"
    )
    assert (
        continues_option_text(EN, "t1", items) == "Yes, title 1: Master's degree, related subject"
    )
    assert continues_option_text(EL, None, items) == "Όχι, άλλο πρόγραμμα"
    assert answer_text(EL, titles, []) == "Κανένας τίτλος"
    periods = INTERVIEW["lab_experience_periods"]
    period = {"start": "2015-09-15", "end": "2016-09-14", "from_thesis": True}
    assert item_text(EL, periods, period, [period]) == (
        "15 Σεπ 2015 – 14 Σεπ 2016 (από διπλωματική ή διατριβή: δεν μετράει)"
    )
    languages = INTERVIEW["languages"]
    assert item_text(EL, languages, {"language": "de", "level": "B2"}, []) == "Γερμανικά B2 (καλή)"
    assert answer_text(EL, INTERVIEW["keplinet_head_years"], 12) == "12"
    assert answer_text(EL, INTERVIEW["branch"], "") == "δεν δόθηκε"
    assert EL.number(Decimal("0.5")) == "0,5"


def test_answer_lines_list_every_question_that_applies() -> None:
    answers = {"teaches_informatics": False, "keplinet_service": False}
    lines = answer_lines(EN, INTERVIEW, answers)
    keys = [question.key for question, _text in lines]
    assert "role" not in keys
    assert "keplinet_head_years" not in keys
    assert lines[0][1] == "No"
    assert dict((q.key, t) for q, t in lines)["branch"] == "not answered"


# --- revision 2: summaries in their unit, typed labels, eligibility at once --------------------


def test_list_summaries_count_in_their_unit() -> None:
    periods = INTERVIEW["lab_experience_periods"]
    items = [
        {"start": "2010-01-01", "end": "2010-12-31", "from_thesis": False},
        {"start": "2010-07-01", "end": "2011-06-30", "from_thesis": False},  # overlaps
        {"start": "2015-01-01", "end": "2015-12-31", "from_thesis": True},  # does not count
    ]
    assert list_summary(EN, periods, items) == "1.5 years"
    languages = INTERVIEW["languages"]
    spoken = [
        {"language": "en", "level": "C1"},
        {"language": "Αγγλικά", "level": "C2"},
        {"language": "Ελληνικά", "level": "C2"},
        {"language": "fr", "level": "B2"},
    ]
    assert list_summary(EL, languages, spoken) == "2 γλώσσες"
    titles = INTERVIEW["titles"]
    assert list_summary(EN, titles, [{"kind": "phd"}]) == "1 title"
    assert list_summary(EN, titles, []) == "No titles"


@pytest.mark.parametrize("typed", ["τέλος", "Τέλος", "✅ Τέλος", " τελος. ", "TELOS"])
def test_a_typed_button_label_names_the_button(typed: str) -> None:
    rows = [[("➕ Προσθήκη τίτλου", "p:3:a")], [("✅ Τέλος", "p:3:d")]]
    expected = None if typed == "TELOS" else "p:3:d"
    assert button_for_text(rows, typed) == expected
    assert button_for_text(rows, "") is None


def test_an_answer_that_excludes_is_said_at_once_and_only_once() -> None:
    before = INTERVIEW.eligibility_so_far({"teaches_informatics": True})
    after = INTERVIEW.eligibility_so_far(
        {"teaches_informatics": True, "role": "director", "sole_informatics_teacher": False}
    )
    notice = eligibility_notice(EN, before, after)
    assert notice.startswith("⛔ With this answer you cannot be appointed lab manager")
    assert "(section 4)" in notice
    assert "calculate your points anyway" in notice
    assert eligibility_notice(EN, after, after) == ""
    assert eligibility_notice(EN, None, before) == ""


def test_a_fallback_is_said_at_once_with_what_must_be_true() -> None:
    before = INTERVIEW.eligibility_so_far({"teaches_informatics": True})
    after = INTERVIEW.eligibility_so_far(
        {"teaches_informatics": True, "employment": "reduced_hours_substitute"}
    )
    notice = eligibility_notice(EL, before, after)
    assert notice.startswith("⚠️ Με αυτή την απάντηση μπορείτε να οριστείτε μόνο επικουρικά")
    assert "αναπληρωτής/τρια μειωμένου ωραρίου" in notice


def test_the_change_headline_says_when_eligibility_changed() -> None:
    assert status_change_text(EN, "not_eligible", S.ELIGIBLE) == (
        "Eligibility changed: not eligible → eligible."
    )
    assert status_change_text(EN, "eligible", S.ELIGIBLE) == ""
    assert status_change_text(EN, "", S.ELIGIBLE) == ""


def test_same_field_buttons() -> None:
    items = [{"id": "t1", "kind": "master", "related": True}]
    assert continues_option_text(EN, None, items, "same_field_as") == "No, another field"
    assert continues_option_text(EN, "t1", items, "same_field_as").startswith("Yes, title 1")
