"""Invariants of the points, for any declaration hypothesis can build."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from scoring import CURRENT_RULESET, ScoreResult, declaration_to_json, parse_declaration, score
from scoring.declaration import MAX_COUNT
from tests.unit.scoring_support import COUNT_FIELDS, declarations


def scored(value: dict[str, Any]) -> ScoreResult:
    return score(parse_declaration(value))


def outcome(result: ScoreResult) -> tuple[object, ...]:
    eligibility = result.eligibility
    return (
        result.total,
        tuple((c.key, c.points, c.quantity, c.capped) for c in result.criteria),
        None if eligibility is None else (eligibility.eligible, eligibility.priority_branch),
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
