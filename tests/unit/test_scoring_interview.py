"""The points interview: order, keys, applicability, and answers ↔ declaration round trips."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from scoring import CURRENT_RULESET, ErrorCode, parse_declaration, score
from scoring.answers import (
    answers_from_declaration,
    check_answer,
    check_item_answer,
    parse_date_text,
)
from scoring.declaration import COUNT_FIELDS, ELIGIBILITY_FIELDS, FLAG_FIELDS, LIST_FIELDS
from scoring.interview import (
    INTERVIEW,
    AnswerKind,
    Question,
    Section,
    declaration_from_answers,
    new_title_id,
    next_item_question,
)
from tests.unit.scoring_support import declarations

Q = INTERVIEW.by_key


def all_keys() -> list[str]:
    keys = [q.key for q in INTERVIEW.questions]
    keys += [sub.key for q in INTERVIEW.questions for sub in q.items]
    return keys


def walk(policy: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Answer like a front end: ask `next_question` until complete, answering from `policy`
    (or the question's default). Returns the keys asked, in order, and the answers."""
    answers: dict[str, Any] = {}
    asked: list[str] = []
    while (question := INTERVIEW.next_question(answers)) is not None:
        asked.append(question.key)
        value = policy[question.key] if question.key in policy else question.default_answer()
        assert check_answer(question, value) is None, (question.key, value)
        answers[question.key] = value
    return asked, answers


# --- structure -------------------------------------------------------------------------------


def test_question_keys_are_unique() -> None:
    keys = all_keys()
    assert len(keys) == len(set(keys))


def test_eligibility_questions_come_first() -> None:
    sections = [q.section for q in INTERVIEW.questions]
    assert sections == sorted(sections, key=[Section.ELIGIBILITY, Section.POINTS].index)
    assert [q.key for q in INTERVIEW.questions if q.section == Section.ELIGIBILITY] == [
        "teaches_informatics",
        "role",
        "sole_informatics_teacher",
        "employment",
        "days_per_week_at_school",
        "completes_hours_at_schools_with_manager",
        "organic_post_two_days",
        "manager_at_other_school",
        "branch",
    ]


def test_points_questions_follow_the_order_of_the_criteria() -> None:
    order = CURRENT_RULESET.keys
    firsts = [
        order.index(q.criteria[0])
        for q in INTERVIEW.questions
        if q.criteria and q.section == Section.POINTS
    ]
    assert firsts == sorted(firsts)


def test_applicability_reads_only_earlier_questions() -> None:
    seen: set[str] = set()
    for question in INTERVIEW.questions:
        assert set(question.depends_on) <= seen, question.key
        seen.add(question.key)


def test_every_criterion_is_fed_by_a_question() -> None:
    fed = [key for q in INTERVIEW.questions for key in q.criteria]
    assert set(fed) == set(CURRENT_RULESET.keys)
    # κ has two questions (one with the eligibility questions): never both for one teacher
    assert sorted(fed) == sorted([*CURRENT_RULESET.keys, "κ"])


def test_every_criterion_is_reachable() -> None:
    # with the ΚΕ.ΠΛΗ.ΝΕ.Τ. gate open, every points question applies
    reachable = {
        key for q in INTERVIEW.applicable({"keplinet_service": True}) for key in q.criteria
    }
    assert reachable == set(CURRENT_RULESET.keys)


def test_every_declaration_field_is_filled_by_a_question() -> None:
    fields = {q.field for q in INTERVIEW.questions if q.field}
    expected = {*COUNT_FIELDS, *FLAG_FIELDS, *LIST_FIELDS}
    expected |= {f"eligibility.{name}" for name in ELIGIBILITY_FIELDS}
    assert fields == expected


@pytest.mark.parametrize(
    ("key", "points", "cap", "units"),
    [
        ("keplinet_head_years", "1", "5", 5),
        ("keplinet_staff_years_3plus_days", "0.5", "3", 6),
        ("keplinet_staff_years_under_3_days", "0.25", "3", 12),
        ("keplinet_acting_head_years", "0.2", "2", 10),
        ("lab_manager_effective_years", "1", "4", 4),
        ("keplinet_training_years", "0.5", "3", 6),
        ("lab_experience_periods", "1", "4", 4),
        ("certified_trainer_programmes", "0.5", "4", 8),
        ("lab_procurement_procedures", "0.5", "2", 4),
    ],
)
def test_count_questions_know_their_points_and_cap(
    key: str, points: str, cap: str, units: int
) -> None:
    question = Q[key]
    assert (question.per_unit_points, question.cap, question.units_to_cap) == (
        Decimal(points),
        Decimal(cap),
        units,
    )


