"""The points interview in chat, in words: labels, answers as text, typed answers read back.

`bot.dialogs.points.labels` / `.questions` / `.words` word the questions, hints,
results and documents; this
module adds what only a conversation needs: short labels for the list of
answers ("Change an answer", the PDF), an answer or a list item as a phrase,
the "counts up to 5 school years" line, and `read_answer` /
`read_item_answer`, which turn what a teacher typed (`ναι`, `3`, `15/9/2015`,
`Γαλλικά`) into the value the interview expects. Whether that value is a
valid answer is for `scoring.answers.check_answer` to say.

No `telegram` here: the screens (`bot.dialogs.points.interview`) use what this returns.
Labels of criteria come from the interview's own ruleset (`interview.ruleset`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, TypeVar

from bot.dialogs.points.labels import criterion_label, language_name, option_text, unit_quantity
from bot.dialogs.points.words import reason_text
from bot.i18n import LOCALES, N_, Translator, get_translator
from scoring import EligibilityResult, EligibilityStatus, Period, Ruleset
from scoring.answers import parse_date_text
from scoring.engine import is_greek, lab_experience_years, language_key
from scoring.interview import (
    LIST_KINDS,
    AnswerKind,
    Interview,
    ItemQuestion,
    Part,
    Question,
    Section,
)
from scoring.numbers import round_half_up
from scoring.ruleset import Unit

# Short labels for the list of answers. Questions that feed one criterion
# without a label here use the criterion's label.
QUESTION_LABELS: Final[dict[str, str]] = {
    "teaches_informatics": N_("Teaches informatics at the school"),
    "role": N_("Post at the school"),
    "sole_informatics_teacher": N_("The only teacher of informatics at the school"),
    "employment": N_("Employment"),
    "days_per_week_at_school": N_("Days a week at the school"),
    "completes_hours_at_schools_with_manager": N_(
        "Completes the hours at schools with a lab manager"
    ),
    "manager_at_other_school": N_("Lab manager at another school"),
    "branch": N_("Branch"),
    "titles": N_("Postgraduate titles and second degrees"),
    "keplinet_service": N_("Served at a ΚΕ.ΠΛΗ.ΝΕ.Τ."),
    "languages": N_("Foreign languages"),
}

# The parts of the interview, for the progress marker ("2/7 · Titles of study").
PART_LABELS: Final[dict[Part, str]] = {
    Part.ELIGIBILITY: N_("Who can be appointed"),
    Part.TITLES: N_("Titles of study"),
    Part.SERVICE: N_("Service"),
    Part.EXPERIENCE: N_("Lab experience"),
    Part.CERTIFICATES: N_("Certificates and committees"),
    Part.LANGUAGES: N_("Foreign languages"),
    Part.SCHOOL: N_("Organic post"),
}

# "Title 2", "Period 1": the heading of one item of a list, by the list's kind.
ITEM_HEADINGS: Final[dict[AnswerKind, str]] = {
    AnswerKind.TITLES: N_("Title {n}"),
    AnswerKind.PERIODS: N_("Period {n}"),
    AnswerKind.LANGUAGES: N_("Language {n}"),
}
ADD_FIRST: Final[dict[AnswerKind, str]] = {
    AnswerKind.TITLES: N_("Add a title"),
    AnswerKind.PERIODS: N_("Add a period"),
    AnswerKind.LANGUAGES: N_("Add a language"),
}
ADD_ANOTHER: Final[dict[AnswerKind, str]] = {
    AnswerKind.TITLES: N_("Add another title"),
    AnswerKind.PERIODS: N_("Add another period"),
    AnswerKind.LANGUAGES: N_("Add another language"),
}
NONE_OF_KIND: Final[dict[AnswerKind, str]] = {
    AnswerKind.TITLES: N_("No titles"),
    AnswerKind.PERIODS: N_("No lab experience"),
    AnswerKind.LANGUAGES: N_("No languages"),
}

# Typed yes and no, compared without accents and case (the buttons' words are added).
_YES: Final = frozenset({"yes", "y", "yeah", "yep", "ναι", "ν", "nai", "ne", "σωστα", "ok"})
_NO: Final = frozenset({"no", "n", "nope", "οχι", "οχ", "ο", "oxi", "ochi", "ohi"})
_INTEGER: Final = re.compile(r"[+-]?[0-9]{1,6}")
_EDGE_PUNCTUATION: Final = " \t\n.,;!·\"'«»"


def fold(text: str) -> str:
    """Text as typed answers are compared: trimmed, case-folded, without accents."""
    decomposed = unicodedata.normalize("NFD", text.strip(_EDGE_PUNCTUATION).casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(kept.replace("ς", "σ").split())


def translators() -> list[Translator]:
    """Every language's translator: a teacher may type a word of either language."""
    return [get_translator(locale) for locale in LOCALES]


