"""The points engine: a `Declaration` and a `Ruleset` in, a `ScoreResult` out.

Each source type of the ruleset has one measuring rule here; everything else
(points, per unit or once, caps, rounding) is read from the criterion. Inside,
quantities are exact fractions; results are `Decimal`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from scoring.codes import Note, NoteCode
from scoring.dates import ONE_DAY, inclusive_span
from scoring.declaration import Declaration, LanguageSkill, Period, Title, parse_declaration
from scoring.eligibility import EligibilityResult, check_eligibility
from scoring.numbers import exact_decimal, round_half_up
from scoring.ruleset import (
    CURRENT_RULESET,
    CountSource,
    Criterion,
    FlagSource,
    LabExperienceSource,
    LanguageLevelSource,
    Level,
    Ruleset,
    Source,
    TitleKind,
    TitleSource,
)

# Spec revision 2: an ISO 639-1 code and its English and Greek names are one language
# (compared after trimming, case folding and dropping accents). Any other string is its own
# language. code → (English, Greek).
LANGUAGES: Final[dict[str, tuple[str, str]]] = {
    "en": ("english", "αγγλικα"),
    "fr": ("french", "γαλλικα"),
    "de": ("german", "γερμανικα"),
    "it": ("italian", "ιταλικα"),
    "es": ("spanish", "ισπανικα"),
    "pt": ("portuguese", "πορτογαλικα"),
    "ru": ("russian", "ρωσικα"),
    "tr": ("turkish", "τουρκικα"),
    "nl": ("dutch", "ολλανδικα"),
    "sv": ("swedish", "σουηδικα"),
    "da": ("danish", "δανικα"),
    "fi": ("finnish", "φινλανδικα"),
    "pl": ("polish", "πολωνικα"),
    "cs": ("czech", "τσεχικα"),
    "hu": ("hungarian", "ουγγρικα"),
    "ro": ("romanian", "ρουμανικα"),
    "bg": ("bulgarian", "βουλγαρικα"),
    "sq": ("albanian", "αλβανικα"),
    "ar": ("arabic", "αραβικα"),
    "zh": ("chinese", "κινεζικα"),
    "ja": ("japanese", "ιαπωνικα"),
    "el": ("greek", "ελληνικα"),
}
# Other spellings of Greek: the teachers' own language, never a foreign one (criteria ιζ–ιθ).
GREEK_NAMES: Final = frozenset({"ell", "gre", "gr", "modern greek", "ελληνικη", "νεα ελληνικα"})
_CODE_OF: Final[dict[str, str]] = {
    **{name: code for code, names in LANGUAGES.items() for name in (code, *names)},
    **dict.fromkeys(GREEK_NAMES, "el"),
}


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's outcome.

    `points` are selection points. `quantity` is what was counted, in the
    criterion's unit: titles, school years, calendar years (ιγ, to 3 decimals),
    programmes, procedures, languages, or 1/0 for a yes/no criterion.
    """

    key: str
    points: Decimal
    quantity: Decimal
    capped: bool  # the points reached the criterion's cap
    clause: str  # e.g. "2.ζ"


@dataclass(frozen=True)
class ScoreResult:
    ruleset: Ruleset
    criteria: tuple[CriterionResult, ...]  # in the ruleset's order, all of them
    total: Decimal  # points: the plain sum of the criteria
    notes: tuple[Note, ...]
    eligibility: EligibilityResult | None  # None when the declaration had no eligibility facts
    # points: the total when each `same_field_as` pair also counts once (revision 2); ≤ total
    total_min: Decimal
    by_key: dict[str, CriterionResult] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {c.key: c for c in self.criteria})

    def __getitem__(self, key: str) -> CriterionResult:
        return self.by_key[key]

    @property
    def met(self) -> tuple[CriterionResult, ...]:
        """The criteria that give points."""
        return tuple(c for c in self.criteria if c.points > 0)


