"""The points interview: the ordered questions that fill a declaration.

A front end (the chat bot, a web form) walks `INTERVIEW` generically: it asks
`next_question(answers)`, stores the answer under the question's `key`, and
when `is_complete(answers)` turns the answers into a declaration with
`declaration_from_answers`. Questions that cannot apply (a deputy director's
"sole teacher" question for a plain teacher) are never asked.

List questions (titles, periods, languages) collect items; each item is a
dict filled by the list's item questions, walked the same way with
`next_item_question`. Answers are plain JSON values (bool, int, str, list of
dicts) so a front end can store them as they are.

`scoring.answers` checks one answer (`check_answer`) and goes the other way
(`answers_from_declaration`), so a front end can load a declaration, let the
teacher change one answer and score again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from scoring.codes import DeclarationInvalid
from scoring.declaration import (
    MAX_COUNT,
    MAX_DAYS_PER_WEEK,
    SCHEMA_2,
    EligibilityFacts,
    Employment,
    Role,
    parse_declaration,
)
from scoring.eligibility import EligibilityResult, check_eligibility
from scoring.ruleset import CURRENT_RULESET, Level, Ruleset, TitleKind

Answers = Mapping[str, Any]
Item = Mapping[str, Any]


class AnswerKind(StrEnum):
    YES_NO = "yes_no"
    INTEGER = "integer"
    CHOICE = "choice"
    DATE = "date"  # an ISO date string, YYYY-MM-DD
    TEXT = "text"
    TITLES = "titles"
    PERIODS = "periods"
    LANGUAGES = "languages"


LIST_KINDS: Final = frozenset({AnswerKind.TITLES, AnswerKind.PERIODS, AnswerKind.LANGUAGES})


class Section(StrEnum):
    ELIGIBILITY = "eligibility"
    POINTS = "points"


class Part(StrEnum):
    """The parts of the interview, in order, for a progress marker that does not jump: the
    number of parts is fixed, whatever the answers (a part may have nothing to ask)."""

    ELIGIBILITY = "eligibility"
    TITLES = "titles"
    SERVICE = "service"
    EXPERIENCE = "experience"
    CERTIFICATES = "certificates"
    LANGUAGES = "languages"
    SCHOOL = "school"


PARTS: Final = tuple(Part)


def _always(answers: Answers) -> bool:
    return True


def _item_always(item: Item, others: Sequence[Item]) -> bool:
    return True


@dataclass(frozen=True)
class ItemQuestion:
    """A question about one item of a list (one title, one period, one language).

    `key` is unique in the whole interview (`titles.kind`); `name` is the key
    of the answer inside the item dict (`kind`). `field` is the declaration
    field it fills, or None for a helper question (`from_abroad`).
    """

    key: str
    name: str
    kind: AnswerKind
    field: str | None
    options: tuple[str, ...] = ()
    free_text: bool = False  # besides the options, any non-blank text is an answer
    optional: bool = False  # None is an answer ("no" / "none of these")
    # item so far, the list's other items → may this be asked?
    applies: Callable[[Item, Sequence[Item]], bool] = _item_always
    # item, the other items → the options (for answers that name another item)
    options_for: Callable[[Item, Sequence[Item]], tuple[str, ...]] | None = None

    def current_options(self, item: Item, others: Sequence[Item]) -> tuple[str, ...]:
        return self.options_for(item, others) if self.options_for else self.options


@dataclass(frozen=True)
class Question:
    """One question of the interview.

    `field` is the declaration field the answer fills (`keplinet_head_years`,
    `eligibility.role`), or None for a gate that only decides whether later
    questions apply. `criteria` are the criteria the answer feeds. For whole
    numbers, `per_unit_points`, `cap` (points) and `units_to_cap` let a front
    end say "1 point per school year, counts up to 5".
    """

    key: str
    kind: AnswerKind
    field: str | None
    section: Section
    default: Any  # the answer meaning "none": False, 0, () for lists, the eligibility default
    part: Part
    criteria: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    options: tuple[str, ...] = ()
    free_text: bool = False
    optional: bool = False  # a blank answer is allowed ("I'd rather not say")
    depends_on: tuple[str, ...] = ()  # keys the applicability reads (all asked earlier)
    applies: Callable[[Answers], bool] = _always
    items: tuple[ItemQuestion, ...] = ()
    per_unit_points: Decimal | None = None
    cap: Decimal | None = None
    units_to_cap: int | None = None

    def default_answer(self) -> Any:
        """The answer meaning "none", ready to store (a fresh list for list questions)."""
        return list(self.default) if self.kind in LIST_KINDS else self.default


@dataclass(frozen=True)
class Interview:
    ruleset: Ruleset
    questions: tuple[Question, ...]
    by_key: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {q.key: q for q in self.questions})

    def __getitem__(self, key: str) -> Question:
        return self.by_key[key]

    def applicable(self, answers: Answers) -> list[Question]:
        """The questions that apply given `answers`, in order."""
        return [q for q in self.questions if q.applies(answers)]

    def next_question(self, answers: Answers) -> Question | None:
        """The first applicable question without an answer; None when complete."""
        for question in self.questions:
            if question.key not in answers and question.applies(answers):
                return question
        return None

    def is_complete(self, answers: Answers) -> bool:
        return self.next_question(answers) is None

    def prune(self, answers: Answers) -> dict[str, Any]:
        """`answers` without those that no longer apply (after an earlier answer changed),
        and without `continues` answers that name a master no longer in the list."""
        kept: dict[str, Any] = {}
        for question in self.questions:
            if question.key in answers and question.applies(answers):
                value = answers[question.key]
                if question.kind in LIST_KINDS and isinstance(value, list):
                    value = [_prune_item(question, item, value) for item in value]
                kept[question.key] = value
        return kept

    def progress(self, answers: Answers) -> tuple[int, int]:
        """(answered, applicable) questions. The applicable ones change with the answers
        (a yes opens four questions): a front end shows `part_progress` instead."""
        applicable = self.applicable(answers)
        return sum(1 for q in applicable if q.key in answers), len(applicable)

    def part_progress(self, question: Question) -> tuple[int, int]:
        """(number of `question`'s part from 1, number of parts): "2/7", which never jumps."""
        return PARTS.index(question.part) + 1, len(PARTS)

    def eligibility_so_far(self, answers: Answers) -> EligibilityResult | None:
        """The best eligibility the answers so far still allow (questions not yet answered
        take their most favourable answer); None before any eligibility answer.

        A front end tells the teacher at once when an answer lowers it."""
        asked = [q for q in self.applicable(answers) if q.section == Section.ELIGIBILITY]
        if not any(q.key in answers for q in asked):
            return None
        hopeful = dict(answers)
        for question in asked:
            hopeful.setdefault(question.key, FAVOURABLE.get(question.key, question.default))
        # A later favourable answer may open a question (2 days and completing: the organic post).
        for question in self.applicable(hopeful):
            if question.section == Section.ELIGIBILITY:
                hopeful.setdefault(question.key, FAVOURABLE.get(question.key, question.default))
        try:
            declaration = parse_declaration(declaration_from_answers(hopeful, self))
        except DeclarationInvalid:
            return None
        facts = declaration.eligibility or EligibilityFacts()
        return check_eligibility(facts, declaration.organic_position_at_school)


# --- item questions ----------------------------------------------------------------------------


def _others_masters(item: Item, others: Sequence[Item]) -> tuple[str, ...]:
    return tuple(
        str(other["id"])
        for other in others
        if other is not item and other.get("kind") == TitleKind.MASTER and other.get("id")
    )


def _continues_applies(item: Item, others: Sequence[Item]) -> bool:
    return item.get("kind") == TitleKind.PHD and bool(_others_masters(item, others))


def _same_field_options(item: Item, others: Sequence[Item]) -> tuple[str, ...]:
    """The master's degrees a doctorate can share a field with: not the one it continues."""
    return tuple(m for m in _others_masters(item, others) if m != item.get("continues"))


def _same_field_applies(item: Item, others: Sequence[Item]) -> bool:
    """Asked after "does it continue a master's?" (clause iii's open case, revision 2)."""
    return (
        item.get("kind") == TitleKind.PHD
        and "continues" in item
        and bool(_same_field_options(item, others))
    )


def _recognised_applies(item: Item, others: Sequence[Item]) -> bool:
    return item.get("from_abroad") is True


TITLE_ITEMS: Final = (
    ItemQuestion(
        "titles.kind", "kind", AnswerKind.CHOICE, "kind", tuple(k.value for k in TitleKind)
    ),
    ItemQuestion("titles.related", "related", AnswerKind.YES_NO, "related"),
    ItemQuestion("titles.from_abroad", "from_abroad", AnswerKind.YES_NO, None),
    ItemQuestion(
        "titles.recognised",
        "recognised",
        AnswerKind.YES_NO,
        "recognised",
        applies=_recognised_applies,
    ),
    ItemQuestion(
        "titles.continues",
        "continues",
        AnswerKind.CHOICE,
        "continues",
        optional=True,
        applies=_continues_applies,
        options_for=_others_masters,
    ),
    ItemQuestion(
        "titles.same_field_as",
        "same_field_as",
        AnswerKind.CHOICE,
        "same_field_as",
        optional=True,
        applies=_same_field_applies,
        options_for=_same_field_options,
    ),
)
PERIOD_ITEMS: Final = (
    ItemQuestion("lab_experience_periods.start", "start", AnswerKind.DATE, "start"),
    ItemQuestion("lab_experience_periods.end", "end", AnswerKind.DATE, "end"),
    ItemQuestion(
        "lab_experience_periods.from_thesis", "from_thesis", AnswerKind.YES_NO, "from_thesis"
    ),
)
# Buttons for the usual foreign languages; any other language can be typed.
COMMON_LANGUAGES: Final = ("en", "fr", "de", "it", "es", "ru")
LANGUAGE_ITEMS: Final = (
    ItemQuestion(
        "languages.language",
        "language",
        AnswerKind.CHOICE,
        "language",
        COMMON_LANGUAGES,
        free_text=True,
    ),
    ItemQuestion(
        "languages.level",
        "level",
        AnswerKind.CHOICE,
        "level",
        tuple(x.value for x in reversed(Level)),
    ),
)


def next_item_question(
    question: Question, item: Item, others: Sequence[Item]
) -> ItemQuestion | None:
    """The next unanswered question about `item` of the list `question`; None when done."""
    for sub in question.items:
        if sub.name not in item and sub.applies(item, others):
            return sub
    return None


def item_complete(question: Question, item: Item, others: Sequence[Item]) -> bool:
    """Every question about `item` that applies is answered; an optional one may not be.

    A doctorate added before any master's degree was never asked whether it
    continues one; once a master's degree follows, that question applies to it
    but its answer is missing: it means "no", and the doctorate still counts.
    """
    return all(
        sub.optional or sub.name in item for sub in question.items if sub.applies(item, others)
    )


def new_title_id(items: Sequence[Item]) -> str:
    """A title id not used in `items` (`t1`, `t2`, ...): a PhD names its master by it."""
    used = {str(item.get("id")) for item in items}
    n = len(items) + 1
    while f"t{n}" in used:
        n += 1
    return f"t{n}"


def _prune_item(question: Question, item: Item, items: Sequence[Item]) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        return item
    others = [other for other in items if other is not item]
    kept = {k: v for k, v in item.items() if k == "id"}
    for sub in question.items:
        if sub.name in item and sub.applies(item, others):
            value = item[sub.name]
            if (
                sub.options_for is not None
                and not (sub.optional and value is None)
                and value not in sub.current_options(item, others)
            ):
                continue
            kept[sub.name] = value
    return kept


# --- the interview of circular 170610/Δ2 ----------------------------------------------------


def _teaches(answers: Answers) -> bool:
    return answers.get("teaches_informatics") is not False


def _is_head(answers: Answers) -> bool:
    return _teaches(answers) and answers.get("role") in (Role.DIRECTOR, Role.DEPUTY_DIRECTOR)


def _two_days(answers: Answers) -> bool:
    return _teaches(answers) and answers.get("days_per_week_at_school") == 2


def _organic_post_decides(answers: Answers) -> bool:
    """The two-day exception holds only at the school of the teacher's organic post: then
    the organic post is asked with the eligibility questions, else with the points."""
    return _two_days(answers) and answers.get("completes_hours_at_schools_with_manager") is True


def _organic_post_later(answers: Answers) -> bool:
    return not _organic_post_decides(answers)


def _served_at_keplinet(answers: Answers) -> bool:
    return answers.get("keplinet_service") is True


# The ΚΕ.ΠΛΗ.ΝΕ.Τ. service fields behind the gate question: most teachers never served there.
KEPLINET_SERVICE_FIELDS: Final = (
    "keplinet_head_years",
    "keplinet_staff_years_3plus_days",
    "keplinet_staff_years_under_3_days",
    "keplinet_acting_head_years",
)
_ELIGIBILITY_DEFAULT: Final = EligibilityFacts()
# The most favourable answers of the eligibility questions whose default is not (for
# `Interview.eligibility_so_far`: an unanswered question must not make anyone ineligible).
FAVOURABLE: Final[dict[str, Any]] = {
    "sole_informatics_teacher": True,
    "completes_hours_at_schools_with_manager": True,
    "organic_post_two_days": True,
}


def _count(ruleset: Ruleset, field_name: str, criterion: str, part: Part, **kw: Any) -> Question:
    c = ruleset.by_key[criterion]
    return Question(
        key=field_name,
        kind=AnswerKind.INTEGER,
        field=field_name,
        section=Section.POINTS,
        default=0,
        part=part,
        criteria=(criterion,),
        minimum=0,
        maximum=MAX_COUNT,
        per_unit_points=c.points,
        cap=c.cap,
        units_to_cap=c.units_to_cap,
        **kw,
    )


def _flag(
    field_name: str,
    criterion: str,
    part: Part,
    *,
    key: str | None = None,
    section: Section = Section.POINTS,
    **kw: Any,
) -> Question:
    return Question(
        key or field_name,
        AnswerKind.YES_NO,
        field_name,
        section,
        False,
        part,
        criteria=(criterion,),
        **kw,
    )


def build_interview(ruleset: Ruleset = CURRENT_RULESET) -> Interview:
    """The questions for `ruleset`, in the order they are asked.

    Eligibility comes first (a teacher who cannot be appointed learns it at
    once), then the criteria in the circular's order.
    """
    gate = {"depends_on": ("keplinet_service",), "applies": _served_at_keplinet}
    el, elig = Section.ELIGIBILITY, Part.ELIGIBILITY
    days_facts = ("teaches_informatics", "days_per_week_at_school")
    organic_facts = (*days_facts, "completes_hours_at_schools_with_manager")
    questions = (
        Question(
            "teaches_informatics",
            AnswerKind.YES_NO,
            "eligibility.teaches_informatics",
            el,
            _ELIGIBILITY_DEFAULT.teaches_informatics,
            elig,
        ),
        Question(
            "role",
            AnswerKind.CHOICE,
            "eligibility.role",
            el,
            _ELIGIBILITY_DEFAULT.role.value,
            elig,
            options=tuple(r.value for r in Role),
            depends_on=("teaches_informatics",),
            applies=_teaches,
        ),
        Question(
            "sole_informatics_teacher",
            AnswerKind.YES_NO,
            "eligibility.sole_informatics_teacher",
            el,
            _ELIGIBILITY_DEFAULT.sole_informatics_teacher,
            elig,
            depends_on=("teaches_informatics", "role"),
            applies=_is_head,
        ),
        Question(
            "employment",
            AnswerKind.CHOICE,
            "eligibility.employment",
            el,
            _ELIGIBILITY_DEFAULT.employment.value,
            elig,
            options=tuple(e.value for e in Employment),
            depends_on=("teaches_informatics",),
            applies=_teaches,
        ),
        Question(
            "days_per_week_at_school",
            AnswerKind.INTEGER,
            "eligibility.days_per_week_at_school",
            el,
            _ELIGIBILITY_DEFAULT.days_per_week_at_school,
            elig,
            minimum=0,
            maximum=MAX_DAYS_PER_WEEK,
            depends_on=("teaches_informatics",),
            applies=_teaches,
        ),
        Question(
            "completes_hours_at_schools_with_manager",
            AnswerKind.YES_NO,
            "eligibility.completes_hours_at_schools_with_manager",
            el,
            _ELIGIBILITY_DEFAULT.completes_hours_at_schools_with_manager,
            elig,
            depends_on=days_facts,
            applies=_two_days,
        ),
        # The organic post (criterion κ), asked here where the two-day exception needs it.
        _flag(
            "organic_position_at_school",
            "κ",
            elig,
            key="organic_post_two_days",
            section=el,
            depends_on=organic_facts,
            applies=_organic_post_decides,
        ),
        Question(
            "manager_at_other_school",
            AnswerKind.YES_NO,
            "eligibility.manager_at_other_school",
            el,
            _ELIGIBILITY_DEFAULT.manager_at_other_school,
            elig,
            depends_on=("teaches_informatics",),
            applies=_teaches,
        ),
        Question(
            "branch",
            AnswerKind.CHOICE,
            "eligibility.branch",
            el,
            _ELIGIBILITY_DEFAULT.branch,
            elig,
            options=("ΠΕ86", "ΠΕ19", "ΠΕ20"),
            free_text=True,
            optional=True,
        ),
        Question(
            "titles",
            AnswerKind.TITLES,
            "titles",
            Section.POINTS,
            (),
            Part.TITLES,
            criteria=tuple(
                c.key for c in ruleset.criteria if c.key in ("α", "β", "γ", "δ", "ε", "στ")
            ),
            items=TITLE_ITEMS,
        ),
        Question(
            "keplinet_service",
            AnswerKind.YES_NO,
            None,
            Section.POINTS,
            False,
            Part.SERVICE,
        ),
        _count(ruleset, "keplinet_head_years", "ζ", Part.SERVICE, **gate),
        _count(ruleset, "keplinet_staff_years_3plus_days", "η", Part.SERVICE, **gate),
        _count(ruleset, "keplinet_staff_years_under_3_days", "θ", Part.SERVICE, **gate),
        _count(ruleset, "keplinet_acting_head_years", "ι", Part.SERVICE, **gate),
        _count(ruleset, "lab_manager_effective_years", "ια", Part.SERVICE),
        _count(ruleset, "keplinet_training_years", "ιβ", Part.SERVICE),
        Question(
            "lab_experience_periods",
            AnswerKind.PERIODS,
            "lab_experience_periods",
            Section.POINTS,
            (),
            Part.EXPERIENCE,
            criteria=("ιγ",),
            items=PERIOD_ITEMS,
            per_unit_points=ruleset.by_key["ιγ"].points,
            cap=ruleset.by_key["ιγ"].cap,
            units_to_cap=ruleset.by_key["ιγ"].units_to_cap,
        ),
        _flag("ict_level_b_certified", "ιδ", Part.CERTIFICATES),
        _count(ruleset, "certified_trainer_programmes", "ιε", Part.CERTIFICATES),
        _count(ruleset, "lab_procurement_procedures", "ιστ", Part.CERTIFICATES),
        Question(
            "languages",
            AnswerKind.LANGUAGES,
            "languages",
            Section.POINTS,
            (),
            Part.LANGUAGES,
            criteria=("ιζ", "ιη", "ιθ"),
            items=LANGUAGE_ITEMS,
        ),
        _flag(
            "organic_position_at_school",
            "κ",
            Part.SCHOOL,
            depends_on=organic_facts,
            applies=_organic_post_later,
        ),
    )
    return Interview(ruleset, questions)


# The interview of the current ruleset (new interviews); `interview_for` gives any ruleset's.
INTERVIEW: Final = build_interview()
_INTERVIEWS: dict[str, Interview] = {INTERVIEW.ruleset.name: INTERVIEW}


def interview_for(ruleset: Ruleset) -> Interview:
    """The interview of `ruleset`, built once per ruleset name."""
    interview = _INTERVIEWS.get(ruleset.name)
    if interview is None or interview.ruleset is not ruleset:
        interview = _INTERVIEWS[ruleset.name] = build_interview(ruleset)
    return interview


# --- answers ↔ declaration ----------------------------------------------------------------------


def _title_to_json(item: Item, others: Sequence[Item]) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": item["kind"], "related": item["related"]}
    if item.get("id"):
        out["id"] = item["id"]
    if item.get("from_abroad") is True and "recognised" in item:
        out["recognised"] = item["recognised"]
    continues = item.get("continues")
    if item.get("kind") == TitleKind.PHD and continues in _others_masters(item, others):
        out["continues"] = continues
    same_field = item.get("same_field_as")
    if item.get("kind") == TitleKind.PHD and same_field in _same_field_options(item, others):
        out["same_field_as"] = same_field
    return out


def _period_to_json(item: Item, others: Sequence[Item]) -> dict[str, Any]:
    out: dict[str, Any] = {"start": item["start"], "end": item["end"]}
    if item.get("from_thesis"):
        out["from_thesis"] = True
    return out


def _language_to_json(item: Item, others: Sequence[Item]) -> dict[str, Any]:
    return {"language": item["language"], "level": item["level"]}


_ITEM_TO_JSON: Final[dict[AnswerKind, Callable[[Item, Sequence[Item]], dict[str, Any]]]] = {
    AnswerKind.TITLES: _title_to_json,
    AnswerKind.PERIODS: _period_to_json,
    AnswerKind.LANGUAGES: _language_to_json,
}


def declaration_from_answers(answers: Answers, interview: Interview = INTERVIEW) -> dict[str, Any]:
    """The declaration JSON object of `answers` (validate it with `parse_declaration`).

    Only applicable questions count. The `eligibility` object is present when
    any eligibility question was answered. Items that are not complete (see
    `item_complete`) are left out.
    """
    out: dict[str, Any] = {"schema": SCHEMA_2}
    eligibility: dict[str, Any] = {}
    for question in interview.applicable(answers):
        if question.key not in answers or question.field is None:
            continue
        value = answers[question.key]
        if question.kind in LIST_KINDS:
            items = [i for i in value if item_complete(question, i, value)]
            value = [_ITEM_TO_JSON[question.kind](item, items) for item in items]
        if question.field.startswith("eligibility."):
            eligibility[question.field.removeprefix("eligibility.")] = value
        else:
            out[question.field] = value
    if eligibility:
        out["eligibility"] = eligibility
    return out