def yes_no(tr: Translator, value: bool) -> str:
    return tr.gettext("Yes") if value else tr.gettext("No")


# --- labels and answers as text ---------------------------------------------------------


def question_label(tr: Translator, ruleset: Ruleset, question: Question) -> str:
    """A short name of the question (of an interview of `ruleset`), for lists of answers."""
    label = QUESTION_LABELS.get(question.key)
    if label is not None:
        return tr.gettext(label)
    if len(question.criteria) == 1:
        return criterion_label(tr, ruleset, question.criteria[0])
    raise KeyError(f"no label for question {question.key!r}")


def item_heading(tr: Translator, question: Question, number: int) -> str:
    return tr.gettext(ITEM_HEADINGS[question.kind]).format(n=number)


def part_label(tr: Translator, part: Part) -> str:
    return tr.gettext(PART_LABELS[part])


def list_summary(tr: Translator, question: Question, items: Sequence[Any]) -> str:
    """A finished list in its unit, not its items: `3 titles`, `2,5 years` of lab experience
    (overlaps and thesis periods left out, as scored), `2 languages` (Greek and repeats of one
    language not counted)."""
    if not items:
        return tr.gettext(NONE_OF_KIND[question.kind])
    if question.kind == AnswerKind.PERIODS:
        years = lab_years_of(items)
        return unit_quantity(tr, Unit.CALENDAR_YEAR, years)
    if question.kind == AnswerKind.LANGUAGES:
        count = len(foreign_languages(items))
        return unit_quantity(tr, Unit.LANGUAGE, Decimal(count))
    return unit_quantity(tr, Unit.TITLE, Decimal(len(items)))


def lab_years_of(items: Sequence[Any]) -> Decimal:
    """Calendar years of lab experience of period items, as criterion ιγ counts them."""
    periods = []
    for item in items:
        try:
            start = date.fromisoformat(str(item["start"]))
            end = date.fromisoformat(str(item["end"]))
        except (KeyError, ValueError):
            continue
        periods.append(Period(start, end, bool(item.get("from_thesis"))))
    years, _notes = lab_experience_years(periods)
    return round_half_up(years, 3)


def foreign_languages(items: Sequence[Any]) -> set[str]:
    """The distinct foreign languages of language items (Greek is not one)."""
    return {
        language_key(str(item["language"]))
        for item in items
        if isinstance(item, Mapping)
        and item.get("language")
        and not is_greek(str(item["language"]))
    }


def cap_line(tr: Translator, ruleset: Ruleset, question: Question) -> str:
    """`Counts up to 5 school years.` for questions of a capped criterion; "" otherwise."""
    if question.units_to_cap is None or len(question.criteria) != 1:
        return ""
    criterion = ruleset.by_key[question.criteria[0]]
    quantity = unit_quantity(tr, criterion.unit, Decimal(question.units_to_cap))
    return tr.gettext("Counts up to {quantity}.").format(quantity=quantity)


def answer_text(tr: Translator, question: Question, value: Any) -> str:
    """An answer to a question as a short phrase: `Yes`, `3`, `Teacher`, `2 titles`."""
    if question.kind == AnswerKind.YES_NO:
        return yes_no(tr, bool(value))
    if question.kind == AnswerKind.INTEGER:
        return tr.number(int(value))
    if question.kind in LIST_KINDS:
        items = list(value or [])
        if not items:
            return tr.gettext(NONE_OF_KIND[question.kind])
        return "; ".join(item_text(tr, question, item, items) for item in items)
    if value in (None, ""):
        return tr.gettext("not given")
    return option_text(tr, question.key, str(value))


def item_text(
    tr: Translator, question: Question, item: Mapping[str, Any], items: Sequence[Any]
) -> str:
    """One item of a list as a phrase: `Master's degree, related, from abroad, recognised`."""
    if question.kind == AnswerKind.TITLES:
        return _title_text(tr, item, items)
    if question.kind == AnswerKind.PERIODS:
        return _period_text(tr, item)
    return _language_text(tr, item)


