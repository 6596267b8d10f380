"""Points, in words: what `scoring/` returns, translated for a person.

Shared by the `keplibot score` command and the chat's points interview: the
short criterion labels, note and eligibility sentences, validation messages,
the documents that prove each criterion, the interview's question texts and
hints, the text breakdown, and the spec's JSON output object.

Texts are plain (no HTML): a caller that sends HTML escapes them, since
language names and branches come from the user.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from bot.i18n import N_, Translator
from scoring import (
    CURRENT_RULESET,
    Criterion,
    Document,
    EligibilityResult,
    EligibilityStatus,
    Employment,
    ErrorCode,
    Issue,
    Note,
    NoteCode,
    Reason,
    ReasonCode,
    Role,
    Ruleset,
    ScoreResult,
    TitleKind,
    Unit,
)
from scoring.codes import ParamValue
from scoring.engine import CriterionResult
from scoring.interview import INTERVIEW, ItemQuestion, Question

OUTPUT_SCHEMA: Final = "ysepehy-score/2"

# Short, plain labels; the circular's full wording is `Criterion.label`.
CRITERION_LABELS: Final[dict[str, str]] = {
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

# Where one kind of document means something particular for a criterion.
CRITERION_DOCUMENT_TEXTS: Final[dict[tuple[str, Document], str]] = {
    ("ιστ", Document.SERVICE_ACTS): N_(
        "The corresponding service acts (e.g. the decisions that set up the committees "
        "you served on)"
    ),
}

NOTE_TEXTS: Final[dict[NoteCode, str]] = {
    NoteCode.TITLE_NOT_RECOGNISED: N_(
        "Title {position} ({kind}) is from abroad and not recognised by Δ.Ο.Α.Τ.Α.Π.: "
        "it scores nothing until it is recognised."
    ),
    NoteCode.TITLE_PAIR_COUNTED_ONCE: N_(
        "Title {kept_position} ({kept_kind}) and title {dropped_position} ({dropped_kind}) "
        "belong to the same postgraduate programme: only title {kept_position} counts."
    ),
    NoteCode.CRITERION_AWARDED_ONCE: N_(
        "Criterion {criterion}) counts once, although {count} titles were declared for it."
    ),
    NoteCode.THESIS_PERIOD_EXCLUDED: N_(
        "Lab experience {position} ({start} – {end}) comes from a thesis or a doctoral "
        "dissertation and does not count."
    ),
    NoteCode.PERIODS_MERGED: N_(
        "Lab experience periods that overlap or follow one another were joined "
        "({count} → {merged}), so no day counts twice."
    ),
    NoteCode.GREEK_NOT_FOREIGN: N_(
        "“{language}” is Greek, not a foreign language: it scores nothing."
    ),
    NoteCode.LEVEL_BELOW_B2: N_(
        "{language} at level {level} scores nothing: languages count from B2 upwards."
    ),
    NoteCode.LANGUAGE_BEST_LEVEL_ONLY: N_(
        "{language} was declared {count} times: only the best level, {level}, counts."
    ),
    NoteCode.CAP_REACHED: N_(
        "Criterion {criterion}) stops at its maximum of {points} (the declaration is worth "
        "{uncapped})."
    ),
    NoteCode.SAME_FIELD_BOTH_COUNTED: N_(
        "Title {phd_position} (doctorate) and title {master_position} (master's degree) are in "
        "the same field but in different programmes. Clause iii of the circular does not "
        "settle this case: both are counted here, and if the teachers' association counts "
        "only the higher title, the total is {total_min}."
    ),
}

REASON_TEXTS: Final[dict[ReasonCode, str]] = {
    ReasonCode.TEACHES_INFORMATICS: N_("You will teach informatics at the school."),
    ReasonCode.NOT_INFORMATICS_TEACHER: N_(
        "Only a teacher who will teach informatics at the school can be appointed "
        "(sections 1 and 4 of the circular)."
    ),
    ReasonCode.ENOUGH_DAYS: N_(
        "You teach at the school {days} days a week (at least 3 are needed, section 4)."
    ),
    ReasonCode.TWO_DAYS_EXCEPTION: N_(
        "You teach informatics 2 days a week at the school you belong to (your organic post) "
        "and complete your hours at schools that already have a lab manager: the exception "
        "of section 4 applies."
    ),
    ReasonCode.TWO_DAYS_NOT_COMPLETING: N_(
        "With 2 days a week at the school you can be appointed only if you complete your "
        "hours at schools that already have a lab manager (section 4)."
    ),
    ReasonCode.TWO_DAYS_NO_ORGANIC_POST: N_(
        "The two-day exception of section 4 is only for the school you belong to, where you "
        "have your organic post (οργανική θέση); without it, at least 3 days a week are needed."
    ),
    ReasonCode.MANAGER_AT_OTHER_SCHOOL: N_(
        "You are the lab manager of another school of the same Directorate: section 4 lets "
        "the same teacher be appointed at both schools only if no other teacher of "
        "informatics at this school can be appointed."
    ),
    ReasonCode.PRIORITY_BRANCH: N_(
        "Your branch is {branch}. The circular names ΠΕ19 and ΠΕ20 (now ΠΕ86) first only for "
        "the compulsory assignment when no one applies (section 4); it gives no points and "
        "does not outrank anyone's points."
    ),
    ReasonCode.NOT_PRIORITY_BRANCH: N_(
        "Your branch {branch} can be appointed. ΠΕ19 and ΠΕ20 (now ΠΕ86) come first only for "
        "the compulsory assignment when no one applies (section 4)."
    ),
    ReasonCode.BRANCH_NOT_GIVEN: N_(
        "No branch given. ΠΕ19 and ΠΕ20 (now ΠΕ86) come first only for the compulsory "
        "assignment when no one applies (section 4)."
    ),
}

# What a reduced-hours or hourly-paid teacher reads (section 4, the last clause).
EMPLOYMENT_REASON_TEXTS: Final[dict[str, str]] = {
    Employment.REDUCED_HOURS_SUBSTITUTE: N_(
        "As a reduced-hours substitute teacher, you can be appointed only if no permanent or "
        "full-time substitute teacher can be (section 4)."
    ),
    Employment.HOURLY_PAID: N_(
        "As an hourly-paid teacher, you can be appointed only if no permanent or full-time "
        "substitute teacher can be (section 4)."
    ),
}

STATUS_TEXTS: Final[dict[EligibilityStatus, str]] = {
    EligibilityStatus.ELIGIBLE: N_("Eligible: you can be appointed lab manager."),
    EligibilityStatus.FALLBACK: N_(
        "Only as a fallback: you can be appointed lab manager only if no one who meets the "
        "main rules of section 4 can be. What must be true:"
    ),
    EligibilityStatus.NOT_ELIGIBLE: N_(
        "Not eligible: you cannot be appointed lab manager at this school."
    ),
}

# A director and a deputy director read different sentences (and Greek articles differ).
ROLE_REASON_TEXTS: Final[dict[tuple[ReasonCode, str], str]] = {
    (ReasonCode.HEAD_NOT_SOLE_TEACHER, Role.DIRECTOR): N_(
        "A school director can be appointed only as the only teacher of informatics at the "
        "school (section 4)."
    ),
    (ReasonCode.HEAD_NOT_SOLE_TEACHER, Role.DEPUTY_DIRECTOR): N_(
        "A deputy director can be appointed only as the only teacher of informatics at the "
        "school (section 4)."
    ),
    (ReasonCode.HEAD_SOLE_TEACHER, Role.DIRECTOR): N_(
        "As director and the only teacher of informatics at the school, you can be appointed."
    ),
    (ReasonCode.HEAD_SOLE_TEACHER, Role.DEPUTY_DIRECTOR): N_(
        "As deputy director and the only teacher of informatics at the school, you can be "
        "appointed."
    ),
}

ERROR_TEXTS: Final[dict[ErrorCode, str]] = {
    ErrorCode.NOT_AN_OBJECT: N_("{path}: must be a JSON object."),
    ErrorCode.NOT_A_LIST: N_("{path}: must be a list."),
    ErrorCode.UNKNOWN_FIELD: N_("{path}: unknown field (check the spelling)."),
    ErrorCode.MISSING_FIELD: N_("{path}: this field is required."),
    ErrorCode.NOT_AN_INTEGER: N_('{path}: must be a whole number (3, not "3" or 3.0).'),
    ErrorCode.NOT_A_BOOLEAN: N_("{path}: must be true or false."),
    ErrorCode.NOT_A_STRING: N_("{path}: must be text."),
    ErrorCode.OUT_OF_RANGE: N_("{path}: must be from {minimum} to {maximum}."),
    ErrorCode.BLANK: N_("{path}: must not be empty."),
    ErrorCode.BAD_DATE: N_("{path}: “{value}” is not a date of the form YYYY-MM-DD."),
    ErrorCode.DATE_OUT_OF_RANGE: N_("{path}: {value} is not between {minimum} and {maximum}."),
    ErrorCode.START_AFTER_END: N_("{path}: the period ends ({end}) before it starts ({start})."),
    ErrorCode.INVALID_CHOICE: N_("{path}: “{value}” is not one of {allowed}."),
    ErrorCode.WRONG_SCHEMA: N_("{path}: unknown format “{value}”, expected “{expected}”."),
    ErrorCode.DUPLICATE_ID: N_("{path}: the id “{id}” is already used by another title."),
    ErrorCode.CONTINUES_ONLY_FOR_PHD: N_(
        "{path}: only a doctorate can continue a master's degree."
    ),
    ErrorCode.DANGLING_CONTINUES: N_("{path}: no title of the declaration has the id “{id}”."),
    ErrorCode.CONTINUES_NOT_A_MASTER: N_("{path}: the title “{id}” is not a master's degree."),
    ErrorCode.SAME_FIELD_ONLY_FOR_PHD: N_(
        "{path}: only a doctorate can be in the same field as a master's degree."
    ),
    ErrorCode.DANGLING_SAME_FIELD: N_("{path}: no title of the declaration has the id “{id}”."),
    ErrorCode.SAME_FIELD_NOT_A_MASTER: N_("{path}: the title “{id}” is not a master's degree."),
    ErrorCode.SAME_FIELD_IS_CONTINUED: N_(
        "{path}: the doctorate continues “{id}” (the same programme), so it cannot also be "
        "another programme of the same field."
    ),
}

# What the chat says when an answer does not fit its question (no JSON words).
ANSWER_PROBLEM_TEXTS: Final[dict[ErrorCode, str]] = {
    ErrorCode.NOT_AN_INTEGER: N_("Please send a whole number, for example 3."),
    ErrorCode.OUT_OF_RANGE: N_("Please send a number from {minimum} to {maximum}."),
    ErrorCode.NOT_A_BOOLEAN: N_("Please answer yes or no."),
    ErrorCode.INVALID_CHOICE: N_("Please choose one of the buttons."),
    ErrorCode.BLANK: N_("Please type an answer."),
    ErrorCode.BAD_DATE: N_("Please send a date as day/month/year, such as 15/09/2005."),
    ErrorCode.DATE_OUT_OF_RANGE: N_("Please send a date between {minimum} and {maximum}."),
    ErrorCode.START_AFTER_END: N_("The end cannot be before the start ({start})."),
}
ANSWER_PROBLEM_DEFAULT: Final = N_("Please answer the question.")


@dataclass(frozen=True, slots=True)
class QuestionText:
    text: str
    hint: str  # one line from the circular, with the points at stake ("" if none)


# Question texts and hints, by question key (item questions: `titles.kind`).
QUESTION_TEXTS: Final[dict[str, tuple[str, str]]] = {
    "teaches_informatics": (
        N_("Will you teach informatics at this school in the coming school year?"),
        N_("Only a teacher of the informatics lessons of the school can be the lab manager."),
    ),
    "role": (
        N_("What is your post at the school?"),
        N_("A director or deputy director can be the lab manager only as the school's only "
           "teacher of informatics."),
    ),
    "sole_informatics_teacher": (
        N_("Are you the only teacher who will teach informatics at the school?"),
        N_("Only then can a director or deputy director be appointed."),
    ),
    "employment": (
        N_("How are you employed in the coming school year?"),
        N_("A reduced-hours substitute or an hourly-paid teacher can be appointed only if no "
           "permanent or full-time substitute teacher can be (section 4)."),
    ),
    "days_per_week_at_school": (
        N_("How many days a week will you teach at this school?"),
        N_("At least 3 are needed (section 4), or 2 at the school of your organic post if you "
           "complete your hours at schools that already have a lab manager."),
    ),
    "completes_hours_at_schools_with_manager": (
        N_("Do you complete your teaching hours at other schools that already have a lab "
           "manager?"),
        N_("With 2 days a week, this exception of section 4 applies at the school you belong "
           "to (your organic post)."),
    ),
    "organic_post_two_days": (
        N_("Is your organic post (οργανική θέση) at this school, the one the lab belongs to?"),
        N_("The two-day exception of section 4 is only for the school you belong to."),
    ),
    "manager_at_other_school": (
        N_("Have you been appointed lab manager at another school of the same Directorate?"),
        N_("Then you can be appointed at this school too only if no other teacher of "
           "informatics here can be (section 4)."),
    ),
    "branch": (
        N_("What is your branch (κλάδος)?"),
        N_("The branch gives no points. ΠΕ19 and ΠΕ20 (now ΠΕ86) come first only for the "
           "compulsory assignment when no one applies (section 4)."),
    ),
    "titles": (
        N_("Do you hold a doctorate, a master's degree or a second university degree?"),
        N_("Add each title (a master's degree before the doctorate that continues it); "
           "titles from abroad need recognition by Δ.Ο.Α.Τ.Α.Π."),
    ),
    "titles.kind": (N_("What kind of title is it?"), ""),
    "titles.related": (
        N_("Is it in a subject related to the post (informatics)?"),
        N_("The circular does not define “related” (συναφές): the teachers' association "
           "judges. Typical examples are titles in informatics or computer applications. "
           "Related / unrelated: doctorate 6 / 2 points, master's degree 4 / 1, second "
           "degree 2 / 0.5."),
    ),
    "titles.from_abroad": (
        N_("Is it from a university abroad?"),
        N_("Titles from abroad count only when recognised by Δ.Ο.Α.Τ.Α.Π."),
    ),
    "titles.recognised": (
        N_("Has Δ.Ο.Α.Τ.Α.Π. recognised it?"),
        N_("Without recognition the title scores nothing."),
    ),
    "titles.continues": (
        N_("Does this doctorate continue one of your master's degrees (the same "
           "postgraduate programme)?"),
        N_("If so, only the higher of the two titles counts (clause iii)."),
    ),
    "titles.same_field_as": (
        N_("Is this doctorate in the same field (κλάδος) as one of your master's degrees, "
           "though in another programme?"),
        N_("Clause iii does not settle this case: both titles are counted, and the result "
           "also shows the total if the teachers' association counts only the higher one."),
    ),
    "keplinet_service": (
        N_("Have you ever served at a ΚΕ.ΠΛΗ.ΝΕ.Τ. (as head, technical head, collaborator or "
           "acting head)?"),
        N_("Service at a ΚΕ.ΠΛΗ.ΝΕ.Τ. scores under criteria ζ to ι."),
    ),
    "keplinet_head_years": (
        N_("For how many school years were you head or technical head of a ΚΕ.ΠΛΗ.ΝΕ.Τ.?"),
        N_("Service after selection, proved by the service acts."),
    ),
    "keplinet_staff_years_3plus_days": (
        N_("For how many school years did you serve at a ΚΕ.ΠΛΗ.ΝΕ.Τ. as a collaborator for "
           "3 or more days a week?"),
        N_("Secondment (απόσπαση) or assignment (διάθεση), partial or full."),
    ),
    "keplinet_staff_years_under_3_days": (
        N_("For how many school years did you serve at a ΚΕ.ΠΛΗ.ΝΕ.Τ. as a collaborator for "
           "fewer than 3 days a week?"),
        N_("Secondment (απόσπαση) or assignment (διάθεση), partial or full."),
    ),
    "keplinet_acting_head_years": (
        N_("For how many school years did you act as head or technical head of a "
           "ΚΕ.ΠΛΗ.ΝΕ.Τ. as a substitute, without selection?"),
        N_("Placement as a substitute, proved by the service acts."),
    ),
    "lab_manager_effective_years": (
        N_("For how many school years have you served effectively as school lab manager "
           "(Υ.Σ.Ε.Π.Ε.Η.Υ.)?"),
        N_("Proved by the reports of the directors of those schools."),
    ),
    "keplinet_training_years": (
        N_("In how many school years did you regularly attend the training activities of "
           "your ΚΕ.ΠΛΗ.ΝΕ.Τ.?"),
        N_("Proved by a certificate of the head of the ΚΕ.ΠΛΗ.ΝΕ.Τ."),
    ),
    "lab_experience_periods": (
        N_("Have you worked in a laboratory outside school? Add each period of work."),
        N_("Proved by a certificate of the employer; experience from a thesis does not count."),
    ),
    "lab_experience_periods.start": (
        N_("When did this period of lab work start?"),
        N_("A date as day/month/year, such as 15/09/2005."),
    ),
    "lab_experience_periods.end": (
        N_("When did it end?"),
        N_("The last day of work, as day/month/year, such as 10/02/2008."),
    ),
    "lab_experience_periods.from_thesis": (
        N_("Did this experience come from a diploma thesis, a master's thesis or a doctoral "
           "dissertation?"),
        N_("Experience from a thesis or dissertation does not count."),
    ),
    "ict_level_b_certified": (
        N_("Do you hold the Level B certificate of ICT training (Β' Επιπέδου ΤΠΕ)?"),
        N_("Proved by a certificate of the certification body."),
    ),
    "certified_trainer_programmes": (
        N_("As a certified trainer, in how many training programmes have you taught?"),
        N_("Proved by certificates of the certifying body and of each programme's head."),
    ),
    "lab_procurement_procedures": (
        N_("In how many procedures for developing a school lab have you taken part "
           "(specification or tender evaluation committees)?"),
        N_("Proved by the service acts."),
    ),
    "languages": (
        N_("Do you have certified knowledge of foreign languages? Add each language."),
        N_("Only the best level of each language counts, from B2 upwards; Greek does not count."),
    ),
    "languages.language": (N_("Which foreign language?"), ""),
    "languages.level": (
        N_("What is your certified level?"),
        N_("As ΑΣΕΠ defines: C2 excellent, C1 very good, B2 good."),
    ),
    "organic_position_at_school": (
        N_("Is your organic post (οργανική θέση) at the school the lab belongs to?"),
        "",
    ),
}  # fmt: skip

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


# --- small pieces ----------------------------------------------------------------------------


# Babel formatting is slow next to scoring, and batches repeat the same few values.
@lru_cache(maxsize=4096)
def _number(tr: Translator, value: Decimal | int) -> str:
    return tr.number(value)


@lru_cache(maxsize=4096)
def _points(tr: Translator, value: Decimal | int) -> str:
    return tr.points(value)


@lru_cache(maxsize=4096)
def _date(tr: Translator, iso: str) -> str:
    """An ISO date in the locale's medium format; ValueError if it is not a date."""
    return tr.date(date.fromisoformat(iso))


