"""The declaration: what a teacher declares (spec section 1), parsed strictly.

`parse_declaration` takes the JSON object (already decoded) and returns a
`Declaration`, or raises `DeclarationInvalid` carrying every problem found,
each with the path of the field (`titles[1].continues`) and a code. Types are
strict: a bool is not an int, `"3"` is not 3, `2.0` is not 2.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final, TypeVar

from scoring.codes import DeclarationInvalid, ErrorCode, Issue, ParamValue
from scoring.ruleset import Level, TitleKind

SCHEMA: Final = "ysepehy-declaration/1"
# Revision 2 names the fields it added; both values mean the same format (spec section 1).
SCHEMA_2: Final = "ysepehy-declaration/2"
SCHEMAS: Final = (SCHEMA, SCHEMA_2)
MAX_COUNT: Final = 60  # sanity bound of every whole-number field
MAX_DAYS_PER_WEEK: Final = 7
# Sanity bounds for period dates: far outside any teacher's career, inside `date`'s range.
MIN_DATE: Final = date(1900, 1, 1)
MAX_DATE: Final = date(2100, 12, 31)
_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Role(StrEnum):
    TEACHER = "teacher"
    DIRECTOR = "director"
    DEPUTY_DIRECTOR = "deputy_director"


class Employment(StrEnum):
    """How the teacher is employed (revision 2): the last two only as a fallback (section 4)."""

    PERMANENT = "permanent"
    FULL_TIME_SUBSTITUTE = "full_time_substitute"
    REDUCED_HOURS_SUBSTITUTE = "reduced_hours_substitute"
    HOURLY_PAID = "hourly_paid"

    @property
    def only_as_fallback(self) -> bool:
        return self in (Employment.REDUCED_HOURS_SUBSTITUTE, Employment.HOURLY_PAID)


@dataclass(frozen=True, slots=True)
class Title:
    """A doctorate, master's degree or second degree (clauses ii–iv)."""

    kind: TitleKind
    related: bool
    id: str | None = None
    continues: str | None = None  # id of the master this PhD continues (same programme)
    recognised: bool = True  # False: from abroad and not recognised by Δ.Ο.Α.Τ.Α.Π.
    # id of a master's in the same field as this PhD, another programme (revision 2)
    same_field_as: str | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """Lab experience outside school; both days inclusive."""

    start: date
    end: date
    from_thesis: bool = False


@dataclass(frozen=True, slots=True)
class LanguageSkill:
    language: str  # ISO 639-1 code or a name, as the teacher wrote it
    level: Level


@dataclass(frozen=True, slots=True)
class EligibilityFacts:
    """Facts for the eligibility check (section 4); they do not change the points."""

    teaches_informatics: bool = True
    role: Role = Role.TEACHER
    sole_informatics_teacher: bool = False
    days_per_week_at_school: int = 5
    completes_hours_at_schools_with_manager: bool = False
    branch: str = ""
    employment: Employment = Employment.PERMANENT
    manager_at_other_school: bool = False


@dataclass(frozen=True, slots=True)
class Declaration:
    """A validated declaration. Counts are school years unless named otherwise."""

    titles: tuple[Title, ...] = ()
    keplinet_head_years: int = 0
    keplinet_staff_years_3plus_days: int = 0
    keplinet_staff_years_under_3_days: int = 0
    keplinet_acting_head_years: int = 0
    lab_manager_effective_years: int = 0
    keplinet_training_years: int = 0
    lab_experience_periods: tuple[Period, ...] = ()
    ict_level_b_certified: bool = False
    certified_trainer_programmes: int = 0
    lab_procurement_procedures: int = 0
    languages: tuple[LanguageSkill, ...] = ()
    organic_position_at_school: bool = False
    eligibility: EligibilityFacts | None = None

    def count(self, name: str) -> int:
        """A whole-number field by name (rules refer to fields by name)."""
        if name not in COUNT_FIELDS:
            raise KeyError(name)
        return int(getattr(self, name))

    def flag(self, name: str) -> bool:
        if name not in FLAG_FIELDS:
            raise KeyError(name)
        return bool(getattr(self, name))


