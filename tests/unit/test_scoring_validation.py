"""Invalid declarations are rejected as a whole, each error naming its field path (spec §3)."""

from __future__ import annotations

from typing import Any

import pytest

from scoring import (
    SCHEMA,
    SCHEMA_2,
    Declaration,
    DeclarationInvalid,
    ErrorCode,
    declaration_to_json,
    parse_declaration,
)
from scoring.codes import Issue

E = ErrorCode


def issues_of(value: object) -> list[tuple[str, ErrorCode]]:
    with pytest.raises(DeclarationInvalid) as info:
        parse_declaration(value)
    return [(issue.path, issue.code) for issue in info.value.issues]


def only_issue(value: object) -> Issue:
    with pytest.raises(DeclarationInvalid) as info:
        parse_declaration(value)
    assert len(info.value.issues) == 1, info.value.issues
    return info.value.issues[0]


TITLE = {"kind": "master", "related": True}
PERIOD = {"start": "2014-01-01", "end": "2014-12-31"}
LANGUAGE = {"language": "en", "level": "C2"}

CASES: list[tuple[str, Any, str, ErrorCode]] = [
    # (what, declaration, path, code)
    ("not an object", [], "", E.NOT_AN_OBJECT),
    ("null", None, "", E.NOT_AN_OBJECT),
    ("unknown field (a typo)", {"keplinet_head_year": 2}, "keplinet_head_year", E.UNKNOWN_FIELD),
    ("wrong schema", {"schema": "ysepehy-declaration/3"}, "schema", E.WRONG_SCHEMA),
    ("schema not a string", {"schema": 1}, "schema", E.WRONG_SCHEMA),
    ("bool is not an int", {"keplinet_head_years": True}, "keplinet_head_years", E.NOT_AN_INTEGER),
    ("string is not an int", {"keplinet_head_years": "3"}, "keplinet_head_years",
     E.NOT_AN_INTEGER),
    ("2.0 is not 2", {"lab_manager_effective_years": 2.0}, "lab_manager_effective_years",
     E.NOT_AN_INTEGER),
    ("null is not an int", {"keplinet_training_years": None}, "keplinet_training_years",
     E.NOT_AN_INTEGER),
    ("negative", {"certified_trainer_programmes": -1}, "certified_trainer_programmes",
     E.OUT_OF_RANGE),
    ("over 60", {"lab_procurement_procedures": 61}, "lab_procurement_procedures", E.OUT_OF_RANGE),
    ("int is not a bool", {"ict_level_b_certified": 1}, "ict_level_b_certified", E.NOT_A_BOOLEAN),
    ("string is not a bool", {"organic_position_at_school": "true"},
     "organic_position_at_school", E.NOT_A_BOOLEAN),
    ("titles not a list", {"titles": TITLE}, "titles", E.NOT_A_LIST),
    ("title not an object", {"titles": ["phd"]}, "titles[0]", E.NOT_AN_OBJECT),
    ("unknown title kind", {"titles": [TITLE, {"kind": "bachelor", "related": True}]},
     "titles[1].kind", E.INVALID_CHOICE),
    ("title kind missing", {"titles": [{"related": True}]}, "titles[0].kind", E.MISSING_FIELD),
    ("title related missing", {"titles": [{"kind": "phd"}]}, "titles[0].related",
     E.MISSING_FIELD),
    ("title related not a bool", {"titles": [{"kind": "phd", "related": "yes"}]},
     "titles[0].related", E.NOT_A_BOOLEAN),
    ("unknown title field", {"titles": [{**TITLE, "year": 2010}]}, "titles[0].year",
     E.UNKNOWN_FIELD),
    ("recognised not a bool", {"titles": [{**TITLE, "recognised": 0}]}, "titles[0].recognised",
     E.NOT_A_BOOLEAN),
    ("id not a string", {"titles": [{**TITLE, "id": 1}]}, "titles[0].id", E.NOT_A_STRING),
    ("blank id", {"titles": [{**TITLE, "id": " "}]}, "titles[0].id", E.BLANK),
    ("duplicate id", {"titles": [{**TITLE, "id": "a"}, {**TITLE, "id": "a"}]}, "titles[1].id",
     E.DUPLICATE_ID),
    ("dangling continues", {"titles": [{**TITLE, "id": "m"}, {"kind": "phd", "related": True,
     "continues": "m2"}]}, "titles[1].continues", E.DANGLING_CONTINUES),
    ("continues names a phd", {"titles": [{"kind": "phd", "related": True, "id": "p"},
     {"kind": "phd", "related": True, "continues": "p"}]}, "titles[1].continues",
     E.CONTINUES_NOT_A_MASTER),
    ("continues names a second degree", {"titles": [{"kind": "second_degree", "related": True,
     "id": "s"}, {"kind": "phd", "related": True, "continues": "s"}]}, "titles[1].continues",
     E.CONTINUES_NOT_A_MASTER),
    ("a phd continues itself", {"titles": [{"kind": "phd", "related": True, "id": "p",
     "continues": "p"}]}, "titles[0].continues", E.CONTINUES_NOT_A_MASTER),
    ("continues on a master", {"titles": [{**TITLE, "id": "m"}, {**TITLE, "continues": "m"}]},
     "titles[1].continues", E.CONTINUES_ONLY_FOR_PHD),
    ("same_field_as on a master", {"titles": [{**TITLE, "id": "m"}, {**TITLE,
     "same_field_as": "m"}]}, "titles[1].same_field_as", E.SAME_FIELD_ONLY_FOR_PHD),
    ("dangling same_field_as", {"titles": [{**TITLE, "id": "m"}, {"kind": "phd",
     "related": True, "same_field_as": "x"}]}, "titles[1].same_field_as",
     E.DANGLING_SAME_FIELD),
    ("same_field_as names a second degree", {"titles": [{"kind": "second_degree",
     "related": True, "id": "s"}, {"kind": "phd", "related": True, "same_field_as": "s"}]},
     "titles[1].same_field_as", E.SAME_FIELD_NOT_A_MASTER),
    ("same_field_as names the continued master", {"titles": [{**TITLE, "id": "m"},
     {"kind": "phd", "related": True, "continues": "m", "same_field_as": "m"}]},
     "titles[1].same_field_as", E.SAME_FIELD_IS_CONTINUED),
    ("same_field_as not a string", {"titles": [{"kind": "phd", "related": True,
     "same_field_as": 1}]}, "titles[0].same_field_as", E.NOT_A_STRING),
    ("periods not a list", {"lab_experience_periods": "2014"}, "lab_experience_periods",
     E.NOT_A_LIST),
    ("start missing", {"lab_experience_periods": [{"end": "2014-12-31"}]},
     "lab_experience_periods[0].start", E.MISSING_FIELD),
    ("end missing", {"lab_experience_periods": [{"start": "2014-12-31"}]},
     "lab_experience_periods[0].end", E.MISSING_FIELD),
    ("day first date", {"lab_experience_periods": [{**PERIOD, "start": "01/01/2014"}]},
     "lab_experience_periods[0].start", E.BAD_DATE),
    ("compact date", {"lab_experience_periods": [{**PERIOD, "start": "20140101"}]},
     "lab_experience_periods[0].start", E.BAD_DATE),
    ("no such day", {"lab_experience_periods": [{**PERIOD, "end": "2015-02-29"}]},
     "lab_experience_periods[0].end", E.BAD_DATE),
    ("date with time", {"lab_experience_periods": [{**PERIOD, "end": "2014-12-31T00:00"}]},
     "lab_experience_periods[0].end", E.BAD_DATE),
    ("date not a string", {"lab_experience_periods": [{**PERIOD, "end": 20141231}]},
     "lab_experience_periods[0].end", E.NOT_A_STRING),
    ("date far outside a career", {"lab_experience_periods": [{**PERIOD, "end": "9999-12-31"}]},
     "lab_experience_periods[0].end", E.DATE_OUT_OF_RANGE),
    ("start after end", {"lab_experience_periods": [PERIOD, {"start": "2015-02-01",
     "end": "2015-01-31"}]}, "lab_experience_periods[1].end", E.START_AFTER_END),
    ("from_thesis not a bool", {"lab_experience_periods": [{**PERIOD, "from_thesis": "no"}]},
     "lab_experience_periods[0].from_thesis", E.NOT_A_BOOLEAN),
    ("unknown period field", {"lab_experience_periods": [{**PERIOD, "employer": "x"}]},
     "lab_experience_periods[0].employer", E.UNKNOWN_FIELD),
    ("unknown level", {"languages": [{"language": "en", "level": "C3"}]}, "languages[0].level",
     E.INVALID_CHOICE),
    ("level in lower case", {"languages": [{"language": "en", "level": "c2"}]},
     "languages[0].level", E.INVALID_CHOICE),
    ("blank language", {"languages": [LANGUAGE, {"language": "  ", "level": "B2"}]},
     "languages[1].language", E.BLANK),
    ("language missing", {"languages": [{"level": "B2"}]}, "languages[0].language",
     E.MISSING_FIELD),
    ("language not a string", {"languages": [{"language": 7, "level": "B2"}]},
     "languages[0].language", E.NOT_A_STRING),
    ("eligibility not an object", {"eligibility": True}, "eligibility", E.NOT_AN_OBJECT),
    ("unknown eligibility field", {"eligibility": {"school": "1ο ΓΕΛ"}}, "eligibility.school",
     E.UNKNOWN_FIELD),
    ("unknown role", {"eligibility": {"role": "principal"}}, "eligibility.role",
     E.INVALID_CHOICE),
    ("eight days a week", {"eligibility": {"days_per_week_at_school": 8}},
     "eligibility.days_per_week_at_school", E.OUT_OF_RANGE),
    ("days as text", {"eligibility": {"days_per_week_at_school": "5"}},
     "eligibility.days_per_week_at_school", E.NOT_AN_INTEGER),
    ("branch not a string", {"eligibility": {"branch": 86}}, "eligibility.branch",
     E.NOT_A_STRING),
    ("unknown employment", {"eligibility": {"employment": "temporary"}},
     "eligibility.employment", E.INVALID_CHOICE),
    ("manager_at_other_school not a bool", {"eligibility": {"manager_at_other_school": "no"}},
     "eligibility.manager_at_other_school", E.NOT_A_BOOLEAN),
    ("teaches_informatics not a bool", {"eligibility": {"teaches_informatics": None}},
     "eligibility.teaches_informatics", E.NOT_A_BOOLEAN),
]  # fmt: skip


