"""Codes that leave `scoring/`: validation errors, notes, eligibility reasons.

Front ends translate them (see `bot.dialogs.points`); `scoring/` never
produces a sentence. Parameters travel beside the code as a mapping of
plain values (str, int, Decimal, bool).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ParamValue = str | int | bool | Decimal
Params = Mapping[str, ParamValue]


class ErrorCode(StrEnum):
    """Why a declaration is invalid."""

    NOT_AN_OBJECT = "not_an_object"
    NOT_A_LIST = "not_a_list"
    UNKNOWN_FIELD = "unknown_field"  # params: field
    MISSING_FIELD = "missing_field"  # params: field
    NOT_AN_INTEGER = "not_an_integer"
    NOT_A_BOOLEAN = "not_a_boolean"
    NOT_A_STRING = "not_a_string"
    OUT_OF_RANGE = "out_of_range"  # params: minimum, maximum
    BLANK = "blank"
    BAD_DATE = "bad_date"  # params: value (not YYYY-MM-DD or no such day)
    DATE_OUT_OF_RANGE = "date_out_of_range"  # params: value, minimum, maximum
    START_AFTER_END = "start_after_end"  # params: start, end
    INVALID_CHOICE = "invalid_choice"  # params: value, allowed (comma-separated)
    WRONG_SCHEMA = "wrong_schema"  # params: value, expected
    DUPLICATE_ID = "duplicate_id"  # params: id
    CONTINUES_ONLY_FOR_PHD = "continues_only_for_phd"  # params: kind
    DANGLING_CONTINUES = "dangling_continues"  # params: id (no title has it)
    CONTINUES_NOT_A_MASTER = "continues_not_a_master"  # params: id, kind
    # revision 2: `same_field_as` (a doctorate in the same field as a master's, another programme)
    SAME_FIELD_ONLY_FOR_PHD = "same_field_only_for_phd"  # params: kind
    DANGLING_SAME_FIELD = "dangling_same_field"  # params: id (no title has it)
    SAME_FIELD_NOT_A_MASTER = "same_field_not_a_master"  # params: id, kind
    SAME_FIELD_IS_CONTINUED = "same_field_is_continued"  # params: id (the one it `continues`)


class NoteCode(StrEnum):
    """Why something did or did not count, for the user to read beside the points."""

    # params: position (1-based), kind
    TITLE_NOT_RECOGNISED = "title_not_recognised"
    # params: kept_position, kept_kind, kept_criterion, dropped_position, dropped_kind
    TITLE_PAIR_COUNTED_ONCE = "title_pair_counted_once"
    # params: criterion, count
    CRITERION_AWARDED_ONCE = "criterion_awarded_once"
    # params: position, start, end (ISO dates)
    THESIS_PERIOD_EXCLUDED = "thesis_period_excluded"
    # params: count (periods given), merged (periods after merging)
    PERIODS_MERGED = "periods_merged"
    # params: position, language
    GREEK_NOT_FOREIGN = "greek_not_foreign"
    # params: language, level (its best level, below B2)
    LEVEL_BELOW_B2 = "level_below_b2"
    # params: language, count (certificates of that language), level (the best, which counts)
    LANGUAGE_BEST_LEVEL_ONLY = "language_best_level_only"
    # params: criterion, points (the cap), uncapped (points before the cap)
    CAP_REACHED = "cap_reached"
    # Revision 2, clause iii left open: a doctorate in the same field as a master's of another
    # programme. params: phd_position, master_position, total_min (points)
    SAME_FIELD_BOTH_COUNTED = "same_field_both_counted"


class EligibilityStatus(StrEnum):
    """The outcome of section 4, best first: `fallback` is "only if no one who meets the
    main rules can be appointed" (spec revision 2)."""

    ELIGIBLE = "eligible"
    FALLBACK = "fallback"
    NOT_ELIGIBLE = "not_eligible"

    @property
    def rank(self) -> int:
        """0 for eligible, 1 for fallback, 2 for not eligible: higher is worse."""
        return STATUS_ORDER.index(self)


STATUS_ORDER: tuple[EligibilityStatus, ...] = tuple(EligibilityStatus)


class ReasonCode(StrEnum):
    """Eligibility findings (section 4 of the circular)."""

    TEACHES_INFORMATICS = "teaches_informatics"
    NOT_INFORMATICS_TEACHER = "not_informatics_teacher"
    HEAD_NOT_SOLE_TEACHER = "head_not_sole_teacher"  # params: role
    HEAD_SOLE_TEACHER = "head_sole_teacher"  # params: role
    ENOUGH_DAYS = "enough_days"  # params: days
    TWO_DAYS_EXCEPTION = "two_days_exception"  # params: days
    TWO_DAYS_NOT_COMPLETING = "two_days_not_completing"  # params: days
    TOO_FEW_DAYS = "too_few_days"  # params: days
    # revision 2
    TWO_DAYS_NO_ORGANIC_POST = "two_days_no_organic_post"  # params: days
    FEW_DAYS_MANAGER_ELSEWHERE = "few_days_manager_elsewhere"  # params: days (fallback)
    MANAGER_AT_OTHER_SCHOOL = "manager_at_other_school"  # fallback, days rule met
    REDUCED_HOURS_EMPLOYMENT = "reduced_hours_employment"  # params: employment (fallback)
    PRIORITY_BRANCH = "priority_branch"  # params: branch (as canonical ΠΕxx)
    NOT_PRIORITY_BRANCH = "not_priority_branch"  # params: branch
    BRANCH_NOT_GIVEN = "branch_not_given"


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation error: where (`titles[1].continues`), what (code), with what values."""

    path: str
    code: ErrorCode
    params: Params = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Note:
    code: NoteCode
    params: Params = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reason:
    """An eligibility finding. `limit` is the best status it allows: `eligible` for a finding
    that lowers nothing, `fallback` or `not_eligible` for one that lowers the status."""

    code: ReasonCode
    limit: EligibilityStatus = EligibilityStatus.ELIGIBLE
    params: Params = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        """The finding makes the teacher not eligible."""
        return self.limit == EligibilityStatus.NOT_ELIGIBLE

    @property
    def lowers(self) -> bool:
        """The finding lowers the status (to fallback or not eligible)."""
        return self.limit != EligibilityStatus.ELIGIBLE


class DeclarationInvalid(ValueError):
    """A declaration rejected as a whole; `issues` lists every error found (at least one)."""

    def __init__(self, issues: list[Issue] | tuple[Issue, ...]) -> None:
        if not issues:
            raise ValueError("DeclarationInvalid needs at least one issue")
        self.issues: tuple[Issue, ...] = tuple(issues)
        first = self.issues[0]
        super().__init__(f"{first.path or '<declaration>'}: {first.code}")
