"""The scoring rules as data: one table per circular.

A criterion says what it measures (its `source`), how many points a unit is
worth, whether it is awarded once or per unit, its cap, the clause of the
circular it comes from and the documents that prove it. The engine
(`scoring.engine`) knows one measuring rule per source type; a later circular
is a new `Ruleset` table, plus a new source type only if it measures something
new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from math import ceil
from typing import Final


class TitleKind(StrEnum):
    PHD = "phd"
    MASTER = "master"
    SECOND_DEGREE = "second_degree"


class Level(StrEnum):
    """CEFR levels of a language certificate, lowest first."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self)


LEVEL_ORDER: tuple[Level, ...] = tuple(Level)


class Unit(StrEnum):
    """What a criterion's raw quantity counts."""

    TITLE = "title"
    SCHOOL_YEAR = "school_year"
    CALENDAR_YEAR = "calendar_year"
    PROGRAMME = "programme"
    PROCEDURE = "procedure"
    LANGUAGE = "language"
    FLAG = "flag"  # a yes/no fact: quantity 1 or 0


class Document(StrEnum):
    """Documents that prove a criterion (clauses ii, v–xii of the circular)."""

    DEGREE_CERTIFICATE = "degree_certificate"
    DOATAP_RECOGNITION = "doatap_recognition"  # ii: titles from abroad only
    SERVICE_ACTS = "service_acts"  # v, xi
    SCHOOL_DIRECTOR_REPORTS = "school_director_reports"  # vi
    KEPLINET_HEAD_ATTENDANCE_CERTIFICATE = "keplinet_head_attendance_certificate"  # vii
    EMPLOYER_CERTIFICATE = "employer_certificate"  # viii: kind of lab work, exact duration
    CERTIFICATION_BODY_CERTIFICATE = "certification_body_certificate"  # ix
    TRAINER_CERTIFICATION_CERTIFICATE = "trainer_certification_certificate"  # x
    PROGRAMME_HEAD_CERTIFICATE = "programme_head_certificate"  # x
    LANGUAGE_CERTIFICATE = "language_certificate"  # xii: as ΑΣΕΠ defines
    ORGANIC_POST_ACT = "organic_post_act"


# --- sources: what a criterion measures -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TitleSource:
    """Counted titles of one kind, related to the post or not (clauses ii–iv)."""

    kind: TitleKind
    related: bool


@dataclass(frozen=True, slots=True)
class CountSource:
    """A whole-number field of the declaration (school years, programmes, procedures)."""

    field: str


@dataclass(frozen=True, slots=True)
class FlagSource:
    """A yes/no field of the declaration."""

    field: str


@dataclass(frozen=True, slots=True)
class LabExperienceSource:
    """Calendar years of lab experience outside school, pro-rated (clauses i, viii)."""


@dataclass(frozen=True, slots=True)
class LanguageLevelSource:
    """Foreign languages whose best level is exactly `level` (clause xii)."""

    level: Level


Source = TitleSource | CountSource | FlagSource | LabExperienceSource | LanguageLevelSource


@dataclass(frozen=True, slots=True)
class Criterion:
    """One scoring criterion. Points are selection points (μόρια)."""

    key: str
    label: str  # the circular's wording (Greek)
    points: Decimal  # per unit, or once
    per_unit: bool
    cap: Decimal | None  # maximum points of this criterion; None: awarded once
    clause: str  # e.g. "2.α"
    clarifications: tuple[str, ...]  # clauses i–xii that apply
    documents: tuple[Document, ...]
    source: Source
    unit: Unit
    decimals: int | None = None  # round half-up to this many places (None: exact)

    @property
    def max_points(self) -> Decimal:
        """The most this criterion can give (its cap, or its points if awarded once)."""
        if self.per_unit:
            if self.cap is None:
                raise ValueError(f"criterion {self.key} is per unit without a cap")
            return self.cap
        return self.points

    @property
    def units_to_cap(self) -> int | None:
        """Units after which more count nothing (ζ: 5 school years); None if awarded once."""
        if not self.per_unit or self.cap is None:
            return None
        return ceil(Fraction(self.cap) / Fraction(self.points))


@dataclass(frozen=True)
class Ruleset:
    """A circular's criteria, in the circular's order."""

    name: str  # e.g. "170610/Δ2/2016"
    circular: str
    date: str  # ISO date of the circular
    criteria: tuple[Criterion, ...]
    by_key: dict[str, Criterion] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = [c.key for c in self.criteria]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate criterion keys in {self.name}")
        object.__setattr__(self, "by_key", {c.key: c for c in self.criteria})

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)

    @property
    def max_total(self) -> Decimal:
        """The highest total the table allows (55 points for 170610/Δ2)."""
        return sum((c.max_points for c in self.criteria), Decimal(0))

    def title_criterion(self, kind: TitleKind, related: bool) -> Criterion | None:
        for criterion in self.criteria:
            source = criterion.source
            if isinstance(source, TitleSource) and (source.kind, source.related) == (
                kind,
                related,
            ):
                return criterion
        return None