@pytest.mark.parametrize(("what", "declaration", "path", "code"), CASES, ids=[c[0] for c in CASES])
def test_invalid_declaration_is_rejected_naming_the_field(
    what: str, declaration: Any, path: str, code: ErrorCode
) -> None:
    issue = only_issue(declaration)
    assert (issue.path, issue.code) == (path, code)


def test_out_of_range_error_carries_the_bounds() -> None:
    issue = only_issue({"keplinet_head_years": 61})
    assert dict(issue.params) == {"minimum": 0, "maximum": 60}


def test_invalid_choice_error_lists_the_allowed_values() -> None:
    issue = only_issue({"titles": [{"kind": "bsc", "related": True}]})
    assert dict(issue.params) == {"value": "bsc", "allowed": "phd, master, second_degree"}


def test_unknown_field_error_names_the_field() -> None:
    assert dict(only_issue({"organic": True}).params) == {"field": "organic"}


def test_dangling_continues_names_the_missing_id() -> None:
    issue = only_issue({"titles": [{"kind": "phd", "related": True, "continues": "m9"}]})
    assert (issue.path, dict(issue.params)) == ("titles[0].continues", {"id": "m9"})


def test_every_error_is_reported_not_only_the_first() -> None:
    found = issues_of(
        {
            "keplinet_head_years": -1,
            "titles": [{"kind": "phd"}],
            "languages": [{"language": "en", "level": "X"}],
            "typo": 1,
        }
    )
    assert sorted(found) == sorted(
        [
            ("typo", E.UNKNOWN_FIELD),
            ("keplinet_head_years", E.OUT_OF_RANGE),
            ("titles[0].related", E.MISSING_FIELD),
            ("languages[0].level", E.INVALID_CHOICE),
        ]
    )


