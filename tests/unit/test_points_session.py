"""Walking the interview one answer at a time: steps, lists, back, skip, change an answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.services.points.session import HISTORY_LIMIT, RESULT_KEPT_FOR, InterviewSession, Step
from scoring.answers import check_answer, check_item_answer
from scoring.interview import INTERVIEW


def keys_asked(session: InterviewSession) -> str:
    step = session.step()
    assert step is not None
    return step.sub.key if step.sub is not None else step.question.key


def answer(session: InterviewSession, value: Any) -> None:
    """Answer the current step as the chat does: check the value, then record it."""
    step = session.step()
    assert step is not None
    session.open_list(step)
    if step.sub is None:
        assert check_answer(step.question, value) is None
    else:
        item = session.current_item()
        assert check_item_answer(step.sub, value, item, session.list_items()) is None
    session.answer(step, value)


def open_list(session: InterviewSession) -> Step:
    step = session.step()
    assert step is not None
    assert step.is_list_screen
    session.open_list(step)
    return step


def teacher_up_to_titles() -> InterviewSession:
    session = InterviewSession.new()
    answer(session, True)  # teaches informatics
    answer(session, "teacher")
    answer(session, "permanent")
    answer(session, 5)
    answer(session, False)  # not a lab manager at another school
    answer(session, "ΠΕ86")
    assert session.progress() == (2, 7)
    return session


def test_a_plain_teacher_is_not_asked_the_director_questions() -> None:
    session = InterviewSession.new()
    assert keys_asked(session) == "teaches_informatics"
    assert session.progress() == (1, 7)
    answer(session, True)
    answer(session, "teacher")
    answer(session, "permanent")
    assert keys_asked(session) == "days_per_week_at_school"
    answer(session, 2)
    assert keys_asked(session) == "completes_hours_at_schools_with_manager"
    assert session.progress() == (1, 7)
    answer(session, True)
    assert keys_asked(session) == "organic_post_two_days"


def test_a_whole_interview_makes_the_declaration() -> None:
    session = teacher_up_to_titles()
    open_list(session)
    session.add_item()
    assert keys_asked(session) == "titles.kind"
    for value in ("master", True, False):
        answer(session, value)
    session.add_item()
    for value in ("phd", True, True, True, "t1"):  # continues the master's, t1
        answer(session, value)
    session.finish_list()
    answer(session, False)  # no ΚΕ.ΠΛΗ.ΝΕ.Τ. service: the four questions are not asked
    assert keys_asked(session) == "lab_manager_effective_years"
    answer(session, 2)
    answer(session, 0)
    open_list(session)
    session.add_item()
    for period_answer in ("2015-09-15", "2016-09-14", False):
        answer(session, period_answer)
    session.finish_list()
    for later_answer in (True, 0, 1):  # ιδ, ιε, ιστ
        answer(session, later_answer)
    open_list(session)
    session.add_item()
    answer(session, "en")
    answer(session, "C1")
    session.finish_list()
    answer(session, False)
    assert session.step() is None

    declaration, result = session.result()
    assert [t.kind.value for t in declaration.titles] == ["master", "phd"]
    assert declaration.titles[1].continues == "t1"
    assert declaration.lab_manager_effective_years == 2
    # α 6 (the master's is the same programme) + ια 2 + ιγ 1 + ιδ 3 + ιστ 0,5 + ιη 0,5
    assert result.total == Decimal("13")
    # What is stored in user_data is plain JSON.
    assert json.loads(json.dumps(session.data)) == session.data


def test_back_undoes_one_thing_at_a_time_inside_a_list() -> None:
    session = teacher_up_to_titles()
    open_list(session)
    session.add_item()
    answer(session, "master")
    assert keys_asked(session) == "titles.related"
    assert session.back()
    assert keys_asked(session) == "titles.kind"
    assert session.back()
    step = session.step()
    assert step is not None
    assert step.is_list_screen
    assert session.draft is not None
    assert session.draft["item"] is None
    assert session.back()  # undoes the branch
    assert keys_asked(session) == "branch"
    assert "branch" not in session.answers


def test_back_at_the_first_question_does_nothing() -> None:
    session = InterviewSession.new()
    assert not session.can_go_back
    assert session.back() is False
    answer(session, True)
    assert session.can_go_back


def test_every_change_moves_the_counter_that_buttons_carry() -> None:
    session = InterviewSession.new()
    counters = [session.counter]
    answer(session, True)
    counters.append(session.counter)
    session.back()
    counters.append(session.counter)
    assert counters == sorted(set(counters))


def test_skip_answers_none_or_zero() -> None:
    session = teacher_up_to_titles()
    step = session.step()
    assert step is not None
    session.skip(step)  # no titles at all
    assert session.answers["titles"] == []
    answer(session, True)  # served at a ΚΕ.ΠΛΗ.ΝΕ.Τ.
    step = session.step()
    assert step is not None
    session.skip(step)
    assert session.answers["keplinet_head_years"] == 0


def test_removing_a_master_frees_the_doctorate_that_continued_it() -> None:
    session = teacher_up_to_titles()
    open_list(session)
    session.add_item()
    for value in ("master", True, False):
        answer(session, value)
    session.add_item()
    for value in ("phd", True, False, "t1"):
        answer(session, value)
    removed = session.remove_item(0)
    assert removed["kind"] == "master"
    assert session.list_items()[0]["continues"] is None
    session.finish_list()
    declaration = session.declaration()
    assert declaration.titles[0].continues is None
    with pytest.raises(IndexError):  # the list is closed
        session.remove_item(0)


def test_a_doctorate_given_before_a_master_s_degree_still_counts() -> None:
    session = teacher_up_to_titles()
    open_list(session)
    session.add_item()
    for value in ("phd", True, False):  # no master's yet: "continues?" is not asked
        answer(session, value)
    session.add_item()
    for value in ("master", True, False):
        answer(session, value)
    session.finish_list()
    titles = session.declaration().titles
    assert [(t.kind.value, t.continues) for t in titles] == [("phd", None), ("master", None)]
    assert session.result()[1].total == 6 + 4  # α and γ: two programmes, both count


def test_back_is_limited_to_the_last_answers() -> None:
    session = InterviewSession.new()
    answer(session, True)
    for _ in range(HISTORY_LIMIT + 20):
        session.back()
        answer(session, True)
    assert len(session.data["history"]) <= HISTORY_LIMIT


def completed(answers: dict[str, Any]) -> InterviewSession:
    session = InterviewSession.new(answers, mode="result", origin="file")
    assert session.step() is None
    return session


ALL_ANSWERED: dict[str, Any] = {
    "teaches_informatics": True,
    "role": "teacher",
    "employment": "permanent",
    "days_per_week_at_school": 5,
    "manager_at_other_school": False,
    "branch": "ΠΕ86",
    "titles": [],
    "keplinet_service": False,
    "lab_manager_effective_years": 1,
    "keplinet_training_years": 0,
    "lab_experience_periods": [],
    "ict_level_b_certified": False,
    "certified_trainer_programmes": 0,
    "lab_procurement_procedures": 0,
    "languages": [],
    "organic_position_at_school": False,
}


def test_changing_an_answer_asks_only_it_and_what_now_depends_on_it() -> None:
    session = completed(dict(ALL_ANSWERED))
    session.start_change("keplinet_service", "1")
    assert session.mode == "asking"
    assert keys_asked(session) == "keplinet_service"
    answer(session, True)
    asked = []
    while (step := session.step()) is not None:
        asked.append(step.question.key)
        answer(session, 1)
    assert asked == [
        "keplinet_head_years",
        "keplinet_staff_years_3plus_days",
        "keplinet_staff_years_under_3_days",
        "keplinet_acting_head_years",
    ]
    change = session.finish()
    assert change is not None
    assert change["total_before"] == "1"
    assert session.mode == "result"
    assert session.result()[1].total == Decimal("1") + Decimal("1.95")  # ια + ζ η θ ι


def test_a_change_that_makes_answers_moot_drops_them() -> None:
    session = completed(dict(ALL_ANSWERED))
    session.start_change("teaches_informatics", "1")
    answer(session, False)
    assert session.step() is None  # nothing depends on "no"
    assert "role" not in session.answers
    assert "days_per_week_at_school" not in session.answers


def test_back_before_the_changed_answer_cancels_the_change() -> None:
    session = completed(dict(ALL_ANSWERED))
    session.start_change("lab_manager_effective_years", "1")
    answer(session, 4)
    assert session.back()  # back to the question being changed
    assert keys_asked(session) == "lab_manager_effective_years"
    assert session.back()  # and once more: no change at all
    assert session.mode == "result"
    assert session.change is None
    assert session.answers == ALL_ANSWERED


def test_changing_a_list_starts_from_its_items() -> None:
    answers = dict(ALL_ANSWERED, languages=[{"language": "en", "level": "C2"}])
    session = completed(answers)
    session.start_change("languages", "2")
    step = open_list(session)
    assert step.question.key == "languages"
    assert session.list_items() == [{"language": "en", "level": "C2"}]
    session.remove_item(0)
    session.finish_list()
    assert session.step() is None
    assert session.answers["languages"] == []


def test_a_stored_session_of_another_format_is_not_loaded() -> None:
    assert InterviewSession.load(None) is None
    assert InterviewSession.load({"format": 0, "answers": {}}) is None
    data = InterviewSession.new().data
    loaded = InterviewSession.load(json.loads(json.dumps(data)))
    assert loaded is not None
    assert loaded.step() == Step(INTERVIEW["teaches_informatics"])


def test_a_shown_result_expires_an_interview_does_not() -> None:
    shown = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)
    session = completed(dict(ALL_ANSWERED))
    assert not session.expired(shown + timedelta(days=30))  # never shown: nothing to time
    session.mark_shown(shown)
    assert not session.expired(shown + RESULT_KEPT_FOR)
    assert session.expired(shown + RESULT_KEPT_FOR + timedelta(seconds=1))
    session.start_change("branch", "1")  # asking again: the clock stops
    assert not session.expired(shown + timedelta(days=30))
    asking = InterviewSession.new()
    assert not asking.expired(shown + timedelta(days=30))