COUNT_FIELDS: Final = (
    "keplinet_head_years",
    "keplinet_staff_years_3plus_days",
    "keplinet_staff_years_under_3_days",
    "keplinet_acting_head_years",
    "lab_manager_effective_years",
    "keplinet_training_years",
    "certified_trainer_programmes",
    "lab_procurement_procedures",
)
FLAG_FIELDS: Final = ("ict_level_b_certified", "organic_position_at_school")
LIST_FIELDS: Final = ("titles", "lab_experience_periods", "languages")
TOP_LEVEL_FIELDS: Final = frozenset(
    {"schema", "eligibility", *COUNT_FIELDS, *FLAG_FIELDS, *LIST_FIELDS}
)
TITLE_FIELDS: Final = frozenset(
    {"kind", "related", "id", "continues", "recognised", "same_field_as"}
)
PERIOD_FIELDS: Final = frozenset({"start", "end", "from_thesis"})
LANGUAGE_FIELDS: Final = frozenset({"language", "level"})
ELIGIBILITY_FIELDS_ORDER: Final = (
    "teaches_informatics",
    "role",
    "sole_informatics_teacher",
    "days_per_week_at_school",
    "completes_hours_at_schools_with_manager",
    "branch",
    "employment",
    "manager_at_other_school",
)
# Fields that only revision 2 names: a declaration using them is written as schema /2.
ELIGIBILITY_FIELDS_2: Final = frozenset({"employment", "manager_at_other_school"})
ELIGIBILITY_FIELDS: Final = frozenset(ELIGIBILITY_FIELDS_ORDER)

_E = TypeVar("_E", bound=StrEnum)


class _Missing:
    """Marks an absent field (None is not a JSON absence)."""


MISSING: Final = _Missing()


def join_path(base: str, key: str | int) -> str:
    """`titles` + 1 → `titles[1]`; `titles[1]` + `continues` → `titles[1].continues`."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


class _Parser:
    """Collects every issue; a field with an issue is read as absent so parsing goes on."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def fail(self, path: str, code: ErrorCode, **params: ParamValue) -> _Missing:
        self.issues.append(Issue(path, code, params))
        return MISSING

    def obj(self, value: object, path: str, allowed: frozenset[str]) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(path, ErrorCode.NOT_AN_OBJECT)
            return None
        for key in value:
            if key not in allowed:
                self.fail(join_path(path, str(key)), ErrorCode.UNKNOWN_FIELD, field=str(key))
        return value

    def integer(self, value: object, path: str, maximum: int = MAX_COUNT) -> int | _Missing:
        # bool is a subclass of int in Python, and JSON 2.0 decodes to float: both are refused.
        if type(value) is not int:
            return self.fail(path, ErrorCode.NOT_AN_INTEGER)
        if not 0 <= value <= maximum:
            return self.fail(path, ErrorCode.OUT_OF_RANGE, minimum=0, maximum=maximum)
        return value

    def boolean(self, value: object, path: str) -> bool | _Missing:
        if type(value) is not bool:
            return self.fail(path, ErrorCode.NOT_A_BOOLEAN)
        return value

    def string(self, value: object, path: str, *, blank_ok: bool = False) -> str | _Missing:
        if not isinstance(value, str):
            return self.fail(path, ErrorCode.NOT_A_STRING)
        if not blank_ok and not value.strip():
            return self.fail(path, ErrorCode.BLANK)
        return value

    def choice(self, value: object, path: str, enum: type[_E]) -> _E | _Missing:
        if not isinstance(value, str):
            return self.fail(path, ErrorCode.NOT_A_STRING)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            return self.fail(path, ErrorCode.INVALID_CHOICE, value=value, allowed=allowed)

    def day(self, value: object, path: str) -> date | _Missing:
        if not isinstance(value, str):
            return self.fail(path, ErrorCode.NOT_A_STRING)
        if not _DATE_RE.fullmatch(value):
            return self.fail(path, ErrorCode.BAD_DATE, value=value)
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return self.fail(path, ErrorCode.BAD_DATE, value=value)
        if not MIN_DATE <= parsed <= MAX_DATE:
            return self.fail(
                path,
                ErrorCode.DATE_OUT_OF_RANGE,
                value=value,
                minimum=MIN_DATE.isoformat(),
                maximum=MAX_DATE.isoformat(),
            )
        return parsed

    def items(self, value: object, path: str) -> list[object]:
        if not isinstance(value, list | tuple):
            self.fail(path, ErrorCode.NOT_A_LIST)
            return []
        return list(value)

    def required(self, obj: Mapping[str, Any], key: str, path: str) -> object:
        if key not in obj:
            return self.fail(join_path(path, key), ErrorCode.MISSING_FIELD, field=key)
        return obj[key]