def test_whole_number_questions_have_a_sensible_range() -> None:
    ranges = {
        q.key: (q.minimum, q.maximum) for q in INTERVIEW.questions if q.kind == AnswerKind.INTEGER
    }
    assert ranges.pop("days_per_week_at_school") == (0, 7)
    assert set(ranges.values()) == {(0, 60)}


def test_choice_questions_offer_their_options() -> None:
    assert Q["role"].options == ("teacher", "director", "deputy_director")
    assert Q["branch"].options == ("ΠΕ86", "ΠΕ19", "ΠΕ20")
    assert Q["branch"].free_text


@pytest.mark.parametrize(
    ("key", "items"),
    [
        ("titles", ["kind", "related", "from_abroad", "recognised", "continues", "same_field_as"]),
        ("lab_experience_periods", ["start", "end", "from_thesis"]),
        ("languages", ["language", "level"]),
    ],
)
def test_list_questions_have_item_sub_questions(key: str, items: list[str]) -> None:
    assert [sub.name for sub in Q[key].items] == items


# --- applicability ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "asked"), [("teacher", False), ("director", True), ("deputy_director", True)]
)
def test_sole_teacher_is_asked_only_of_a_director_or_deputy(role: str, asked: bool) -> None:
    applicable = {q.key for q in INTERVIEW.applicable({"teaches_informatics": True, "role": role})}
    assert ("sole_informatics_teacher" in applicable) == asked


@pytest.mark.parametrize(("days", "asked"), [(1, False), (2, True), (3, False), (5, False)])
def test_completing_hours_is_asked_only_with_two_days(days: int, asked: bool) -> None:
    applicable = {q.key for q in INTERVIEW.applicable({"days_per_week_at_school": days})}
    assert ("completes_hours_at_schools_with_manager" in applicable) == asked


def test_role_and_days_are_not_asked_of_someone_who_does_not_teach_informatics() -> None:
    asked, _ = walk({"teaches_informatics": False, "role": "director"})
    assert "role" not in asked
    assert "days_per_week_at_school" not in asked
    assert "branch" in asked


@pytest.mark.parametrize(("served", "asked"), [(False, False), (True, True)])
def test_keplinet_years_are_asked_only_of_those_who_served_there(
    served: bool, asked: bool
) -> None:
    keys, _ = walk({"keplinet_service": served})
    assert ("keplinet_head_years" in keys) == asked
    assert ("keplinet_acting_head_years" in keys) == asked
    assert "keplinet_training_years" in keys  # training is open to every teacher


def test_a_plain_teacher_answering_no_to_everything_gets_sixteen_questions() -> None:
    # 6 on eligibility (no sole-teacher or two-day questions), 10 on points (the four
    # ΚΕ.ΠΛΗ.ΝΕ.Τ. service questions stay behind their gate)
    asked, answers = walk({})
    assert len(asked) == 16
    assert score(parse_declaration(declaration_from_answers(answers))).total == 0


def test_continues_is_asked_only_for_a_phd_when_a_master_exists() -> None:
    titles = Q["titles"]
    master = {"id": "t1", "kind": "master", "related": True, "from_abroad": False}
    phd = {"id": "t2", "kind": "phd", "related": True, "from_abroad": False}
    sub = next_item_question(titles, phd, [master])
    assert sub is not None
    assert sub.name == "continues"
    assert sub.current_options(phd, [master]) == ("t1",)
    assert next_item_question(titles, phd, []) is None
    assert next_item_question(titles, {**master, "id": "t3"}, [master]) is None


def test_recognition_is_asked_only_for_a_title_from_abroad() -> None:
    titles = Q["titles"]
    base = {"kind": "master", "related": True}
    sub = next_item_question(titles, {**base, "from_abroad": True}, [])
    assert sub is not None
    assert sub.name == "recognised"
    assert next_item_question(titles, {**base, "from_abroad": False}, []) is None


def test_item_questions_are_asked_in_order() -> None:
    periods = Q["lab_experience_periods"]
    item: dict[str, Any] = {}
    asked = []
    while (sub := next_item_question(periods, item, [])) is not None:
        asked.append(sub.name)
        item[sub.name] = {"start": "2020-01-01", "end": "2020-12-31", "from_thesis": False}[
            sub.name
        ]
    assert asked == ["start", "end", "from_thesis"]