_TITLE_DOCS = (Document.DEGREE_CERTIFICATE, Document.DOATAP_RECOGNITION)


def _c(
    key: str,
    label: str,
    points: str,
    source: Source,
    unit: Unit,
    *,
    cap: str | None = None,
    clarifications: tuple[str, ...] = (),
    documents: tuple[Document, ...] = (),
    decimals: int | None = None,
) -> Criterion:
    return Criterion(
        key=key,
        label=label,
        points=Decimal(points),
        per_unit=cap is not None,
        cap=None if cap is None else Decimal(cap),
        clause=f"2.{key}",
        clarifications=clarifications,
        documents=documents,
        source=source,
        unit=unit,
        decimals=decimals,
    )


# fmt: off
RULESET_170610_D2_2016 = Ruleset(
    name="170610/Δ2/2016",
    circular="Εγκύκλιος 170610/Δ2/13-10-2016 ΥΠ.Π.Ε.Θ.: Επιλογή και αρμοδιότητες Υ.Σ.Ε.Π.Ε.Η.Υ.",
    date="2016-10-13",
    criteria=(
        _c("α", "Διδακτορικό δίπλωμα σε συναφές γνωστικό αντικείμενο", "6",
           TitleSource(TitleKind.PHD, related=True), Unit.TITLE,
           clarifications=("ii", "iii"), documents=_TITLE_DOCS),
        _c("β", "Διδακτορικό δίπλωμα σε μη συναφές γνωστικό αντικείμενο", "2",
           TitleSource(TitleKind.PHD, related=False), Unit.TITLE,
           clarifications=("ii", "iv"), documents=_TITLE_DOCS),
        _c("γ", "Μεταπτυχιακός τίτλος σπουδών σε συναφές γνωστικό αντικείμενο", "4",
           TitleSource(TitleKind.MASTER, related=True), Unit.TITLE,
           clarifications=("ii", "iii"), documents=_TITLE_DOCS),
        _c("δ", "Μεταπτυχιακός τίτλος σπουδών σε μη συναφές γνωστικό αντικείμενο", "1",
           TitleSource(TitleKind.MASTER, related=False), Unit.TITLE,
           clarifications=("ii", "iv"), documents=_TITLE_DOCS),
        _c("ε", "Δεύτερο πτυχίο Α.Ε.Ι. ή Τ.Ε.Ι. σε συναφές γνωστικό αντικείμενο", "2",
           TitleSource(TitleKind.SECOND_DEGREE, related=True), Unit.TITLE,
           clarifications=("ii",), documents=_TITLE_DOCS),
        _c("στ", "Δεύτερο πτυχίο Α.Ε.Ι. ή Τ.Ε.Ι. σε μη συναφές γνωστικό αντικείμενο", "0.5",
           TitleSource(TitleKind.SECOND_DEGREE, related=False), Unit.TITLE,
           clarifications=("ii",), documents=_TITLE_DOCS),
        _c("ζ", "Θητεία ως Υπεύθυνος/η ή Τεχνικός/ή Υπεύθυνος/η Κέντρου Πληροφορικής και "
           "Νέων Τεχνολογιών (Υ.ΚΕ.ΠΛΗ.ΝΕ.Τ. ή Τ.Υ.ΚΕ.ΠΛΗ.ΝΕ.Τ. αντίστοιχα)", "1",
           CountSource("keplinet_head_years"), Unit.SCHOOL_YEAR, cap="5",
           clarifications=("i", "v"), documents=(Document.SERVICE_ACTS,)),
        _c("η", "Υπηρεσία σε Κέντρο Πληροφορικής και Νέων Τεχνολογιών (ΚΕ.ΠΛΗ.ΝΕ.Τ.) ως "
           "συνεργάτης/τιδα για τουλάχιστον τρεις (3) ημέρες την εβδομάδα, μετά από απόσπαση "
           "ή διάθεση, μερική ή ολική", "0.5",
           CountSource("keplinet_staff_years_3plus_days"), Unit.SCHOOL_YEAR, cap="3",
           clarifications=("i", "v"), documents=(Document.SERVICE_ACTS,)),
        _c("θ", "Υπηρεσία σε ΚΕ.ΠΛΗ.ΝΕ.Τ. ως συνεργάτης/τιδα για λιγότερες από τρεις (3) "
           "ημέρες την εβδομάδα, μετά από απόσπαση ή διάθεση, μερική ή ολική", "0.25",
           CountSource("keplinet_staff_years_under_3_days"), Unit.SCHOOL_YEAR, cap="3",
           clarifications=("i", "v"), documents=(Document.SERVICE_ACTS,)),
        _c("ι", "Άσκηση καθηκόντων ως Υ.ΚΕ.ΠΛΗ.ΝΕ.Τ. ή Τ.Υ.ΚΕ.ΠΛΗ.ΝΕ.Τ., με τοποθέτηση ως "
           "αναπληρωτής/τρια και χωρίς διαδικασία επιλογής", "0.2",
           CountSource("keplinet_acting_head_years"), Unit.SCHOOL_YEAR, cap="2",
           clarifications=("i", "v"), documents=(Document.SERVICE_ACTS,)),
        _c("ια", "Αποτελεσματική θητεία ως Υ.Σ.Ε.Π.Ε.Η.Υ.", "1",
           CountSource("lab_manager_effective_years"), Unit.SCHOOL_YEAR, cap="4",
           clarifications=("i", "vi"), documents=(Document.SCHOOL_DIRECTOR_REPORTS,)),
        _c("ιβ", "Τακτική παρακολούθηση των επιμορφωτικών δραστηριοτήτων του οικείου "
           "ΚΕ.ΠΛΗ.ΝΕ.Τ.", "0.5",
           CountSource("keplinet_training_years"), Unit.SCHOOL_YEAR, cap="3",
           clarifications=("i", "vii"),
           documents=(Document.KEPLINET_HEAD_ATTENDANCE_CERTIFICATE,)),
        _c("ιγ", "Εξωσχολική εργαστηριακή εμπειρία", "1",
           LabExperienceSource(), Unit.CALENDAR_YEAR, cap="4", decimals=3,
           clarifications=("i", "viii"), documents=(Document.EMPLOYER_CERTIFICATE,)),
        _c("ιδ", "Πιστοποίηση επιμόρφωσης Β' Επιπέδου στις Τεχνολογίες Πληροφορίας και "
           "Επικοινωνίας (Τ.Π.Ε.)", "3",
           FlagSource("ict_level_b_certified"), Unit.FLAG,
           clarifications=("ix",), documents=(Document.CERTIFICATION_BODY_CERTIFICATE,)),
        _c("ιε", "Πιστοποιημένος/η επιμορφωτής/τρια σε προγράμματα επιμόρφωσης", "0.5",
           CountSource("certified_trainer_programmes"), Unit.PROGRAMME, cap="4",
           clarifications=("x",),
           documents=(Document.TRAINER_CERTIFICATION_CERTIFICATE,
                      Document.PROGRAMME_HEAD_CERTIFICATE)),
        _c("ιστ", "Συμμετοχή σε διαδικασίες ανάπτυξης Σ.Ε.Π.Ε.Η.Υ. (επιτροπές προδιαγραφών, "
           "αξιολόγησης προσφορών κλπ.)", "0.5",
           CountSource("lab_procurement_procedures"), Unit.PROCEDURE, cap="2",
           clarifications=("xi",), documents=(Document.SERVICE_ACTS,)),
        _c("ιζ", "Άριστη γνώση ξένων γλωσσών", "1",
           LanguageLevelSource(Level.C2), Unit.LANGUAGE, cap="2",
           clarifications=("xii",), documents=(Document.LANGUAGE_CERTIFICATE,)),
        _c("ιη", "Πολύ καλή γνώση ξένων γλωσσών", "0.5",
           LanguageLevelSource(Level.C1), Unit.LANGUAGE, cap="1.5",
           clarifications=("xii",), documents=(Document.LANGUAGE_CERTIFICATE,)),
        _c("ιθ", "Καλή γνώση ξένων γλωσσών", "0.25",
           LanguageLevelSource(Level.B2), Unit.LANGUAGE, cap="1",
           clarifications=("xii",), documents=(Document.LANGUAGE_CERTIFICATE,)),
        # The circular names no proof for κ; the school's placement act shows the organic post.
        _c("κ", "Οργανική θέση στη σχολική μονάδα στην οποία ανήκει το Σ.Ε.Π.Ε.Η.Υ.", "2",
           FlagSource("organic_position_at_school"), Unit.FLAG,
           documents=(Document.ORGANIC_POST_ACT,)),
    ),
)
# fmt: on

# Every ruleset the bot knows, by name: a stored declaration or session names its ruleset and
# is read back under it. A new circular adds its Ruleset here (and its labels in the dialogs).
RULESETS: Final[Mapping[str, Ruleset]] = {
    ruleset.name: ruleset for ruleset in (RULESET_170610_D2_2016,)
}

# The ruleset a NEW interview (or a new `keplibot score`) uses; everything that already has a
# result or a session uses that one's ruleset.
CURRENT_RULESET: Final = RULESET_170610_D2_2016


class UnknownRuleset(LookupError):
    """A stored declaration or session names a ruleset this version does not know."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def ruleset_named(name: str) -> Ruleset:
    """The ruleset called `name`; raises `UnknownRuleset` for a name not in `RULESETS`."""
    try:
        return RULESETS[name]
    except KeyError:
        raise UnknownRuleset(name) from None