@dataclass
class _Facts:
    """What the measuring rules read, worked out once per declaration."""

    counted_titles: list[Title]
    lab_years: Fraction  # calendar years, exact
    best_levels: dict[str, Level]  # language key → best level


def _normalise(language: str) -> str:
    folded = unicodedata.normalize("NFD", language.strip().casefold())
    return " ".join("".join(ch for ch in folded if not unicodedata.combining(ch)).split())


def language_key(language: str) -> str:
    """How languages are compared: trimmed, case-folded, without accents, and a known
    language's code or names as its ISO code (`Αγγλικά`, `English`, `EN` → `en`)."""
    normal = _normalise(language)
    return _CODE_OF.get(normal, normal)


def is_greek(language: str) -> bool:
    return language_key(language) == "el"


def _title_worth(ruleset: Ruleset, title: Title) -> Decimal:
    criterion = ruleset.title_criterion(title.kind, title.related)
    return criterion.points if criterion is not None else Decimal(0)


def counted_titles(
    declaration: Declaration, ruleset: Ruleset, *, strict: bool = False
) -> tuple[list[Title], list[Note]]:
    """Titles that score (clauses ii–iv), with notes on those that do not.

    Unrecognised titles from abroad are dropped first. A PhD that continues a
    master of the same programme forms a pair that counts once: the title worth
    more points stays (the PhD on a tie). A master continued by several PhDs
    is dropped if any of its pairings drops it. `strict` (for `total_min`,
    revision 2): a PhD `same_field_as` a master forms such a pair too.
    """
    notes: list[Note] = []
    titles = declaration.titles
    recognised: dict[int, Title] = {}
    for index, title in enumerate(titles):
        if title.recognised:
            recognised[index] = title
        else:
            notes.append(
                Note(
                    NoteCode.TITLE_NOT_RECOGNISED,
                    {"position": index + 1, "kind": title.kind.value},
                )
            )
    index_by_id = {t.id: i for i, t in recognised.items() if t.id is not None}
    dropped: set[int] = set()
    pairs = [
        (index, index_by_id[target])
        for index, title in recognised.items()
        if title.kind == TitleKind.PHD
        for target in (title.continues, title.same_field_as if strict else None)
        if target in index_by_id
    ]
    for index, master_index in pairs:
        title = recognised[index]
        master = recognised[master_index]
        if _title_worth(ruleset, title) >= _title_worth(ruleset, master):
            kept, gone = index, master_index
        else:
            kept, gone = master_index, index
        dropped.add(gone)
        if titles[index].continues != titles[master_index].id:
            continue  # a same-field pair of the strict reading: `score` notes it once
        kept_criterion = ruleset.title_criterion(titles[kept].kind, titles[kept].related)
        notes.append(
            Note(
                NoteCode.TITLE_PAIR_COUNTED_ONCE,
                {
                    "kept_position": kept + 1,
                    "kept_kind": titles[kept].kind.value,
                    "kept_criterion": kept_criterion.key if kept_criterion else "",
                    "dropped_position": gone + 1,
                    "dropped_kind": titles[gone].kind.value,
                },
            )
        )
    return [t for i, t in recognised.items() if i not in dropped], notes


def merge_periods(periods: Iterable[Period]) -> list[Period]:
    """Overlapping or touching periods (end + 1 day ≥ next start) merged, by start date."""
    merged: list[Period] = []
    for period in sorted(periods, key=lambda p: (p.start, p.end)):
        if merged and period.start <= merged[-1].end + ONE_DAY:
            last = merged[-1]
            merged[-1] = Period(last.start, max(last.end, period.end))
        else:
            merged.append(Period(period.start, period.end))
    return merged