def criterion_label(tr: Translator, key: str) -> str:
    return tr.gettext(CRITERION_LABELS[key])


def option_text(tr: Translator, question_key: str, option: str) -> str:
    """The button label of `option` (branches and levels without a label show as they are)."""
    text = OPTION_TEXTS.get((question_key, option))
    return tr.gettext(text) if text else option


def language_name(tr: Translator, language: str) -> str:
    """A known ISO code (`en`) as its name in `tr`'s language; anything else as written."""
    text = OPTION_TEXTS.get(("languages.language", language.strip().lower()))
    return tr.gettext(text) if text else language.strip()


def _role_name(tr: Translator, role: str) -> str:
    return option_text(tr, "role", role)


def unit_quantity(tr: Translator, unit: Unit, quantity: Decimal) -> str:
    """`3 σχολικά έτη`, `2,408 years`, `1 language`; "" for yes/no criteria."""
    # gettext plural forms take integers only: any non-one value is plural.
    n = 1 if quantity == 1 else 2
    q = _number(tr, quantity)
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
    points, key = _points(tr, criterion.points), criterion.key
    if not criterion.per_unit or criterion.cap is None:
        return _("{points} (criterion {key})").format(points=points, key=key)
    cap = _points(tr, criterion.cap)
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


def _param(tr: Translator, name: str, value: ParamValue) -> str:
    if isinstance(value, bool):
        return tr.gettext("yes") if value else tr.gettext("no")
    if isinstance(value, Decimal):
        points = name in ("points", "uncapped", "total_min")
        return _points(tr, value) if points else _number(tr, value)
    if isinstance(value, int):
        return _number(tr, value)
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


