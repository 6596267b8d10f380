"""Points, in words: the names of things: criteria (per ruleset), documents, options, units.

The short criterion labels and what a document means for a criterion depend on
the circular: `RULESET_WORDS` has one entry per ruleset name (a new circular adds
one entry, beside its `Ruleset` in `scoring.ruleset.RULESETS`). Everything is
looked up through the ruleset a result or an interview carries, never the current one.

Texts are plain (no HTML): a caller that sends HTML escapes them, since
language names and branches come from the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Final

from bot.i18n import N_, Translator
from scoring import (
    RULESET_170610_D2_2016,
    Criterion,
    Document,
    Employment,
    Role,
    Ruleset,
    TitleKind,
    Unit,
    UnknownRuleset,
)
from scoring.codes import ParamValue


@dataclass(frozen=True)
class RulesetWords:
    """What the dialogs say about one ruleset's criteria."""

    # Short, plain labels by criterion key; the circular's full wording is `Criterion.label`.
    labels: Mapping[str, str]
    # Where one kind of document means something particular for a criterion.
    documents: Mapping[tuple[str, Document], str] = field(default_factory=dict)


# By ruleset name (`Ruleset.name`): one entry per circular the bot knows.
RULESET_WORDS: Final[dict[str, RulesetWords]] = {
    RULESET_170610_D2_2016.name: RulesetWords(
        labels={
            "α": N_("Doctorate in a related subject"),
            "β": N_("Doctorate in an unrelated subject"),
            "γ": N_("Master's degree in a related subject"),
            "δ": N_("Master's degree in an unrelated subject"),
            "ε": N_("Second degree in a related subject"),
            "στ": N_("Second degree in an unrelated subject"),
            "ζ": N_("Head or technical head of a ΚΕ.ΠΛΗ.ΝΕ.Τ."),
            "η": N_("ΚΕ.ΠΛΗ.ΝΕ.Τ. collaborator, 3 or more days a week"),
            "θ": N_("ΚΕ.ΠΛΗ.ΝΕ.Τ. collaborator, fewer than 3 days a week"),
            "ι": N_("Acting head of a ΚΕ.ΠΛΗ.ΝΕ.Τ. without selection"),
            "ια": N_("Effective service as lab manager (Υ.Σ.Ε.Π.Ε.Η.Υ.)"),
            "ιβ": N_("Regular attendance of ΚΕ.ΠΛΗ.ΝΕ.Τ. training"),
            "ιγ": N_("Lab experience outside school"),
            "ιδ": N_("Level B ICT training certificate"),
            "ιε": N_("Certified trainer in training programmes"),
            "ιστ": N_("Lab development procedures (committees)"),
            "ιζ": N_("Foreign languages, excellent (C2)"),
            "ιη": N_("Foreign languages, very good (C1)"),
            "ιθ": N_("Foreign languages, good (B2)"),
            "κ": N_("Organic post (οργανική θέση) at the lab's school"),
        },
        documents={
            ("ιστ", Document.SERVICE_ACTS): N_(
                "The corresponding service acts (e.g. the decisions that set up the committees "
                "you served on)"
            ),
        },
    ),
}

TITLE_KIND_NAMES: Final[dict[str, str]] = {
    TitleKind.PHD: N_("doctorate"),
    TitleKind.MASTER: N_("master's degree"),
    TitleKind.SECOND_DEGREE: N_("second degree"),
}