def _title_text(tr: Translator, item: Mapping[str, Any], items: Sequence[Any]) -> str:
    _ = tr.gettext
    kind = item.get("kind")
    parts = [option_text(tr, "titles.kind", str(kind)) if kind else _("title")]
    if "related" in item:
        parts.append(_("related subject") if item["related"] else _("unrelated subject"))
    if item.get("from_abroad") is True:
        if item.get("recognised") is False:
            parts.append(_("from abroad, not recognised by Δ.Ο.Α.Τ.Α.Π."))
        elif item.get("recognised") is True:
            parts.append(_("from abroad, recognised by Δ.Ο.Α.Τ.Α.Π."))
        else:
            parts.append(_("from abroad"))
    continues = item.get("continues")
    if continues:
        master = master_number(items, str(continues))
        if master is not None:
            parts.append(_("continues title {n}").format(n=master))
    same_field = item.get("same_field_as")
    if same_field:
        master = master_number(items, str(same_field))
        if master is not None:
            parts.append(_("same field as title {n}").format(n=master))
    return ", ".join(parts)


def master_number(items: Sequence[Any], title_id: str) -> int | None:
    """The position (from 1) of the title with `title_id` in `items`."""
    for number, other in enumerate(items, start=1):
        if isinstance(other, Mapping) and other.get("id") == title_id:
            return number
    return None


def _date_text(tr: Translator, value: object) -> str:
    if isinstance(value, str):
        try:
            return tr.date(date.fromisoformat(value))
        except ValueError:
            return value
    return "…"


def _period_text(tr: Translator, item: Mapping[str, Any]) -> str:
    text = f"{_date_text(tr, item.get('start'))} – {_date_text(tr, item.get('end'))}"
    if item.get("from_thesis") is True:
        text += " " + tr.gettext("(from a thesis: does not count)")
    return text


def _language_text(tr: Translator, item: Mapping[str, Any]) -> str:
    language = item.get("language")
    name = language_name(tr, str(language)) if language else tr.gettext("language")
    level = item.get("level")
    return f"{name} {option_text(tr, 'languages.level', str(level))}" if level else name


def continues_option_text(
    tr: Translator, value: object, items: Sequence[Any], name: str = "continues"
) -> str:
    """A button of "does this doctorate continue a master's?" (or, `name` "same_field_as",
    "is it in the same field as a master's?"): the master, or "No"."""
    if value is None and name == "same_field_as":
        return tr.gettext("No, another field")
    if value is None:
        return tr.gettext("No, another programme")
    number = master_number(items, str(value))
    if number is None:
        return str(value)
    master = items[number - 1]
    return tr.gettext("Yes, title {n}: {title}").format(
        n=number, title=_title_text(tr, master, items)
    )


# --- typed answers -----------------------------------------------------------------------


def _read_yes_no(text: str) -> bool | str:
    folded = fold(text)
    yes = set(_YES) | {fold(tr.gettext("Yes")) for tr in translators()}
    no = set(_NO) | {fold(tr.gettext("No")) for tr in translators()}
    if folded in yes:
        return True
    if folded in no:
        return False
    return text


def _read_integer(text: str) -> int | str:
    compact = text.strip()
    return int(compact) if _INTEGER.fullmatch(compact) else text


def _compact(text: str) -> str:
    """`fold` without spaces and dots: `Π.Ε. 86` names the option `ΠΕ86`."""
    return fold(text).replace(" ", "").replace(".", "")


def _read_choice(key: str, text: str, options: Sequence[str], free_text: bool) -> str:
    """The option that `text` names (its value or its label in any language), else the text.

    Free-text questions keep what was typed (trimmed); the others get the typed
    text back unchanged, which the interview's check refuses as no option.
    """
    folded = _compact(text)
    for option in options:
        names = {_compact(option)} | {
            _compact(option_text(tr, key, option)) for tr in translators()
        }
        if folded in names:
            return option
    return " ".join(text.split()) if free_text else text


def read_answer(question: Question, text: str) -> object:
    """What a teacher typed as an answer to `question`, as the interview's value type.

    Lists are answered with buttons only: their typed text comes back as it is.
    """
    if question.kind == AnswerKind.YES_NO:
        return _read_yes_no(text)
    if question.kind == AnswerKind.INTEGER:
        return _read_integer(text)
    if question.kind == AnswerKind.CHOICE:
        return _read_choice(question.key, text, question.options, question.free_text)
    if question.kind == AnswerKind.TEXT:
        return " ".join(text.split())
    return text