def test_progress_counts_applicable_questions() -> None:
    answered, total = INTERVIEW.progress({"teaches_informatics": True, "role": "director"})
    assert (answered, total) == (2, 17)


def test_part_progress_never_jumps() -> None:
    """The marker counts fixed parts: answers that open or close questions do not move it."""
    totals = {INTERVIEW.part_progress(q)[1] for q in INTERVIEW.questions}
    assert totals == {7}
    numbers = [INTERVIEW.part_progress(q)[0] for q in INTERVIEW.questions]
    assert numbers == sorted(numbers)
    assert INTERVIEW.part_progress(Q["teaches_informatics"]) == (1, 7)
    assert INTERVIEW.part_progress(Q["organic_position_at_school"]) == (7, 7)


@pytest.mark.parametrize(
    ("days", "completes", "early"),
    [(2, True, True), (2, False, False), (3, None, False), (1, None, False)],
)
def test_the_organic_post_is_asked_early_only_where_the_two_day_exception_needs_it(
    days: int, completes: bool | None, early: bool
) -> None:
    policy: dict[str, Any] = {"days_per_week_at_school": days}
    if completes is not None:
        policy["completes_hours_at_schools_with_manager"] = completes
    policy["organic_post_two_days"] = True
    policy["organic_position_at_school"] = True
    asked, answers = walk(policy)
    assert ("organic_post_two_days" in asked) == early
    assert ("organic_position_at_school" in asked) == (not early)
    assert asked.index("branch") > asked.index("organic_post_two_days") if early else True
    declaration = parse_declaration(declaration_from_answers(answers))
    assert declaration.organic_position_at_school


def test_same_field_is_asked_after_continues_about_the_other_masters() -> None:
    titles = Q["titles"]
    m1 = {"id": "t1", "kind": "master", "related": True, "from_abroad": False}
    m2 = {"id": "t2", "kind": "master", "related": False, "from_abroad": False}
    phd: dict[str, Any] = {"id": "t3", "kind": "phd", "related": True, "from_abroad": False}
    sub = next_item_question(titles, phd, [m1, m2])
    assert sub is not None
    assert sub.name == "continues"
    phd["continues"] = "t1"
    sub = next_item_question(titles, phd, [m1, m2])
    assert sub is not None
    assert sub.name == "same_field_as"
    assert sub.current_options(phd, [m1, m2]) == ("t2",)
    assert next_item_question(titles, phd, [m1]) is None  # the only master is continued
    phd["same_field_as"] = "t2"
    value = declaration_from_answers({"titles": [m1, m2, phd]})
    assert value["titles"][2] == {
        "kind": "phd",
        "related": True,
        "id": "t3",
        "continues": "t1",
        "same_field_as": "t2",
    }
    result = score(parse_declaration(value))
    assert (result.total, result.total_min) == (Decimal(7), Decimal(6))


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ({}, None),
        ({"teaches_informatics": True}, "eligible"),
        ({"teaches_informatics": False}, "not_eligible"),
        ({"teaches_informatics": True, "role": "director"}, "eligible"),  # sole not yet asked
        ({"teaches_informatics": True, "role": "director", "sole_informatics_teacher": False},
         "not_eligible"),
        ({"teaches_informatics": True, "employment": "hourly_paid"}, "fallback"),
        ({"teaches_informatics": True, "days_per_week_at_school": 2}, "eligible"),
        ({"teaches_informatics": True, "days_per_week_at_school": 2,
          "completes_hours_at_schools_with_manager": True}, "eligible"),
        ({"teaches_informatics": True, "days_per_week_at_school": 2,
          "completes_hours_at_schools_with_manager": True, "organic_post_two_days": False},
         "not_eligible"),
        ({"teaches_informatics": True, "days_per_week_at_school": 1}, "not_eligible"),
        ({"teaches_informatics": True, "days_per_week_at_school": 1,
          "manager_at_other_school": True}, "fallback"),
    ],
)  # fmt: skip
def test_eligibility_so_far_is_the_best_the_answers_still_allow(
    answers: dict[str, Any], status: str | None
) -> None:
    result = INTERVIEW.eligibility_so_far(answers)
    assert (None if result is None else result.status) == status


# --- answers → declaration -------------------------------------------------------------------


