"""Points, in words: the interview's questions, hints and what is wrong with an answer.

A question's hint names the points at stake under the interview's ruleset (the
ruleset is passed in: an interview carries its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from bot.dialogs.points.labels import fill, scoring_rule
from bot.i18n import N_, Translator
from scoring import Criterion, ErrorCode, Issue, Ruleset, Unit
from scoring.interview import ItemQuestion, Question

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


def answer_problem(tr: Translator, issue: Issue) -> str:
    """What the chat says when an answer does not fit (from `scoring.answers.check_answer`)."""
    template = ANSWER_PROBLEM_TEXTS.get(issue.code, ANSWER_PROBLEM_DEFAULT)
    return fill(tr, template, issue.params)


def whole_years_hint(tr: Translator) -> str:
    return tr.gettext(
        "Whole school years only (1 September to 31 August): a part of a school year does not "
        "count as a year (clause i)."
    )


def question_text(
    tr: Translator, ruleset: Ruleset, question: Question | ItemQuestion
) -> QuestionText:
    """The question as asked, and a one-line hint with the points it can bring."""
    text, hint = QUESTION_TEXTS[question.key]
    parts = [tr.gettext(hint)] if hint else []
    if isinstance(question, Question):
        criteria = list(_rule_criteria(ruleset, question))
        if any(c.unit == Unit.SCHOOL_YEAR for c in criteria):
            parts.append(whole_years_hint(tr))
        parts.extend(scoring_rule(tr, criterion) for criterion in criteria)
    return QuestionText(tr.gettext(text), " ".join(p.rstrip(".") + "." for p in parts))


def _rule_criteria(ruleset: Ruleset, question: Question) -> Iterable[Criterion]:
    # Lists of titles and languages feed several criteria: their hint names them instead.
    if len(question.criteria) == 1:
        yield ruleset.by_key[question.criteria[0]]
