"""Eligibility for the post (section 4 of the circular, spec §4)."""

from __future__ import annotations

from typing import Any

import pytest

from scoring import (
    EligibilityFacts,
    EligibilityStatus,
    Employment,
    ReasonCode,
    Role,
    check_eligibility,
    score_object,
)
from scoring.eligibility import canonical_branch, is_priority_branch

R = ReasonCode
S = EligibilityStatus


def verdict(**facts: Any) -> tuple[bool, list[ReasonCode]]:
    result = check_eligibility(EligibilityFacts(**facts))
    return result.eligible, [reason.code for reason in result.reasons]


def test_defaults_describe_an_eligible_teacher_of_informatics() -> None:
    assert verdict() == (True, [R.TEACHES_INFORMATICS, R.ENOUGH_DAYS, R.BRANCH_NOT_GIVEN])


def test_a_teacher_who_does_not_teach_informatics_is_not_eligible() -> None:
    eligible, reasons = verdict(teaches_informatics=False, branch="ΠΕ86")
    assert not eligible
    assert reasons == [R.NOT_INFORMATICS_TEACHER, R.PRIORITY_BRANCH]


def test_role_and_days_are_moot_for_a_teacher_who_does_not_teach_informatics() -> None:
    eligible, reasons = verdict(
        teaches_informatics=False, role=Role.DIRECTOR, days_per_week_at_school=1
    )
    assert not eligible
    assert R.HEAD_NOT_SOLE_TEACHER not in reasons
    assert R.TOO_FEW_DAYS not in reasons


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.DEPUTY_DIRECTOR])
def test_a_director_or_deputy_who_is_not_the_sole_teacher_is_not_eligible(role: Role) -> None:
    result = check_eligibility(EligibilityFacts(role=role, sole_informatics_teacher=False))
    assert not result.eligible
    blocking = [r for r in result.reasons if r.blocking]
    assert [(r.code, dict(r.params)) for r in blocking] == [
        (R.HEAD_NOT_SOLE_TEACHER, {"role": role.value})
    ]


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.DEPUTY_DIRECTOR])
def test_a_director_or_deputy_who_is_the_sole_teacher_is_eligible(role: Role) -> None:
    eligible, reasons = verdict(role=role, sole_informatics_teacher=True)
    assert eligible
    assert R.HEAD_SOLE_TEACHER in reasons


def test_sole_teacher_flag_does_not_matter_for_a_plain_teacher() -> None:
    assert verdict(sole_informatics_teacher=False)[0]
    assert verdict(sole_informatics_teacher=True)[0]


@pytest.mark.parametrize(
    ("days", "completes", "organic", "status", "reason"),
    [
        (7, False, False, S.ELIGIBLE, R.ENOUGH_DAYS),
        (3, False, False, S.ELIGIBLE, R.ENOUGH_DAYS),
        (2, True, True, S.ELIGIBLE, R.TWO_DAYS_EXCEPTION),
        (2, True, False, S.NOT_ELIGIBLE, R.TWO_DAYS_NO_ORGANIC_POST),
        (2, False, True, S.NOT_ELIGIBLE, R.TWO_DAYS_NOT_COMPLETING),
        (1, True, True, S.NOT_ELIGIBLE, R.TOO_FEW_DAYS),
        (0, False, False, S.NOT_ELIGIBLE, R.TOO_FEW_DAYS),
    ],
)
def test_days_at_the_school(
    days: int, completes: bool, organic: bool, status: EligibilityStatus, reason: ReasonCode
) -> None:
    result = check_eligibility(
        EligibilityFacts(
            days_per_week_at_school=days, completes_hours_at_schools_with_manager=completes
        ),
        organic_post=organic,
    )
    assert result.status == status
    assert result.eligible == (status == S.ELIGIBLE)
    days_reason = next(r for r in result.reasons if r.params.get("days") == days)
    assert days_reason.code == reason
    assert days_reason.blocking == (status == S.NOT_ELIGIBLE)


def test_the_two_day_exception_needs_the_organic_post_of_the_declaration() -> None:
    facts = {"days_per_week_at_school": 2, "completes_hours_at_schools_with_manager": True}
    without = score_object({"eligibility": facts}).eligibility
    with_post = score_object({"organic_position_at_school": True, "eligibility": facts})
    assert without is not None
    assert with_post.eligibility is not None
    assert (without.status, with_post.eligibility.status) == (S.NOT_ELIGIBLE, S.ELIGIBLE)