def _fill(tr: Translator, template: str, params: Mapping[str, ParamValue]) -> str:
    return tr.gettext(template).format(**{k: _param(tr, k, v) for k, v in params.items()})


def note_text(tr: Translator, note: Note) -> str:
    return _fill(tr, NOTE_TEXTS[note.code], note.params)


def reason_text(tr: Translator, reason: Reason) -> str:
    role = reason.params.get("role")
    if isinstance(role, str) and (reason.code, role) in ROLE_REASON_TEXTS:
        return tr.gettext(ROLE_REASON_TEXTS[(reason.code, role)])
    if reason.code == ReasonCode.TOO_FEW_DAYS:
        days = int(reason.params["days"])
        return tr.ngettext(
            "You teach at the school {days} day a week, but at least 3 are needed (section 4).",
            "You teach at the school {days} days a week, but at least 3 are needed (section 4).",
            days,
        ).format(days=days)
    if reason.code == ReasonCode.FEW_DAYS_MANAGER_ELSEWHERE:
        days = int(reason.params["days"])
        return tr.ngettext(
            "You teach at the school {days} day a week, fewer than section 4 asks, but you are "
            "the lab manager of another school of the same Directorate: section 4 lets you be "
            "appointed at both schools only if no other teacher of informatics at this school "
            "can be appointed.",
            "You teach at the school {days} days a week, fewer than section 4 asks, but you are "
            "the lab manager of another school of the same Directorate: section 4 lets you be "
            "appointed at both schools only if no other teacher of informatics at this school "
            "can be appointed.",
            days,
        ).format(days=days)
    employment = reason.params.get("employment")
    if reason.code == ReasonCode.REDUCED_HOURS_EMPLOYMENT and isinstance(employment, str):
        return tr.gettext(EMPLOYMENT_REASON_TEXTS[employment])
    return _fill(tr, REASON_TEXTS[reason.code], reason.params)