def lab_experience_years(periods: Iterable[Period]) -> tuple[Fraction, list[Note]]:
    """Calendar years of lab experience (clauses i, viii): thesis periods out, overlaps merged."""
    notes: list[Note] = []
    kept: list[Period] = []
    for index, period in enumerate(periods):
        if period.from_thesis:
            notes.append(
                Note(
                    NoteCode.THESIS_PERIOD_EXCLUDED,
                    {
                        "position": index + 1,
                        "start": period.start.isoformat(),
                        "end": period.end.isoformat(),
                    },
                )
            )
        else:
            kept.append(period)
    merged = merge_periods(kept)
    if len(merged) < len(kept):
        notes.append(Note(NoteCode.PERIODS_MERGED, {"count": len(kept), "merged": len(merged)}))
    days_360 = sum(inclusive_span(p.start, p.end).in_360ths() for p in merged)
    return Fraction(days_360, 360), notes


def best_levels(languages: Iterable[LanguageSkill]) -> tuple[dict[str, Level], list[Note]]:
    """The best level of each foreign language (clause xii); Greek is left out."""
    notes: list[Note] = []
    best: dict[str, Level] = {}
    shown: dict[str, str] = {}
    seen: dict[str, int] = {}
    for index, skill in enumerate(languages):
        if is_greek(skill.language):
            notes.append(
                Note(
                    NoteCode.GREEK_NOT_FOREIGN,
                    {"position": index + 1, "language": skill.language.strip()},
                )
            )
            continue
        key = language_key(skill.language)
        shown.setdefault(key, skill.language.strip())
        seen[key] = seen.get(key, 0) + 1
        if key not in best or skill.level.rank > best[key].rank:
            best[key] = skill.level
    for key, level in best.items():
        if seen[key] > 1:
            notes.append(
                Note(
                    NoteCode.LANGUAGE_BEST_LEVEL_ONLY,
                    {"language": shown[key], "count": seen[key], "level": level.value},
                )
            )
        if level.rank < Level.B2.rank:
            notes.append(
                Note(NoteCode.LEVEL_BELOW_B2, {"language": shown[key], "level": level.value})
            )
    return best, notes


# --- measuring rules: one per source type --------------------------------------------------


def _measure_titles(source: TitleSource, declaration: Declaration, facts: _Facts) -> Quantity:
    return sum(
        1 for t in facts.counted_titles if t.kind == source.kind and t.related == source.related
    )


def _measure_count(source: CountSource, declaration: Declaration, facts: _Facts) -> Quantity:
    return declaration.count(source.field)


def _measure_flag(source: FlagSource, declaration: Declaration, facts: _Facts) -> Quantity:
    return 1 if declaration.flag(source.field) else 0


def _measure_lab(source: LabExperienceSource, declaration: Declaration, facts: _Facts) -> Quantity:
    return facts.lab_years


def _measure_language(
    source: LanguageLevelSource, declaration: Declaration, facts: _Facts
) -> Quantity:
    return sum(1 for level in facts.best_levels.values() if level == source.level)


# Whole quantities (counts) or exact fractions (pro-rated calendar years).
Quantity = int | Fraction
_Measure = Callable[[Source, Declaration, _Facts], Quantity]
MEASURES: Final[dict[type, _Measure]] = {
    TitleSource: _measure_titles,  # type: ignore[dict-item]
    CountSource: _measure_count,  # type: ignore[dict-item]
    FlagSource: _measure_flag,  # type: ignore[dict-item]
    LabExperienceSource: _measure_lab,  # type: ignore[dict-item]
    LanguageLevelSource: _measure_language,  # type: ignore[dict-item]
}


def _to_decimal(value: Decimal | Fraction | int, criterion: Criterion) -> Decimal:
    if criterion.decimals is not None:
        return round_half_up(value, criterion.decimals)
    return exact_decimal(value)


_ZERO: Final = Decimal(0)