_T = TypeVar("_T")


def _or(value: _T | _Missing, default: _T) -> _T:
    return default if isinstance(value, _Missing) else value


def _optional(
    p: _Parser,
    obj: Mapping[str, Any],
    key: str,
    path: str,
    read: Callable[[object, str], _T | _Missing],
    default: _T,
) -> _T:
    if key not in obj:
        return default
    return _or(read(obj[key], join_path(path, key)), default)


def _title(p: _Parser, value: object, path: str) -> Title | None:
    obj = p.obj(value, path, TITLE_FIELDS)
    if obj is None:
        return None
    kind = p.required(obj, "kind", path)
    related = p.required(obj, "related", path)
    kind_v = kind if isinstance(kind, _Missing) else p.choice(kind, f"{path}.kind", TitleKind)
    related_v = related if isinstance(related, _Missing) else p.boolean(related, f"{path}.related")
    id_ = _optional(p, obj, "id", path, p.string, None)
    continues = _optional(p, obj, "continues", path, p.string, None)
    recognised = _optional(p, obj, "recognised", path, p.boolean, True)
    same_field_as = _optional(p, obj, "same_field_as", path, p.string, None)
    not_phd = not isinstance(kind_v, _Missing) and kind_v != TitleKind.PHD
    if continues is not None and not_phd:
        assert not isinstance(kind_v, _Missing)
        p.fail(f"{path}.continues", ErrorCode.CONTINUES_ONLY_FOR_PHD, kind=kind_v.value)
        continues = None
    if same_field_as is not None and not_phd:
        assert not isinstance(kind_v, _Missing)
        p.fail(f"{path}.same_field_as", ErrorCode.SAME_FIELD_ONLY_FOR_PHD, kind=kind_v.value)
        same_field_as = None
    if same_field_as is not None and same_field_as == continues:
        p.fail(f"{path}.same_field_as", ErrorCode.SAME_FIELD_IS_CONTINUED, id=same_field_as)
        same_field_as = None
    if isinstance(kind_v, _Missing) or isinstance(related_v, _Missing):
        return None
    return Title(kind_v, related_v, id_, continues, recognised, same_field_as)


def _period(p: _Parser, value: object, path: str) -> Period | None:
    obj = p.obj(value, path, PERIOD_FIELDS)
    if obj is None:
        return None
    start = p.required(obj, "start", path)
    end = p.required(obj, "end", path)
    start_v = start if isinstance(start, _Missing) else p.day(start, f"{path}.start")
    end_v = end if isinstance(end, _Missing) else p.day(end, f"{path}.end")
    from_thesis = _optional(p, obj, "from_thesis", path, p.boolean, False)
    if isinstance(start_v, _Missing) or isinstance(end_v, _Missing):
        return None
    if start_v > end_v:
        p.fail(
            f"{path}.end",
            ErrorCode.START_AFTER_END,
            start=start_v.isoformat(),
            end=end_v.isoformat(),
        )
        return None
    return Period(start_v, end_v, from_thesis)


def _language(p: _Parser, value: object, path: str) -> LanguageSkill | None:
    obj = p.obj(value, path, LANGUAGE_FIELDS)
    if obj is None:
        return None
    language = p.required(obj, "language", path)
    level = p.required(obj, "level", path)
    language_v = (
        language if isinstance(language, _Missing) else p.string(language, f"{path}.language")
    )
    level_v = level if isinstance(level, _Missing) else p.choice(level, f"{path}.level", Level)
    if isinstance(language_v, _Missing) or isinstance(level_v, _Missing):
        return None
    return LanguageSkill(language_v, level_v)