def status_text(tr: Translator, status: EligibilityStatus) -> str:
    """The verdict: eligible, only as a fallback (what must be true follows), not eligible."""
    return tr.gettext(STATUS_TEXTS[status])


def eligibility_lines(tr: Translator, eligibility: EligibilityResult) -> list[str]:
    """The verdict, then the reasons: those that lower the status first (for a fallback,
    they are what must be true), then the others."""
    lowering = [r for r in eligibility.reasons if r.lowers]
    others = [r for r in eligibility.reasons if not r.lowers]
    return [
        status_text(tr, eligibility.status),
        *(f"• {reason_text(tr, reason)}" for reason in (*lowering, *others)),
    ]


def total_text(tr: Translator, result: ScoreResult) -> str:
    """`22,214 μόρια`, or both figures when clause iii's open case makes them differ:
    `22,214 μόρια· 18,214 αν ο σύλλογος μετρήσει μόνο τον ανώτερο τίτλο`."""
    total = _points(tr, result.total)
    if result.total_min == result.total:
        return total
    return tr.gettext(
        "{total}; {total_min} if the teachers' association counts only the higher title"
    ).format(total=total, total_min=_number(tr, result.total_min))


def path_text(tr: Translator, path: str) -> str:
    return path or tr.gettext("the declaration")