def _apply(criterion: Criterion, quantity: Quantity, notes: list[Note]) -> CriterionResult:
    if not quantity:  # most criteria of most declarations: nothing to compute, nothing to note
        return CriterionResult(criterion.key, _ZERO, _ZERO, False, criterion.clause)
    # Whole quantities stay in Decimal, exact and fast (points × count has few digits);
    # a fractional quantity (ιγ) is computed in Fraction and rounded once at the end.
    unit_points: Any = criterion.points
    cap: Any = criterion.cap
    if isinstance(quantity, Fraction):
        unit_points = Fraction(unit_points)
        cap = None if cap is None else Fraction(cap)
    capped = False
    if criterion.per_unit:
        raw = unit_points * quantity
        value = raw
        if cap is not None:
            capped = quantity > 0 and raw >= cap
            if raw > cap:
                value = cap
                notes.append(
                    Note(
                        NoteCode.CAP_REACHED,
                        {
                            "criterion": criterion.key,
                            "points": exact_decimal(cap),
                            "uncapped": _to_decimal(raw, criterion),
                        },
                    )
                )
    else:
        value = unit_points if quantity > 0 else Decimal(0)
        if quantity > 1:
            notes.append(
                Note(
                    NoteCode.CRITERION_AWARDED_ONCE,
                    {"criterion": criterion.key, "count": int(quantity)},
                )
            )
    return CriterionResult(
        key=criterion.key,
        points=_to_decimal(value, criterion),
        quantity=_to_decimal(quantity, criterion),
        capped=capped,
        clause=criterion.clause,
    )


def score(declaration: Declaration, ruleset: Ruleset = CURRENT_RULESET) -> ScoreResult:
    """Score a validated declaration under `ruleset` (by default the current circular)."""
    titles, title_notes = counted_titles(declaration, ruleset)
    lab_years, lab_notes = lab_experience_years(declaration.lab_experience_periods)
    levels, language_notes = best_levels(declaration.languages)
    facts = _Facts(titles, lab_years, levels)
    notes = [*title_notes, *lab_notes, *language_notes]
    results = tuple(
        _apply(
            criterion,
            MEASURES[type(criterion.source)](criterion.source, declaration, facts),
            notes,
        )
        for criterion in ruleset.criteria
    )
    total = exact_decimal(sum((r.points for r in results), Decimal(0)))
    total_min = total
    if any(t.same_field_as is not None for t in declaration.titles):
        total_min = _strict_total(declaration, ruleset, facts, results)
        if total_min < total:
            notes.extend(_same_field_notes(declaration, total_min))
    eligibility = (
        check_eligibility(declaration.eligibility, declaration.organic_position_at_school)
        if declaration.eligibility is not None
        else None
    )
    return ScoreResult(ruleset, results, total, tuple(notes), eligibility, total_min)


def _strict_total(
    declaration: Declaration,
    ruleset: Ruleset,
    facts: _Facts,
    results: tuple[CriterionResult, ...],
) -> Decimal:
    """The total when every `same_field_as` pair counts once, like a `continues` pair."""
    strict_titles, _notes = counted_titles(declaration, ruleset, strict=True)
    strict_facts = _Facts(strict_titles, facts.lab_years, facts.best_levels)
    total = Decimal(0)
    for criterion, result in zip(ruleset.criteria, results, strict=True):
        if isinstance(criterion.source, TitleSource):
            quantity = _measure_titles(criterion.source, declaration, strict_facts)
            total += _apply(criterion, quantity, []).points
        else:
            total += result.points
    return exact_decimal(total)


def _same_field_notes(declaration: Declaration, total_min: Decimal) -> list[Note]:
    position = {t.id: i for i, t in enumerate(declaration.titles) if t.id is not None}
    return [
        Note(
            NoteCode.SAME_FIELD_BOTH_COUNTED,
            {
                "phd_position": index + 1,
                "master_position": position[title.same_field_as] + 1,
                "total_min": total_min,
            },
        )
        for index, title in enumerate(declaration.titles)
        if title.same_field_as is not None and title.recognised and title.same_field_as in position
    ]


def score_object(value: object, ruleset: Ruleset = CURRENT_RULESET) -> ScoreResult:
    """Validate a decoded JSON declaration and score it (raises `DeclarationInvalid`)."""
    return score(parse_declaration(value), ruleset)