def read_item_answer(
    sub: ItemQuestion, text: str, item: Mapping[str, Any], others: Sequence[Any]
) -> object:
    """What a teacher typed as an answer about one list item (a date, a language, ...)."""
    if sub.kind == AnswerKind.YES_NO:
        return _read_yes_no(text)
    if sub.kind == AnswerKind.DATE:
        parsed = parse_date_text(text)
        return parsed.isoformat() if parsed is not None else text.strip()
    return _read_choice(sub.key, text, sub.current_options(item, others), sub.free_text)


# --- what the teacher can skip --------------------------------------------------------------


def can_skip(question: Question) -> bool:
    """Skip means "none" / 0 / no: offered for the points questions and optional ones.

    An eligibility fact has no "none" (skipping "do you teach informatics?"
    would silently answer yes), so those are answered.
    """
    return question.section == Section.POINTS or question.optional


def answer_lines(
    tr: Translator, interview: Interview, answers: Mapping[str, Any]
) -> list[tuple[Question, str]]:
    """Every question that applies to `answers`, in order, with its answer as text.

    A question without an answer (an uploaded declaration without eligibility
    facts) reads "not answered".
    """
    return [
        (
            question,
            answer_text(tr, question, answers[question.key])
            if question.key in answers
            else tr.gettext("not answered"),
        )
        for question in interview.applicable(answers)
    ]


# --- buttons by their label -------------------------------------------------------------------


T = TypeVar("T")
_LABEL_MARKS: Final = frozenset({"So", "Sk", "Pi", "Pf", "Cf", "Mn"})


def label_key(text: str) -> str:
    """A button label or a typed text as compared: folded, without emoji, arrows and quote
    marks (`✅ Τέλος` and `τελος` are the same; `-1` stays apart from `1`)."""
    kept = "".join(
        " " if unicodedata.category(ch) in _LABEL_MARKS or ch == "…" else ch for ch in fold(text)
    )
    return fold(" ".join(kept.split()))


def button_for_text(rows: Sequence[Sequence[tuple[str, T]]], text: str) -> T | None:
    """The action (or data) of the button whose label is what the teacher typed, or None."""
    typed = label_key(text)
    if not typed:
        return None
    for row in rows:
        for label, data in row:
            if label_key(label) == typed:
                return data
    return None


# --- eligibility at once ------------------------------------------------------------------


def eligibility_notice(
    tr: Translator, before: EligibilityResult | None, after: EligibilityResult | None
) -> str:
    """What to say at once when an answer lowers the best status still possible: "" if it
    did not. Not eligible: the reason, and that the points can still be calculated. Only as a
    fallback: what must be true (section 4)."""
    if after is None or after.status == EligibilityStatus.ELIGIBLE:
        return ""
    if before is not None and before.status.rank >= after.status.rank:
        return ""
    _ = tr.gettext
    known = {r.code for r in before.reasons} if before is not None else set()
    reasons = [r for r in after.reasons if r.lowers and r.code not in known] or [
        r for r in after.reasons if r.lowers
    ]
    if after.status == EligibilityStatus.NOT_ELIGIBLE:
        head = "⛔ " + _("With this answer you cannot be appointed lab manager at this school:")
        tail = _(
            "You can still go on below to calculate your points anyway, or stop with ✖ Cancel."
        )
    else:
        head = "⚠️ " + _(
            "With this answer you can be appointed only as a fallback, if no one who meets the "
            "main rules of section 4 can be. What must be true:"
        )
        tail = _("Go on below to calculate your points.")
    lines = [head, *(f"• {reason_text(tr, reason)}" for reason in reasons), tail]
    return "\n".join(lines)


STATUS_SHORT: Final[dict[EligibilityStatus, str]] = {
    EligibilityStatus.ELIGIBLE: N_("eligible"),
    EligibilityStatus.FALLBACK: N_("only as a fallback"),
    EligibilityStatus.NOT_ELIGIBLE: N_("not eligible"),
}


def status_change_text(tr: Translator, before: str, after: EligibilityStatus) -> str:
    """`Eligibility changed: not eligible → eligible.` for "Change an answer" ("" if equal)."""
    try:
        old = EligibilityStatus(before)
    except ValueError:
        return ""
    if old == after:
        return ""
    return tr.gettext("Eligibility changed: {before} → {after}.").format(
        before=tr.gettext(STATUS_SHORT[old]), after=tr.gettext(STATUS_SHORT[after])
    )