@pytest.mark.parametrize("days", [0, 1, 2])
def test_too_few_days_is_a_fallback_for_the_manager_of_another_school(days: int) -> None:
    result = check_eligibility(
        EligibilityFacts(days_per_week_at_school=days, manager_at_other_school=True)
    )
    assert result.status == S.FALLBACK
    assert not result.eligible
    lowering = [(r.code, r.limit) for r in result.reasons if r.lowers]
    assert lowering == [(R.FEW_DAYS_MANAGER_ELSEWHERE, S.FALLBACK)]


def test_the_manager_of_another_school_is_a_fallback_even_with_enough_days() -> None:
    result = check_eligibility(EligibilityFacts(manager_at_other_school=True))
    assert result.status == S.FALLBACK
    assert [r.code for r in result.reasons if r.lowers] == [R.MANAGER_AT_OTHER_SCHOOL]


@pytest.mark.parametrize(
    ("employment", "status"),
    [
        (Employment.PERMANENT, S.ELIGIBLE),
        (Employment.FULL_TIME_SUBSTITUTE, S.ELIGIBLE),
        (Employment.REDUCED_HOURS_SUBSTITUTE, S.FALLBACK),
        (Employment.HOURLY_PAID, S.FALLBACK),
    ],
)
def test_reduced_hours_and_hourly_paid_teachers_only_as_a_fallback(
    employment: Employment, status: EligibilityStatus
) -> None:
    result = check_eligibility(EligibilityFacts(employment=employment))
    assert result.status == status
    lowering = [dict(r.params) for r in result.reasons if r.lowers]
    assert lowering == ([] if status == S.ELIGIBLE else [{"employment": employment.value}])


def test_a_rule_that_excludes_wins_over_a_fallback() -> None:
    result = check_eligibility(
        EligibilityFacts(
            role=Role.DIRECTOR, employment=Employment.HOURLY_PAID, manager_at_other_school=True
        )
    )
    assert result.status == S.NOT_ELIGIBLE
    assert {r.limit for r in result.reasons if r.lowers} == {S.NOT_ELIGIBLE, S.FALLBACK}


def test_status_ranks_best_first() -> None:
    assert [s.rank for s in (S.ELIGIBLE, S.FALLBACK, S.NOT_ELIGIBLE)] == [0, 1, 2]


def test_every_failed_rule_is_reported() -> None:
    eligible, reasons = verdict(role=Role.DEPUTY_DIRECTOR, days_per_week_at_school=1)
    assert not eligible
    assert [r for r in reasons if r in (R.HEAD_NOT_SOLE_TEACHER, R.TOO_FEW_DAYS)] == [
        R.HEAD_NOT_SOLE_TEACHER,
        R.TOO_FEW_DAYS,
    ]


@pytest.mark.parametrize(
    "branch",
    ["ΠΕ86", "ΠΕ19", "ΠΕ20", "ΠΕ 86", "pe86", "PE20", "Pe 19", "Π.Ε.19", "π.ε. 20", "πε86",
     " ΠΕ86 ", "P.E.86", "ΠE86"],
)  # fmt: skip
def test_priority_branches_in_greek_or_latin_letters(branch: str) -> None:
    assert is_priority_branch(branch)
    result = check_eligibility(EligibilityFacts(branch=branch))
    assert result.priority_branch
    assert result.eligible


@pytest.mark.parametrize("branch", ["ΠΕ03", "ΠΕ04.01", "ΤΕ01", "86", "ΠΕ860", "ΠΕ8", "ΠΕ86Α", ""])
def test_other_branches_have_no_priority_but_stay_eligible(branch: str) -> None:
    result = check_eligibility(EligibilityFacts(branch=branch))
    assert not result.priority_branch
    assert result.eligible


def test_other_branch_is_reported_in_canonical_form() -> None:
    result = check_eligibility(EligibilityFacts(branch="pe 03"))
    assert [(r.code, dict(r.params)) for r in result.reasons][-1] == (
        R.NOT_PRIORITY_BRANCH,
        {"branch": "ΠΕ03"},
    )


@pytest.mark.parametrize(
    ("branch", "canonical"),
    [("pe 86", "ΠΕ86"), ("Π.Ε.19", "ΠΕ19"), ("ΠΕ-20", "ΠΕ20"), ("ΤΕ01", None), ("abc", None)],
)
def test_canonical_branch(branch: str, canonical: str | None) -> None:
    assert canonical_branch(branch) == canonical


def test_eligibility_does_not_change_the_points() -> None:
    base = {"ict_level_b_certified": True}
    with_facts = {**base, "eligibility": {"teaches_informatics": False}}
    assert score_object(base).criteria == score_object(with_facts).criteria
    assert score_object(base).eligibility is None
    facts_result = score_object(with_facts).eligibility
    assert facts_result is not None
    assert not facts_result.eligible