def error_text(tr: Translator, issue: Issue) -> str:
    """A validation error as one sentence that starts with the field path.

    Text values stay as the declaration has them (ISO dates, codes): the reader
    is editing that JSON.
    """
    params = {k: v if isinstance(v, str) else _param(tr, k, v) for k, v in issue.params.items()}
    return tr.gettext(ERROR_TEXTS[issue.code]).format(path=path_text(tr, issue.path), **params)


def error_object(tr: Translator, issue: Issue) -> dict[str, str]:
    """`{"path", "code", "message"}`, the error line of `keplibot score --jsonl`."""
    return {"path": issue.path, "code": issue.code.value, "message": error_text(tr, issue)}


def answer_problem(tr: Translator, issue: Issue) -> str:
    """What the chat says when an answer does not fit (from `scoring.interview.check_answer`)."""
    template = ANSWER_PROBLEM_TEXTS.get(issue.code, ANSWER_PROBLEM_DEFAULT)
    return _fill(tr, template, issue.params)


def documents_for(tr: Translator, key: str) -> list[str]:
    """The documents that prove criterion `key`."""
    return [
        tr.gettext(CRITERION_DOCUMENT_TEXTS.get((key, d), DOCUMENT_TEXTS[d]))
        for d in CURRENT_RULESET.by_key[key].documents
    ]