def _eligibility(p: _Parser, value: object, path: str) -> EligibilityFacts | None:
    obj = p.obj(value, path, ELIGIBILITY_FIELDS)
    if obj is None:
        return None
    d = EligibilityFacts()

    def days(v: object, at: str) -> int | _Missing:
        return p.integer(v, at, MAX_DAYS_PER_WEEK)

    def role(v: object, at: str) -> Role | _Missing:
        return p.choice(v, at, Role)

    def branch(v: object, at: str) -> str | _Missing:
        return p.string(v, at, blank_ok=True)

    def employment(v: object, at: str) -> Employment | _Missing:
        return p.choice(v, at, Employment)

    return EligibilityFacts(
        teaches_informatics=_optional(
            p, obj, "teaches_informatics", path, p.boolean, d.teaches_informatics
        ),
        role=_optional(p, obj, "role", path, role, d.role),
        sole_informatics_teacher=_optional(
            p, obj, "sole_informatics_teacher", path, p.boolean, d.sole_informatics_teacher
        ),
        days_per_week_at_school=_optional(
            p, obj, "days_per_week_at_school", path, days, d.days_per_week_at_school
        ),
        completes_hours_at_schools_with_manager=_optional(
            p,
            obj,
            "completes_hours_at_schools_with_manager",
            path,
            p.boolean,
            d.completes_hours_at_schools_with_manager,
        ),
        branch=_optional(p, obj, "branch", path, branch, d.branch),
        employment=_optional(p, obj, "employment", path, employment, d.employment),
        manager_at_other_school=_optional(
            p, obj, "manager_at_other_school", path, p.boolean, d.manager_at_other_school
        ),
    )


def _check_title_links(p: _Parser, raw_titles: list[object], titles: list[Title | None]) -> None:
    """Ids are unique; `continues` names a master's title of the same declaration."""
    kinds_by_id: dict[str, TitleKind | None] = {}
    for index, raw in enumerate(raw_titles):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            continue
        id_ = raw["id"]
        if not id_.strip():
            continue
        if id_ in kinds_by_id:
            p.fail(f"titles[{index}].id", ErrorCode.DUPLICATE_ID, id=id_)
            continue
        title = titles[index]
        kinds_by_id[id_] = title.kind if title is not None else None
    for index, title in enumerate(titles):
        if title is None:
            continue
        links = (
            ("continues", title.continues, ErrorCode.DANGLING_CONTINUES,
             ErrorCode.CONTINUES_NOT_A_MASTER),
            ("same_field_as", title.same_field_as, ErrorCode.DANGLING_SAME_FIELD,
             ErrorCode.SAME_FIELD_NOT_A_MASTER),
        )  # fmt: skip
        for name, target_id, dangling, not_master in links:
            if target_id is None:
                continue
            path = f"titles[{index}].{name}"
            if target_id not in kinds_by_id:
                p.fail(path, dangling, id=target_id)
                continue
            target = kinds_by_id[target_id]
            if target is not None and target != TitleKind.MASTER:
                p.fail(path, not_master, id=target_id, kind=target.value)