DOCUMENT_TEXTS: Final[dict[Document, str]] = {
    Document.DEGREE_CERTIFICATE: N_("A copy of the title (degree certificate)"),
    Document.DOATAP_RECOGNITION: N_(
        "For a title from abroad: its recognition by Δ.Ο.Α.Τ.Α.Π. (formerly ΔΙ.Κ.Α.Τ.Σ.Α.)"
    ),
    Document.SERVICE_ACTS: N_(
        "The corresponding service acts (of selection, placement, secondment or assignment)"
    ),
    Document.SCHOOL_DIRECTOR_REPORTS: N_(
        "Reports of the directors of the schools where you served as lab manager"
    ),
    Document.KEPLINET_HEAD_ATTENDANCE_CERTIFICATE: N_(
        "A certificate of the head of the ΚΕ.ΠΛΗ.ΝΕ.Τ. listing the training activities "
        "you attended in each school year"
    ),
    Document.EMPLOYER_CERTIFICATE: N_(
        "A certificate of the employer (public or private) describing the lab work "
        "and its exact duration"
    ),
    Document.CERTIFICATION_BODY_CERTIFICATE: N_("A certificate of the certification body"),
    Document.TRAINER_CERTIFICATION_CERTIFICATE: N_(
        "A certificate of the body that certified you as a trainer"
    ),
    Document.PROGRAMME_HEAD_CERTIFICATE: N_(
        "A certificate of the head of each training programme you taught"
    ),
    Document.LANGUAGE_CERTIFICATE: N_("A language certificate, as ΑΣΕΠ defines for each level"),
    Document.ORGANIC_POST_ACT: N_("The act of your organic placement at the school"),
}

OPTION_TEXTS: Final[dict[tuple[str, str], str]] = {
    ("titles.kind", TitleKind.PHD): N_("Doctorate"),
    ("titles.kind", TitleKind.MASTER): N_("Master's degree"),
    ("titles.kind", TitleKind.SECOND_DEGREE): N_("Second degree (university or ΤΕΙ)"),
    ("role", Role.TEACHER): N_("Teacher"),
    ("role", Role.DIRECTOR): N_("Director"),
    ("role", Role.DEPUTY_DIRECTOR): N_("Deputy director"),
    ("employment", Employment.PERMANENT): N_("Permanent"),
    ("employment", Employment.FULL_TIME_SUBSTITUTE): N_("Full-time substitute"),
    ("employment", Employment.REDUCED_HOURS_SUBSTITUTE): N_("Reduced-hours substitute"),
    ("employment", Employment.HOURLY_PAID): N_("Hourly-paid"),
    ("languages.language", "en"): N_("English"),
    ("languages.language", "fr"): N_("French"),
    ("languages.language", "de"): N_("German"),
    ("languages.language", "it"): N_("Italian"),
    ("languages.language", "es"): N_("Spanish"),
    ("languages.language", "ru"): N_("Russian"),
    ("languages.level", "C2"): N_("C2 (excellent)"),
    ("languages.level", "C1"): N_("C1 (very good)"),
    ("languages.level", "B2"): N_("B2 (good)"),
}


def words_for(ruleset: Ruleset) -> RulesetWords:
    """The words of `ruleset`; raises `UnknownRuleset` for a ruleset without any."""
    try:
        return RULESET_WORDS[ruleset.name]
    except KeyError:
        raise UnknownRuleset(ruleset.name) from None


# --- small pieces ----------------------------------------------------------------------------


# Babel formatting is slow next to scoring, and batches repeat the same few values.
@lru_cache(maxsize=4096)
def number_text(tr: Translator, value: Decimal | int) -> str:
    return tr.number(value)


@lru_cache(maxsize=4096)
def points_text(tr: Translator, value: Decimal | int) -> str:
    return tr.points(value)


@lru_cache(maxsize=4096)
def _date(tr: Translator, iso: str) -> str:
    """An ISO date in the locale's medium format; ValueError if it is not a date."""
    return tr.date(date.fromisoformat(iso))


def criterion_label(tr: Translator, ruleset: Ruleset, key: str) -> str:
    """The short label of criterion `key` of `ruleset`."""
    return tr.gettext(words_for(ruleset).labels[key])


def option_text(tr: Translator, question_key: str, option: str) -> str:
    """The button label of `option` (branches and levels without a label show as they are)."""
    text = OPTION_TEXTS.get((question_key, option))
    return tr.gettext(text) if text else option