def documents_text(tr: Translator, result: ScoreResult) -> str:
    """The documents to gather for the criteria met, each criterion with its list."""
    _ = tr.gettext
    if not result.met:
        return _("No criterion is met, so there are no documents to gather.")
    lines = [_("Documents to gather:")]
    for outcome in result.met:
        lines.append(f"{outcome.key}) {criterion_label(tr, outcome.key)}")
        lines.extend(f"  • {text}" for text in documents_for(tr, outcome.key))
    return "\n".join(lines)


def whole_years_hint(tr: Translator) -> str:
    return tr.gettext(
        "Whole school years only (1 September to 31 August): a part of a school year does not "
        "count as a year (clause i)."
    )


def question_text(tr: Translator, question: Question | ItemQuestion) -> QuestionText:
    """The question as asked, and a one-line hint with the points it can bring."""
    text, hint = QUESTION_TEXTS[question.key]
    parts = [tr.gettext(hint)] if hint else []
    if isinstance(question, Question):
        criteria = list(_rule_criteria(question))
        if any(c.unit == Unit.SCHOOL_YEAR for c in criteria):
            parts.append(whole_years_hint(tr))
        parts.extend(scoring_rule(tr, criterion) for criterion in criteria)
    return QuestionText(tr.gettext(text), " ".join(p.rstrip(".") + "." for p in parts))


