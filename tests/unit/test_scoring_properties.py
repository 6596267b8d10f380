"""Invariants of the points, for any declaration hypothesis can build."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from scoring import (
    CURRENT_RULESET,
    EligibilityStatus,
    ScoreResult,
    declaration_to_json,
    parse_declaration,
    score,
)
from scoring.declaration import MAX_COUNT
from tests.unit.scoring_support import COUNT_FIELDS, EMPLOYMENTS, declarations


def scored(value: dict[str, Any]) -> ScoreResult:
    return score(parse_declaration(value))


def outcome(result: ScoreResult) -> tuple[object, ...]:
    eligibility = result.eligibility
    return (
        result.total,
        result.total_min,
        tuple((c.key, c.points, c.quantity, c.capped) for c in result.criteria),
        None if eligibility is None else (eligibility.status, eligibility.priority_branch),
    )


@given(declarations())
def test_no_criterion_exceeds_its_cap_and_nothing_is_negative(value: dict[str, Any]) -> None:
    result = scored(value)
    for criterion, outcome_ in zip(CURRENT_RULESET.criteria, result.criteria, strict=True):
        assert Decimal(0) <= outcome_.points <= criterion.max_points
        assert outcome_.quantity >= 0


@given(declarations())
def test_total_is_the_sum_and_never_exceeds_55(value: dict[str, Any]) -> None:
    result = scored(value)
    assert result.total == sum((c.points for c in result.criteria), Decimal(0))
    assert Decimal(0) <= result.total <= CURRENT_RULESET.max_total == 55


@given(declarations())
def test_points_are_exact_decimals_with_at_most_three_places(value: dict[str, Any]) -> None:
    result = scored(value)
    for number in (*(c.points for c in result.criteria), result.total):
        assert isinstance(number, Decimal)
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)
        assert exponent >= -3


@given(
    declarations(),
    st.sampled_from(["phd", "master", "second_degree"]),
    st.booleans(),
)
def test_adding_a_counted_title_never_lowers_the_total(
    value: dict[str, Any], kind: str, related: bool
) -> None:
    more = {**value, "titles": [*value.get("titles", []), {"kind": kind, "related": related}]}
    assert scored(more).total >= scored(value).total


@given(declarations(), st.sampled_from(COUNT_FIELDS))
def test_adding_a_year_of_service_never_lowers_the_total(
    value: dict[str, Any], field: str
) -> None:
    current = value.get(field, 0)
    assume(current < MAX_COUNT)
    more = {**value, field: current + 1}
    assert scored(more).total >= scored(value).total


@given(declarations(), st.randoms(use_true_random=False))
def test_list_order_never_changes_the_result(value: dict[str, Any], random: Any) -> None:
    shuffled = dict(value)
    for name in ("titles", "lab_experience_periods", "languages"):
        if name in shuffled:
            items = list(shuffled[name])
            random.shuffle(items)
            shuffled[name] = items
    assert outcome(scored(shuffled)) == outcome(scored(value))


@given(declarations())
def test_declaration_json_round_trips(value: dict[str, Any]) -> None:
    declaration = parse_declaration(value)
    assert parse_declaration(declaration_to_json(declaration)) == declaration


@given(declarations())
def test_total_min_never_exceeds_total(value: dict[str, Any]) -> None:
    result = scored(value)
    assert Decimal(0) <= result.total_min <= result.total
    if not any("same_field_as" in t for t in value.get("titles", [])):
        assert result.total_min == result.total


@given(declarations())
def test_dropping_same_field_links_gives_total_and_making_them_continues_gives_total_min(
    value: dict[str, Any],
) -> None:
    """`total` ignores `same_field_as`; `total_min` is the total with each such pair counted
    once like a `continues` pair (when the doctorate continues nothing else)."""
    result = scored(value)
    titles = value.get("titles", [])
    plain = [{k: v for k, v in t.items() if k != "same_field_as"} for t in titles]
    assert scored({**value, "titles": plain}).total == result.total
    if all("continues" not in t for t in titles if "same_field_as" in t):
        strict = [
            {k: v for k, v in t.items() if k != "same_field_as"}
            | ({"continues": t["same_field_as"]} if "same_field_as" in t else {})
            for t in titles
        ]
        assert scored({**value, "titles": strict}).total == result.total_min


def status(value: dict[str, Any]) -> EligibilityStatus:
    eligibility = scored(value).eligibility
    assert eligibility is not None
    return eligibility.status


def at_least(better: dict[str, Any], worse: dict[str, Any]) -> bool:
    """`better`'s status is as good as `worse`'s or better (eligible > fallback > not)."""
    return status(better).rank <= status(worse).rank


def with_facts(value: dict[str, Any], **facts: Any) -> dict[str, Any]:
    return {**value, "eligibility": {**value.get("eligibility", {}), **facts}}


@given(declarations(), st.integers(min_value=0, max_value=6))
def test_more_days_at_the_school_never_lower_the_status(value: dict[str, Any], days: int) -> None:
    fewer = with_facts(value, days_per_week_at_school=days)
    more = with_facts(value, days_per_week_at_school=days + 1)
    assert at_least(more, fewer)


@given(
    declarations(),
    st.sampled_from(
        [
            "completes_hours_at_schools_with_manager",
            "sole_informatics_teacher",
            "teaches_informatics",
        ]
    ),
)
def test_a_favourable_fact_never_lowers_the_status(value: dict[str, Any], fact: str) -> None:
    assert at_least(with_facts(value, **{fact: True}), with_facts(value, **{fact: False}))


@given(declarations())
def test_an_organic_post_never_lowers_the_status(value: dict[str, Any]) -> None:
    facts = with_facts(value)
    without = {**facts, "organic_position_at_school": False}
    assert at_least({**facts, "organic_position_at_school": True}, without)


@given(declarations(), st.sampled_from(EMPLOYMENTS), st.sampled_from(EMPLOYMENTS))
def test_employment_lowers_the_status_at_most_to_fallback(
    value: dict[str, Any], one: str, other: str
) -> None:
    full = ("permanent", "full_time_substitute")
    first, second = with_facts(value, employment=one), with_facts(value, employment=other)
    if one in full and other in full:
        assert status(first) == status(second)
    if one in full:
        assert at_least(first, second)
        assert status(second).rank <= max(status(first).rank, EligibilityStatus.FALLBACK.rank)


@given(declarations())
def test_the_manager_of_another_school_is_at_most_a_fallback_and_never_excluded_for_days(
    value: dict[str, Any],
) -> None:
    manager = with_facts(value, manager_at_other_school=True)
    if manager["eligibility"].get("teaches_informatics", True):
        plain = with_facts(value, manager_at_other_school=False)
        assert status(manager) != EligibilityStatus.ELIGIBLE
        assert status(manager).rank <= max(status(plain).rank, EligibilityStatus.FALLBACK.rank)
        days_only = with_facts(
            value, manager_at_other_school=True, role="teacher", employment="permanent"
        )
        assert status(days_only) == EligibilityStatus.FALLBACK