def parse_declaration(value: object) -> Declaration:
    """Validate a decoded JSON declaration; raise `DeclarationInvalid` listing every issue."""
    p = _Parser()
    obj = p.obj(value, "", TOP_LEVEL_FIELDS)
    if obj is None:
        raise DeclarationInvalid(p.issues)
    if "schema" in obj and obj["schema"] not in SCHEMAS:
        schema = obj["schema"]
        shown = schema if isinstance(schema, str) else type(schema).__name__
        p.fail("schema", ErrorCode.WRONG_SCHEMA, value=shown, expected=" | ".join(SCHEMAS))

    scalars: dict[str, Any] = {
        name: _optional(p, obj, name, "", p.integer, 0) for name in COUNT_FIELDS if name in obj
    }
    scalars.update(
        {
            name: _optional(p, obj, name, "", p.boolean, False)
            for name in FLAG_FIELDS
            if name in obj
        }
    )

    raw_titles = p.items(obj["titles"], "titles") if "titles" in obj else []
    titles = [_title(p, raw, f"titles[{i}]") for i, raw in enumerate(raw_titles)]
    _check_title_links(p, raw_titles, titles)
    raw_periods = (
        p.items(obj["lab_experience_periods"], "lab_experience_periods")
        if "lab_experience_periods" in obj
        else []
    )
    periods = [
        _period(p, raw, f"lab_experience_periods[{i}]") for i, raw in enumerate(raw_periods)
    ]
    raw_languages = p.items(obj["languages"], "languages") if "languages" in obj else []
    languages = [_language(p, raw, f"languages[{i}]") for i, raw in enumerate(raw_languages)]
    eligibility = (
        _eligibility(p, obj["eligibility"], "eligibility") if "eligibility" in obj else None
    )

    if p.issues:
        raise DeclarationInvalid(p.issues)
    return Declaration(
        titles=tuple(t for t in titles if t is not None),
        lab_experience_periods=tuple(x for x in periods if x is not None),
        languages=tuple(x for x in languages if x is not None),
        eligibility=eligibility,
        **scalars,
    )


def declaration_to_json(declaration: Declaration) -> dict[str, Any]:
    """The declaration as its JSON object, leaving out values equal to the defaults.

    `parse_declaration(declaration_to_json(d)) == d` for every valid declaration. The
    schema is `ysepehy-declaration/2` only when a field of revision 2 is used, so that a
    reader of revision 1 still reads every declaration that needs nothing newer.
    """
    out: dict[str, Any] = {"schema": schema_for(declaration)}
    if declaration.titles:
        out["titles"] = [_title_json(t) for t in declaration.titles]
    for name in COUNT_FIELDS:
        if declaration.count(name):
            out[name] = declaration.count(name)
    for name in FLAG_FIELDS:
        if declaration.flag(name):
            out[name] = True
    if declaration.lab_experience_periods:
        out["lab_experience_periods"] = [
            {"start": x.start.isoformat(), "end": x.end.isoformat()}
            | ({"from_thesis": True} if x.from_thesis else {})
            for x in declaration.lab_experience_periods
        ]
    if declaration.languages:
        out["languages"] = [
            {"language": x.language, "level": x.level.value} for x in declaration.languages
        ]
    if declaration.eligibility is not None:
        out["eligibility"] = _eligibility_json(declaration.eligibility)
    return out


def uses_revision_2(declaration: Declaration) -> bool:
    """The declaration uses a field that only revision 2 names."""
    if any(t.same_field_as is not None for t in declaration.titles):
        return True
    facts = declaration.eligibility
    default = EligibilityFacts()
    return facts is not None and any(
        getattr(facts, name) != getattr(default, name) for name in ELIGIBILITY_FIELDS_2
    )


def schema_for(declaration: Declaration) -> str:
    return SCHEMA_2 if uses_revision_2(declaration) else SCHEMA


def _title_json(title: Title) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": title.kind.value, "related": title.related}
    if title.id is not None:
        out["id"] = title.id
    if title.continues is not None:
        out["continues"] = title.continues
    if not title.recognised:
        out["recognised"] = False
    if title.same_field_as is not None:
        out["same_field_as"] = title.same_field_as
    return out


def _eligibility_json(facts: EligibilityFacts) -> dict[str, Any]:
    default = EligibilityFacts()
    out: dict[str, Any] = {}
    for name in ELIGIBILITY_FIELDS_ORDER:
        value = getattr(facts, name)
        if value != getattr(default, name):
            out[name] = value.value if isinstance(value, StrEnum) else value
    return out


__all__ = [
    "COUNT_FIELDS",
    "FLAG_FIELDS",
    "SCHEMA",
    "SCHEMAS",
    "SCHEMA_2",
    "Declaration",
    "EligibilityFacts",
    "Employment",
    "LanguageSkill",
    "Period",
    "Role",
    "Title",
    "declaration_to_json",
    "parse_declaration",
]