def _rule_criteria(question: Question) -> Iterable[Criterion]:
    # Lists of titles and languages feed several criteria: their hint names them instead.
    if len(question.criteria) == 1:
        yield INTERVIEW.ruleset.by_key[question.criteria[0]]


def disclaimer(tr: Translator) -> str:
    return tr.gettext(
        "These points are provisional: the teachers' association of the school proposes the "
        "lab manager and the Directorate of Secondary Education (Δ.Δ.Ε.) decides."
    )


# --- the breakdown and the output object -----------------------------------------------------


def _criterion_line(tr: Translator, ruleset: Ruleset, outcome: CriterionResult) -> str:
    criterion = ruleset.by_key[outcome.key]
    details = []
    if criterion.per_unit or outcome.quantity > 1:
        details.append(unit_quantity(tr, criterion.unit, outcome.quantity))
    if outcome.capped:
        details.append(tr.gettext("cap reached"))
    line = f"{outcome.key}) {criterion_label(tr, outcome.key)}: {_points(tr, outcome.points)}"
    details = [d for d in details if d]
    return f"{line} ({', '.join(details)})" if details else line


def render_breakdown(tr: Translator, result: ScoreResult) -> str:
    """The result as readable text: total, one line per criterion met, notes, eligibility."""
    _ = tr.gettext
    lines = [_("Provisional total: {total}").format(total=total_text(tr, result)), ""]
    if result.met:
        lines.extend(_criterion_line(tr, result.ruleset, outcome) for outcome in result.met)
    else:
        lines.append(_("No criterion is met."))
    if result.notes:
        lines += ["", _("Notes:")]
        lines.extend(f"• {note_text(tr, note)}" for note in result.notes)
    if result.eligibility is not None:
        lines += ["", *eligibility_lines(tr, result.eligibility)]
    lines += ["", disclaimer(tr)]
    return "\n".join(lines)


def json_number(value: Decimal) -> int | float:
    """A points value for JSON: an int when whole (`6`), else the float of the same digits.

    The values have at most 3 decimals, so the float's shortest repr is exactly those digits.
    """
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def output_object(tr: Translator, result: ScoreResult) -> dict[str, Any]:
    """The spec's output object (`ysepehy-score/2`), notes and reasons in `tr`'s language."""
    out: dict[str, Any] = {
        "schema": OUTPUT_SCHEMA,
        "total": json_number(result.total),
        "total_min": json_number(result.total_min),
        "criteria": {c.key: json_number(c.points) for c in result.criteria},
        "notes": [note_text(tr, note) for note in result.notes],
    }
    if result.eligibility is not None:
        out["eligibility"] = {
            "status": result.eligibility.status.value,
            "eligible": result.eligibility.eligible,
            "priority_branch": result.eligibility.priority_branch,
            "reasons": [reason_text(tr, reason) for reason in result.eligibility.reasons],
        }
    return out


def dumps(value: Any) -> str:
    """One line of JSON, UTF-8 text kept readable (Greek keys and sentences)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