def test_a_full_walk_builds_the_declaration() -> None:
    policy = {
        "role": "deputy_director",
        "sole_informatics_teacher": True,
        "days_per_week_at_school": 2,
        "completes_hours_at_schools_with_manager": True,
        "branch": "ΠΕ86",
        "titles": [
            {"id": "t1", "kind": "master", "related": True, "from_abroad": False},
            {"id": "t2", "kind": "phd", "related": True, "from_abroad": True,
             "recognised": True, "continues": "t1"},
        ],
        "keplinet_service": True,
        "keplinet_head_years": 2,
        "lab_experience_periods": [{"start": "2014-01-01", "end": "2014-12-31",
                                    "from_thesis": False}],
        "languages": [{"language": "en", "level": "C1"}],
        "organic_post_two_days": True,  # 2 days and completing: asked with eligibility
    }  # fmt: skip
    asked, answers = walk(policy)
    assert "organic_position_at_school" not in asked
    declaration = declaration_from_answers(answers)
    assert declaration["titles"] == [
        {"kind": "master", "related": True, "id": "t1"},
        {"kind": "phd", "related": True, "id": "t2", "recognised": True, "continues": "t1"},
    ]
    assert declaration["eligibility"]["days_per_week_at_school"] == 2
    result = score(parse_declaration(declaration))
    assert {c.key: c.points for c in result.criteria if c.points} == {
        "α": 6,
        "ζ": 2,
        "ιγ": 1,
        "ιη": Decimal("0.5"),
        "κ": 2,
    }
    assert result.eligibility is not None
    assert result.eligibility.eligible
    assert result.eligibility.priority_branch


def test_answers_that_no_longer_apply_are_left_out() -> None:
    answers = {"role": "teacher", "sole_informatics_teacher": True, "keplinet_service": False,
               "keplinet_head_years": 4}  # fmt: skip
    declaration = declaration_from_answers(answers)
    assert "sole_informatics_teacher" not in declaration["eligibility"]
    assert "keplinet_head_years" not in declaration


def test_incomplete_list_items_are_left_out() -> None:
    answers = {
        "titles": [{"kind": "phd"}, {"kind": "master", "related": False, "from_abroad": False}]
    }
    assert declaration_from_answers(answers)["titles"] == [{"kind": "master", "related": False}]


def test_no_eligibility_answers_means_no_eligibility_object() -> None:
    assert "eligibility" not in declaration_from_answers({"ict_level_b_certified": True})


def test_prune_drops_answers_an_earlier_change_made_moot() -> None:
    answers = {
        "role": "director",
        "sole_informatics_teacher": True,
        "titles": [
            {"id": "t2", "kind": "phd", "related": True, "from_abroad": False, "continues": "t1"}
        ],
    }
    pruned = INTERVIEW.prune({**answers, "role": "teacher"})
    assert "sole_informatics_teacher" not in pruned
    # the master t1 was removed: the PhD no longer continues it, and is asked again
    assert "continues" not in pruned["titles"][0]


def test_prune_keeps_a_phd_that_continues_no_master() -> None:
    answers = {
        "titles": [
            {"id": "t1", "kind": "master", "related": True, "from_abroad": False},
            {"id": "t2", "kind": "phd", "related": True, "from_abroad": False, "continues": None},
        ]
    }
    assert INTERVIEW.prune(answers) == answers


def test_new_title_ids_are_unique() -> None:
    items = [{"id": "t1"}, {"id": "t3"}]
    assert new_title_id(items) not in {"t1", "t3"}
    assert new_title_id([]) == "t1"


# --- declaration → answers → declaration -----------------------------------------------------


@given(declarations())
def test_declaration_to_answers_and_back_scores_the_same(value: dict[str, Any]) -> None:
    declaration = parse_declaration(value)
    answers = answers_from_declaration(declaration)
    again = parse_declaration(declaration_from_answers(answers))
    before, after = score(declaration), score(again)
    assert after.criteria == before.criteria
    assert after.total == before.total
    if before.eligibility is None:
        assert after.eligibility is None
    else:
        assert after.eligibility is not None
        assert (after.eligibility.status, after.eligibility.priority_branch) == (
            before.eligibility.status,
            before.eligibility.priority_branch,
        )
    assert after.total_min == before.total_min


@given(declarations())
def test_answers_survive_a_trip_through_the_declaration(value: dict[str, Any]) -> None:
    answers = answers_from_declaration(parse_declaration(value))
    again = answers_from_declaration(parse_declaration(declaration_from_answers(answers)))
    assert again == answers


