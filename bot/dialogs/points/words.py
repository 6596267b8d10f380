"""Points, in words: what `scoring/` returns, translated for a person.

Shared by the `keplibot score` command, the chat's result and the PDF: note and
eligibility sentences, validation messages, the documents to gather, the text
breakdown, and the spec's JSON output object. Criterion labels and documents
are those of `result.ruleset` (`bot.dialogs.points.labels`).

Texts are plain (no HTML): a caller that sends HTML escapes them, since
language names and branches come from the user.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Final

from bot.dialogs.points.labels import (
    criterion_label,
    documents_for,
    fill,
    number_text,
    param_text,
    points_text,
    unit_quantity,
)
from bot.i18n import N_, Translator
from scoring import (
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
)
from scoring.engine import CriterionResult

OUTPUT_SCHEMA: Final = "ysepehy-score/2"

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


def note_text(tr: Translator, note: Note) -> str:
    return fill(tr, NOTE_TEXTS[note.code], note.params)


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
    return fill(tr, REASON_TEXTS[reason.code], reason.params)


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
    total = points_text(tr, result.total)
    if result.total_min == result.total:
        return total
    return tr.gettext(
        "{total}; {total_min} if the teachers' association counts only the higher title"
    ).format(total=total, total_min=number_text(tr, result.total_min))


def path_text(tr: Translator, path: str) -> str:
    return path or tr.gettext("the declaration")


def error_text(tr: Translator, issue: Issue) -> str:
    """A validation error as one sentence that starts with the field path.

    Text values stay as the declaration has them (ISO dates, codes): the reader
    is editing that JSON.
    """
    params = {
        k: v if isinstance(v, str) else param_text(tr, k, v) for k, v in issue.params.items()
    }
    return tr.gettext(ERROR_TEXTS[issue.code]).format(path=path_text(tr, issue.path), **params)


def error_object(tr: Translator, issue: Issue) -> dict[str, str]:
    """`{"path", "code", "message"}`, the error line of `keplibot score --jsonl`."""
    return {"path": issue.path, "code": issue.code.value, "message": error_text(tr, issue)}


def documents_text(tr: Translator, result: ScoreResult) -> str:
    """The documents to gather for the criteria met, each criterion with its list."""
    _ = tr.gettext
    if not result.met:
        return _("No criterion is met, so there are no documents to gather.")
    lines = [_("Documents to gather:")]
    for outcome in result.met:
        lines.append(f"{outcome.key}) {criterion_label(tr, result.ruleset, outcome.key)}")
        lines.extend(f"  • {text}" for text in documents_for(tr, result.ruleset, outcome.key))
    return "\n".join(lines)


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
    line = f"{outcome.key}) {criterion_label(tr, ruleset, outcome.key)}: "
    line += points_text(tr, outcome.points)
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