def language_name(tr: Translator, language: str) -> str:
    """A known ISO code (`en`) as its name in `tr`'s language; anything else as written."""
    text = OPTION_TEXTS.get(("languages.language", language.strip().lower()))
    return tr.gettext(text) if text else language.strip()


def unit_quantity(tr: Translator, unit: Unit, quantity: Decimal) -> str:
    """`3 σχολικά έτη`, `2,408 years`, `1 language`; "" for yes/no criteria."""
    # gettext plural forms take integers only: any non-one value is plural.
    n = 1 if quantity == 1 else 2
    q = number_text(tr, quantity)
    if unit == Unit.TITLE:
        return tr.ngettext("{n} title", "{n} titles", n).format(n=q)
    if unit == Unit.SCHOOL_YEAR:
        return tr.ngettext("{n} school year", "{n} school years", n).format(n=q)
    if unit == Unit.CALENDAR_YEAR:
        return tr.ngettext("{n} year", "{n} years", n).format(n=q)
    if unit == Unit.PROGRAMME:
        return tr.ngettext("{n} programme", "{n} programmes", n).format(n=q)
    if unit == Unit.PROCEDURE:
        return tr.ngettext("{n} procedure", "{n} procedures", n).format(n=q)
    if unit == Unit.LANGUAGE:
        return tr.ngettext("{n} language", "{n} languages", n).format(n=q)
    return ""


def scoring_rule(tr: Translator, criterion: Criterion) -> str:
    """How a criterion scores: `0,5 μόρια ανά σχολικό έτος, έως 3 μόρια (κριτήριο η)`."""
    _ = tr.gettext
    points, key = points_text(tr, criterion.points), criterion.key
    if not criterion.per_unit or criterion.cap is None:
        return _("{points} (criterion {key})").format(points=points, key=key)
    cap = points_text(tr, criterion.cap)
    if criterion.unit == Unit.SCHOOL_YEAR:
        text = _("{points} per school year, up to {cap} (criterion {key})")
    elif criterion.unit == Unit.CALENDAR_YEAR:
        text = _("{points} per year, counted in months and days, up to {cap} (criterion {key})")
    elif criterion.unit == Unit.PROGRAMME:
        text = _("{points} per programme, up to {cap} (criterion {key})")
    elif criterion.unit == Unit.PROCEDURE:
        text = _("{points} per procedure, up to {cap} (criterion {key})")
    else:
        text = _("{points} per language, up to {cap} (criterion {key})")
    return text.format(points=points, cap=cap, key=key)


def param_text(tr: Translator, name: str, value: ParamValue) -> str:
    if isinstance(value, bool):
        return tr.gettext("yes") if value else tr.gettext("no")
    if isinstance(value, Decimal):
        points = name in ("points", "uncapped", "total_min")
        return points_text(tr, value) if points else number_text(tr, value)
    if isinstance(value, int):
        return number_text(tr, value)
    if name in ("kind", "kept_kind", "dropped_kind") and value in TITLE_KIND_NAMES:
        return tr.gettext(TITLE_KIND_NAMES[value])
    if name in DATE_PARAMS:
        try:
            return _date(tr, value)
        except ValueError:
            return value
    if name == "language":
        return language_name(tr, value)
    return value


DATE_PARAMS: Final = frozenset({"start", "end", "minimum", "maximum"})


def fill(tr: Translator, template: str, params: Mapping[str, ParamValue]) -> str:
    return tr.gettext(template).format(**{k: param_text(tr, k, v) for k, v in params.items()})


def documents_for(tr: Translator, ruleset: Ruleset, key: str) -> list[str]:
    """The documents that prove criterion `key` of `ruleset`."""
    particular = words_for(ruleset).documents
    return [
        tr.gettext(particular.get((key, d), DOCUMENT_TEXTS[d]))
        for d in ruleset.by_key[key].documents
    ]