def test_a_declaration_with_one_bad_field_gives_no_result_at_all() -> None:
    with pytest.raises(DeclarationInvalid) as info:
        parse_declaration({"keplinet_head_years": 3, "ict_level_b_certified": "yes"})
    assert str(info.value) == "ict_level_b_certified: not_a_boolean"


@pytest.mark.parametrize("count", [0, 60])
def test_count_bounds_are_inclusive(count: int) -> None:
    assert parse_declaration({"keplinet_head_years": count}).keplinet_head_years == count


def test_every_field_may_be_missing() -> None:
    assert parse_declaration({}) == Declaration()


@pytest.mark.parametrize("schema", ["ysepehy-declaration/1", "ysepehy-declaration/2"])
def test_both_schema_values_are_accepted(schema: str) -> None:
    assert parse_declaration({"schema": schema}) == Declaration()


def test_json_names_schema_2_only_for_fields_of_revision_2() -> None:
    plain = {"eligibility": {"branch": "ΠΕ86"}}
    assert declaration_to_json(parse_declaration(plain))["schema"] == SCHEMA
    for newer in (
        {"eligibility": {"employment": "hourly_paid"}},
        {"eligibility": {"manager_at_other_school": True}},
        {"titles": [{**TITLE, "id": "m"}, {"kind": "phd", "related": True, "same_field_as": "m"}]},
    ):
        value = {"schema": SCHEMA_2, **newer}
        assert declaration_to_json(parse_declaration(value)) == value