@given(declarations())
def test_answers_from_a_declaration_with_eligibility_are_complete(value: dict[str, Any]) -> None:
    answers = answers_from_declaration(parse_declaration({**value, "eligibility": {}}))
    assert INTERVIEW.is_complete(answers)
    for question in INTERVIEW.applicable(answers):
        assert check_answer(question, answers[question.key]) is None, question.key


def test_changing_one_answer_rescores() -> None:
    declaration = parse_declaration({"lab_manager_effective_years": 1, "eligibility": {}})
    answers = answers_from_declaration(declaration)
    answers["lab_manager_effective_years"] = 3
    assert score(parse_declaration(declaration_from_answers(answers)))["ια"].points == 3


def test_a_title_declared_unrecognised_comes_back_as_from_abroad() -> None:
    declaration = parse_declaration(
        {"titles": [{"kind": "master", "related": True, "recognised": False}]}
    )
    item = answers_from_declaration(declaration)["titles"][0]
    assert (item["from_abroad"], item["recognised"]) == (True, False)


# --- checking answers ------------------------------------------------------------------------


def question(key: str) -> Question:
    return Q[key]


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("keplinet_head_years", 61, ErrorCode.OUT_OF_RANGE),
        ("keplinet_head_years", -1, ErrorCode.OUT_OF_RANGE),
        ("keplinet_head_years", True, ErrorCode.NOT_AN_INTEGER),
        ("days_per_week_at_school", 8, ErrorCode.OUT_OF_RANGE),
        ("ict_level_b_certified", "yes", ErrorCode.NOT_A_BOOLEAN),
        ("role", "principal", ErrorCode.INVALID_CHOICE),
        ("branch", 86, ErrorCode.NOT_A_STRING),
        ("titles", {}, ErrorCode.NOT_A_LIST),
        ("titles", [{"kind": "phd"}], ErrorCode.MISSING_FIELD),
        ("languages", [{"language": "en", "level": "C3"}], ErrorCode.INVALID_CHOICE),
        ("lab_experience_periods", [{"start": "2020-02-30"}], ErrorCode.BAD_DATE),
        (
            "lab_experience_periods",
            [{"start": "2020-02-01", "end": "2020-01-01", "from_thesis": False}],
            ErrorCode.START_AFTER_END,
        ),
    ],
)
def test_check_answer_refuses(key: str, value: Any, code: ErrorCode) -> None:
    issue = check_answer(question(key), value)
    assert issue is not None
    assert issue.code == code


def test_check_answer_names_the_item_field() -> None:
    issue = check_answer(
        question("languages"), [{"language": "en", "level": "C1"}, {"level": "B2"}]
    )
    assert issue is not None
    assert issue.path == "languages[1].language"


@pytest.mark.parametrize(
    ("key", "value"),
    [("branch", "ΠΕ04.01"), ("branch", ""), ("role", "director"), ("keplinet_head_years", 60)],
)
def test_check_answer_accepts(key: str, value: Any) -> None:
    assert check_answer(question(key), value) is None


def test_check_item_answer_refuses_a_master_that_is_not_in_the_list() -> None:
    sub = Q["titles"].items[-1]
    master = {"id": "t1", "kind": "master"}
    phd = {"kind": "phd"}
    assert check_item_answer(sub, "t1", phd, [master]) is None
    assert check_item_answer(sub, None, phd, [master]) is None
    issue = check_item_answer(sub, "t9", phd, [master])
    assert issue is not None
    assert issue.code == ErrorCode.INVALID_CHOICE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2005-09-15", date(2005, 9, 15)),
        ("15/9/2005", date(2005, 9, 15)),
        ("15.09.2005", date(2005, 9, 15)),
        (" 1-2-2010 ", date(2010, 2, 1)),
        ("29/02/2020", date(2020, 2, 29)),
        ("29/02/2021", None),
        ("15/9/05", None),
        ("tomorrow", None),
    ],
)
def test_parse_date_text_reads_day_first_dates(text: str, expected: date | None) -> None:
    assert parse_date_text(text) == expected


@pytest.mark.parametrize("question", INTERVIEW.questions, ids=lambda q: q.key)
def test_every_default_answer_is_a_valid_answer(question: Question) -> None:
    assert check_answer(question, question.default_answer()) is None


def test_default_list_answers_are_fresh_lists() -> None:
    first, second = Q["titles"].default_answer(), Q["titles"].default_answer()
    assert first == second == []
    assert first is not second
