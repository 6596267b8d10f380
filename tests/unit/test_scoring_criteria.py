"""Each criterion's points and cap (section 2), the ruleset table, and clarifications i–xii."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from scoring import (
    CURRENT_RULESET,
    RULESET_170610_D2_2016,
    Document,
    NoteCode,
    ScoreResult,
    score_object,
)
from scoring.numbers import exact_decimal, round_half_up
from scoring.ruleset import (
    CountSource,
    FlagSource,
    LabExperienceSource,
    LanguageLevelSource,
    Ruleset,
    TitleKind,
    TitleSource,
)
from tests.unit.scoring_support import spec_dir

D = Decimal

# (key, points of one unit, cap or None when awarded once), as the circular prints them.
CIRCULAR_TABLE: list[tuple[str, str, str | None]] = [
    ("α", "6", None),
    ("β", "2", None),
    ("γ", "4", None),
    ("δ", "1", None),
    ("ε", "2", None),
    ("στ", "0.5", None),
    ("ζ", "1", "5"),
    ("η", "0.5", "3"),
    ("θ", "0.25", "3"),
    ("ι", "0.2", "2"),
    ("ια", "1", "4"),
    ("ιβ", "0.5", "3"),
    ("ιγ", "1", "4"),
    ("ιδ", "3", None),
    ("ιε", "0.5", "4"),
    ("ιστ", "0.5", "2"),
    ("ιζ", "1", "2"),
    ("ιη", "0.5", "1.5"),
    ("ιθ", "0.25", "1"),
    ("κ", "2", None),
]
PER_UNIT = [row for row in CIRCULAR_TABLE if row[2] is not None]
ONCE = [row for row in CIRCULAR_TABLE if row[2] is None]


def units_of(key: str, n: int) -> dict[str, Any]:
    """A declaration that has exactly `n` units of criterion `key` and nothing else."""
    source = RULESET_170610_D2_2016.by_key[key].source
    if isinstance(source, TitleSource):
        return {"titles": [{"kind": source.kind.value, "related": source.related}] * n}
    if isinstance(source, CountSource):
        return {source.field: n}
    if isinstance(source, FlagSource):
        assert n in (0, 1)
        return {source.field: n == 1}
    if isinstance(source, LabExperienceSource):
        # n separate whole calendar years, two years apart so they never touch
        return {
            "lab_experience_periods": [
                {"start": f"{1990 + 2 * i}-01-01", "end": f"{1990 + 2 * i}-12-31"}
                for i in range(n)
            ]
        }
    if isinstance(source, LanguageLevelSource):
        return {
            "languages": [{"language": f"lang{i}", "level": source.level.value} for i in range(n)]
        }
    raise AssertionError(source)


def points(result: ScoreResult) -> dict[str, Decimal]:
    return {c.key: c.points for c in result.criteria if c.points}


# --- the table -------------------------------------------------------------------------------


def test_ruleset_has_the_twenty_criteria_of_the_circular_in_order() -> None:
    assert RULESET_170610_D2_2016.keys == tuple(row[0] for row in CIRCULAR_TABLE)


@pytest.mark.parametrize(("key", "unit", "cap"), CIRCULAR_TABLE)
def test_ruleset_row_matches_the_circular(key: str, unit: str, cap: str | None) -> None:
    criterion = RULESET_170610_D2_2016.by_key[key]
    assert criterion.points == D(unit)
    assert criterion.per_unit == (cap is not None)
    assert criterion.cap == (None if cap is None else D(cap))
    assert criterion.clause == f"2.{key}"


def test_maximum_total_is_55_computed_from_the_table() -> None:
    assert RULESET_170610_D2_2016.max_total == D(55)


def test_current_ruleset_is_the_circular_of_2016() -> None:
    assert CURRENT_RULESET is RULESET_170610_D2_2016
    assert "170610/Δ2" in CURRENT_RULESET.name


def test_every_greek_label_is_the_circulars_wording() -> None:
    circular = next((spec_dir().parent / "seeds").glob("003_*.txt")).read_text(encoding="utf-8")
    plain = " ".join(re.sub(r"</?b>", "", circular).split())
    for criterion in RULESET_170610_D2_2016.criteria:
        assert f"{criterion.key}) {criterion.label}" in plain, criterion.key


@pytest.mark.parametrize(
    ("keys", "document"),
    [
        (("α", "β", "γ", "δ", "ε", "στ"), Document.DOATAP_RECOGNITION),  # clause ii
        (("ζ", "η", "θ", "ι"), Document.SERVICE_ACTS),  # clause v
        (("ια",), Document.SCHOOL_DIRECTOR_REPORTS),  # clause vi
        (("ιβ",), Document.KEPLINET_HEAD_ATTENDANCE_CERTIFICATE),  # clause vii
        (("ιγ",), Document.EMPLOYER_CERTIFICATE),  # clause viii
        (("ιδ",), Document.CERTIFICATION_BODY_CERTIFICATE),  # clause ix
        (("ιε",), Document.TRAINER_CERTIFICATION_CERTIFICATE),  # clause x
        (("ιε",), Document.PROGRAMME_HEAD_CERTIFICATE),  # clause x
        (("ιστ",), Document.SERVICE_ACTS),  # clause xi
        (("ιζ", "ιη", "ιθ"), Document.LANGUAGE_CERTIFICATE),  # clause xii
    ],
)
def test_documents_that_prove_each_criterion(keys: tuple[str, ...], document: Document) -> None:
    for key in keys:
        assert document in RULESET_170610_D2_2016.by_key[key].documents, key


def test_every_criterion_names_its_documents() -> None:
    assert all(c.documents for c in RULESET_170610_D2_2016.criteria)


@pytest.mark.parametrize(
    ("key", "units"),
    [("ζ", 5), ("η", 6), ("θ", 12), ("ι", 10), ("ια", 4), ("ιβ", 6), ("ιγ", 4), ("ιε", 8),
     ("ιστ", 4), ("ιζ", 2), ("ιη", 3), ("ιθ", 4), ("α", None), ("κ", None)],
)  # fmt: skip
def test_units_after_which_more_count_nothing(key: str, units: int | None) -> None:
    assert RULESET_170610_D2_2016.by_key[key].units_to_cap == units


# --- points and caps -------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "unit", "cap"), CIRCULAR_TABLE)
def test_one_unit_scores_its_points_and_nothing_else(key: str, unit: str, cap: str | None) -> None:
    result = score_object(units_of(key, 1))
    assert points(result) == {key: D(unit)}
    assert result.total == D(unit)
    assert result[key].quantity == 1
    assert not result[key].capped


@pytest.mark.parametrize(("key", "unit", "cap"), CIRCULAR_TABLE)
def test_nothing_declared_scores_nothing(key: str, unit: str, cap: str | None) -> None:
    result = score_object(units_of(key, 0))
    assert result[key].points == 0
    assert result.total == 0


@pytest.mark.parametrize(("key", "unit", "cap"), PER_UNIT)
def test_points_grow_per_unit_up_to_the_cap(key: str, unit: str, cap: str) -> None:
    units_to_cap = int(Fraction(cap) / Fraction(unit))
    below = score_object(units_of(key, units_to_cap - 1))[key]
    at = score_object(units_of(key, units_to_cap))[key]
    beyond = score_object(units_of(key, units_to_cap + 1))
    assert below.points == D(unit) * (units_to_cap - 1)
    assert not below.capped
    assert at.points == D(cap)
    assert at.capped
    assert beyond[key].points == D(cap)
    assert beyond[key].capped
    assert beyond[key].quantity == units_to_cap + 1
    cap_notes = [n for n in beyond.notes if n.code == NoteCode.CAP_REACHED]
    assert [n.params["criterion"] for n in cap_notes] == [key]
    assert cap_notes[0].params["points"] == D(cap)
    assert cap_notes[0].params["uncapped"] == D(unit) * (units_to_cap + 1)


@pytest.mark.parametrize(("key", "unit", "cap"), [r for r in ONCE if r[0] not in ("ιδ", "κ")])
def test_a_second_title_of_the_same_criterion_counts_once(key: str, unit: str, cap: None) -> None:
    result = score_object(units_of(key, 2))
    assert points(result) == {key: D(unit)}
    assert result[key].quantity == 2
    assert [(n.code, n.params["criterion"]) for n in result.notes] == [
        (NoteCode.CRITERION_AWARDED_ONCE, key)
    ]


def test_total_is_the_plain_sum_of_the_criteria() -> None:
    result = score_object(
        {
            "keplinet_acting_head_years": 3,  # 0.6
            "keplinet_staff_years_under_3_days": 1,  # 0.25
            "lab_experience_periods": [{"start": "2020-01-01", "end": "2020-01-31"}],  # 0.083
        }
    )
    assert result.total == D("0.933")
    assert result.total == sum(c.points for c in result.criteria)


# --- clarifications --------------------------------------------------------------------------


def test_lab_experience_is_pro_rated_by_months_and_days() -> None:
    # clause i: ιγ counts calendar years, pro-rated; 6 months = half a point
    result = score_object(
        {"lab_experience_periods": [{"start": "2020-01-01", "end": "2020-06-30"}]}
    )
    assert result["ιγ"].points == D("0.5")


def test_lab_experience_of_one_day_is_a_360th_of_a_year() -> None:
    result = score_object(
        {"lab_experience_periods": [{"start": "2020-03-03", "end": "2020-03-03"}]}
    )
    assert result["ιγ"].points == D("0.003")  # 1/360 = 0.00277… rounded half-up


def test_lab_experience_over_four_years_is_capped_at_four() -> None:
    result = score_object(
        {"lab_experience_periods": [{"start": "2000-01-01", "end": "2009-12-31"}]}
    )
    assert result["ιγ"].points == 4
    assert result["ιγ"].quantity == 10
    assert result["ιγ"].capped


def test_touching_lab_periods_are_merged_before_counting() -> None:
    # Separately 15 + 16 days = 31/360 (0.086); merged they are the whole of January (1/12).
    result = score_object(
        {
            "lab_experience_periods": [
                {"start": "2021-01-16", "end": "2021-01-31"},
                {"start": "2021-01-01", "end": "2021-01-15"},
            ]
        }
    )
    assert result["ιγ"].points == D("0.083")
    assert [n.code for n in result.notes] == [NoteCode.PERIODS_MERGED]
    assert result.notes[0].params == {"count": 2, "merged": 1}


def test_overlapping_lab_periods_count_the_time_once() -> None:
    result = score_object(
        {
            "lab_experience_periods": [
                {"start": "2014-01-01", "end": "2014-12-31"},
                {"start": "2014-03-01", "end": "2014-04-30"},
            ]
        }
    )
    assert result["ιγ"].points == 1


def test_lab_experience_from_a_thesis_is_excluded_with_a_note() -> None:
    # clause viii: experience from a diploma thesis, master's thesis or doctorate does not count
    result = score_object(
        {
            "lab_experience_periods": [
                {"start": "2016-01-01", "end": "2017-12-31", "from_thesis": True},
                {"start": "2019-01-01", "end": "2019-12-31", "from_thesis": False},
            ]
        }
    )
    assert result["ιγ"].points == 1
    assert [(n.code, dict(n.params)) for n in result.notes] == [
        (
            NoteCode.THESIS_PERIOD_EXCLUDED,
            {"position": 1, "start": "2016-01-01", "end": "2017-12-31"},
        )
    ]


def test_unrecognised_title_from_abroad_scores_nothing_with_a_note() -> None:
    # clause ii
    result = score_object({"titles": [{"kind": "phd", "related": True, "recognised": False}]})
    assert result.total == 0
    assert [(n.code, dict(n.params)) for n in result.notes] == [
        (NoteCode.TITLE_NOT_RECOGNISED, {"position": 1, "kind": "phd"})
    ]


def test_recognised_title_from_abroad_counts() -> None:
    result = score_object({"titles": [{"kind": "phd", "related": True, "recognised": True}]})
    assert points(result) == {"α": 6}


def test_phd_continuing_a_master_counts_once() -> None:
    # clause iii: same postgraduate programme, the higher title counts
    result = score_object(
        {
            "titles": [
                {"id": "m", "kind": "master", "related": True},
                {"kind": "phd", "related": True, "continues": "m"},
            ]
        }
    )
    assert points(result) == {"α": 6}
    assert [(n.code, dict(n.params)) for n in result.notes] == [
        (
            NoteCode.TITLE_PAIR_COUNTED_ONCE,
            {
                "kept_position": 2,
                "kept_kind": "phd",
                "kept_criterion": "α",
                "dropped_position": 1,
                "dropped_kind": "master",
            },
        )
    ]


def test_phd_and_master_of_different_programmes_both_count() -> None:
    # clause iii, second sentence
    result = score_object(
        {
            "titles": [
                {"id": "m", "kind": "master", "related": True},
                {"kind": "phd", "related": True},
            ]
        }
    )
    assert points(result) == {"α": 6, "γ": 4}


def test_unrelated_phd_continuing_a_related_master_keeps_the_master() -> None:
    # the pair counts once and the title worth more stays: γ (4) over β (2)
    result = score_object(
        {
            "titles": [
                {"kind": "phd", "related": False, "continues": "m"},
                {"id": "m", "kind": "master", "related": True},
            ]
        }
    )
    assert points(result) == {"γ": 4}
    assert result.notes[0].params["kept_criterion"] == "γ"


def test_unrelated_phd_continuing_an_unrelated_master_counts_once() -> None:
    # clause iv: β and δ follow α and γ
    result = score_object(
        {
            "titles": [
                {"id": "m", "kind": "master", "related": False},
                {"kind": "phd", "related": False, "continues": "m"},
            ]
        }
    )
    assert points(result) == {"β": 2}


def test_master_continued_by_two_phds_is_dropped_if_either_pairing_drops_it() -> None:
    # related PhD beats the master (6 > 4): master dropped; the unrelated PhD loses to it
    # (2 < 4) and is dropped too. Only α is left.
    result = score_object(
        {
            "titles": [
                {"id": "m", "kind": "master", "related": True},
                {"kind": "phd", "related": True, "continues": "m"},
                {"kind": "phd", "related": False, "continues": "m"},
            ]
        }
    )
    assert points(result) == {"α": 6}
    assert [n.code for n in result.notes] == [NoteCode.TITLE_PAIR_COUNTED_ONCE] * 2


def test_phd_continuing_an_unrecognised_master_counts_alone() -> None:
    result = score_object(
        {
            "titles": [
                {"id": "m", "kind": "master", "related": True, "recognised": False},
                {"kind": "phd", "related": False, "continues": "m"},
            ]
        }
    )
    assert points(result) == {"β": 2}
    assert [n.code for n in result.notes] == [NoteCode.TITLE_NOT_RECOGNISED]


def test_on_a_tie_the_phd_of_the_pair_is_kept() -> None:
    # No tie exists in 170610/Δ2; a later table might have one.
    def same_worth(criterion: Any) -> Any:
        if isinstance(criterion.source, TitleSource) and criterion.source.related:
            return replace(criterion, points=D(3))
        return criterion

    tied = Ruleset(
        "test",
        "test",
        "2016-10-13",
        tuple(same_worth(c) for c in RULESET_170610_D2_2016.criteria),
    )
    result = score_object(
        {
            "titles": [
                {"id": "m", "kind": "master", "related": True},
                {"kind": "phd", "related": True, "continues": "m"},
            ]
        },
        tied,
    )
    assert points(result) == {"α": 3}
    assert result.notes[0].params["kept_kind"] == TitleKind.PHD


def test_only_the_best_level_of_each_language_counts() -> None:
    # clause xii
    result = score_object(
        {
            "languages": [
                {"language": "en", "level": "B2"},
                {"language": " EN ", "level": "C2"},
                {"language": "En", "level": "C1"},
            ]
        }
    )
    assert points(result) == {"ιζ": 1}
    assert [(n.code, dict(n.params)) for n in result.notes] == [
        (NoteCode.LANGUAGE_BEST_LEVEL_ONLY, {"language": "en", "count": 3, "level": "C2"})
    ]


@pytest.mark.parametrize("greek", ["el", "EL", "Greek", "ελληνικά", "ΕΛΛΗΝΙΚΑ", " Ελληνική "])
def test_greek_is_not_a_foreign_language(greek: str) -> None:
    result = score_object({"languages": [{"language": greek, "level": "C2"}]})
    assert result.total == 0
    assert [n.code for n in result.notes] == [NoteCode.GREEK_NOT_FOREIGN]


@pytest.mark.parametrize("level", ["A1", "A2", "B1"])
def test_levels_below_b2_score_nothing(level: str) -> None:
    result = score_object({"languages": [{"language": "de", "level": level}]})
    assert result.total == 0
    assert [(n.code, dict(n.params)) for n in result.notes] == [
        (NoteCode.LEVEL_BELOW_B2, {"language": "de", "level": level})
    ]


def test_languages_with_different_names_are_different_languages() -> None:
    # the spec compares names case-insensitively after trimming, nothing more
    result = score_object(
        {
            "languages": [
                {"language": "English", "level": "C2"},
                {"language": "Γαλλικά", "level": "C1"},
                {"language": "γαλλικα", "level": "B2"},
            ]
        }
    )
    assert points(result) == {"ιζ": 1, "ιη": D("0.5")}


def test_school_year_criteria_count_whole_years() -> None:
    # clause i: years of ζ–ιβ are school years and whole numbers
    result = score_object({"keplinet_head_years": 3, "keplinet_training_years": 1})
    assert points(result) == {"ζ": 3, "ιβ": D("0.5")}
    assert result["ζ"].quantity == 3


# --- exact numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(22915, 10000), "2.292"),
        (Fraction(22925, 10000), "2.293"),  # half-up, not half-even
        (Fraction(29, 12), "2.417"),
        (Fraction(4), "4"),
        (Fraction(1, 360), "0.003"),
        (Fraction(-22925, 10000), "-2.293"),
    ],
)
def test_round_half_up(value: Fraction, expected: str) -> None:
    assert str(round_half_up(value, 3)) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(Fraction(1, 4), "0.25"), (Fraction(6), "6"), (D("4.000"), "4")]
)
def test_exact_decimal_gives_the_shortest_exact_digits(value: Any, expected: str) -> None:
    assert str(exact_decimal(value)) == expected


def test_exact_decimal_refuses_a_value_without_finite_decimals() -> None:
    with pytest.raises(ValueError, match="round"):
        exact_decimal(Fraction(1, 3))


def test_lab_experience_is_computed_without_intermediate_rounding() -> None:
    # 1 year 3 months 15 days + 1 year = 2.291666… → 2.292 (the spec's pro-rata example)
    result = score_object(
        {
            "lab_experience_periods": [
                {"start": "2010-03-01", "end": "2011-06-15"},
                {"start": "2012-01-01", "end": "2012-12-31"},
            ]
        }
    )
    assert result["ιγ"].points == D("2.292")
    assert result["ιγ"].quantity == D("2.292")
    assert result.notes == ()  # the periods do not touch: nothing merged