def test_a_period_of_one_day_is_valid() -> None:
    period = {"start": "2020-02-29", "end": "2020-02-29"}
    assert len(parse_declaration({"lab_experience_periods": [period]}).lab_experience_periods) == 1


def test_phd_may_continue_a_master_declared_after_it() -> None:
    declaration = parse_declaration(
        {
            "titles": [
                {"kind": "phd", "related": True, "continues": "m"},
                {"kind": "master", "related": True, "id": "m"},
            ]
        }
    )
    assert declaration.titles[0].continues == "m"


def test_declaration_to_json_round_trips() -> None:
    value: dict[str, Any] = {
        "schema": SCHEMA,
        "titles": [
            {"kind": "master", "related": True, "id": "m"},
            {"kind": "phd", "related": False, "continues": "m"},
            {"kind": "second_degree", "related": True, "recognised": False},
        ],
        "keplinet_head_years": 2,
        "ict_level_b_certified": True,
        "lab_experience_periods": [
            {"start": "2014-01-01", "end": "2014-12-31", "from_thesis": True}
        ],
        "languages": [{"language": "en", "level": "C1"}],
        "eligibility": {
            "role": "deputy_director",
            "sole_informatics_teacher": True,
            "branch": "x",
        },
    }
    assert declaration_to_json(parse_declaration(value)) == value
    newer = {
        **value,
        "schema": SCHEMA_2,
        "titles": [*value["titles"], {"kind": "phd", "related": True, "same_field_as": "m"}],
        "eligibility": {
            "days_per_week_at_school": 2,
            "employment": "reduced_hours_substitute",
            "manager_at_other_school": True,
        },
    }
    assert declaration_to_json(parse_declaration(newer)) == newer


def test_empty_eligibility_object_is_kept_in_json() -> None:
    assert declaration_to_json(parse_declaration({"eligibility": {}})) == {
        "schema": SCHEMA,
        "eligibility": {},
    }
