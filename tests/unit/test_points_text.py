"""Points in words (bot/dialogs/points/ labels, questions, words): labels, notes, reasons,
errors, questions, outputs."""

from __future__ import annotations

import json
import string
from decimal import Decimal
from typing import Any

import pytest

from bot.dialogs.points import labels, questions, words
from bot.i18n import Translator, get_translator
from scoring import (
    CURRENT_RULESET,
    Document,
    EligibilityStatus,
    Employment,
    ErrorCode,
    Issue,
    NoteCode,
    ReasonCode,
    Role,
    score_object,
)
from scoring.interview import INTERVIEW, AnswerKind

RULES = CURRENT_RULESET
EL = get_translator("el")
EN = get_translator("en")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def all_msgids() -> list[str]:
    ids: list[str] = [
        *labels.RULESET_WORDS[CURRENT_RULESET.name].labels.values(),
        *labels.TITLE_KIND_NAMES.values(),
        *labels.DOCUMENT_TEXTS.values(),
        *words.NOTE_TEXTS.values(),
        *words.REASON_TEXTS.values(),
        *words.ROLE_REASON_TEXTS.values(),
        *words.EMPLOYMENT_REASON_TEXTS.values(),
        *words.STATUS_TEXTS.values(),
        *words.ERROR_TEXTS.values(),
        *questions.ANSWER_PROBLEM_TEXTS.values(),
        questions.ANSWER_PROBLEM_DEFAULT,
        *labels.OPTION_TEXTS.values(),
    ]
    for question, hint in questions.QUESTION_TEXTS.values():
        ids += [question, *([hint] if hint else [])]
    return ids


# --- completeness ----------------------------------------------------------------------------


def test_every_criterion_has_a_short_label() -> None:
    assert set(labels.RULESET_WORDS[CURRENT_RULESET.name].labels) == set(CURRENT_RULESET.keys)


def test_every_code_has_a_sentence() -> None:
    assert set(words.NOTE_TEXTS) == set(NoteCode)
    assert set(words.ERROR_TEXTS) == set(ErrorCode)
    assert set(labels.DOCUMENT_TEXTS) == set(Document)
    role_codes = {ReasonCode.HEAD_NOT_SOLE_TEACHER, ReasonCode.HEAD_SOLE_TEACHER}
    plural = {ReasonCode.TOO_FEW_DAYS, ReasonCode.FEW_DAYS_MANAGER_ELSEWHERE}
    by_employment = {ReasonCode.REDUCED_HOURS_EMPLOYMENT}
    assert set(words.REASON_TEXTS) | role_codes | plural | by_employment == set(ReasonCode)
    assert set(words.EMPLOYMENT_REASON_TEXTS) == {e for e in Employment if e.only_as_fallback}
    assert set(words.STATUS_TEXTS) == set(EligibilityStatus)
    for code in role_codes:
        for role in (Role.DIRECTOR, Role.DEPUTY_DIRECTOR):
            assert (code, role) in words.ROLE_REASON_TEXTS


def test_every_interview_question_has_a_text() -> None:
    keys = {q.key for q in INTERVIEW.questions} | {
        sub.key for q in INTERVIEW.questions for sub in q.items
    }
    assert set(questions.QUESTION_TEXTS) == keys


def test_every_fixed_option_has_a_label() -> None:
    # branches (ΠΕ86…) and the levels below B2 show as they are written
    for question in INTERVIEW.questions:
        if question.kind == AnswerKind.CHOICE and question.key != "branch":
            for option in question.options:
                assert (question.key, option) in labels.OPTION_TEXTS
        for sub in question.items:
            for option in sub.options:
                if option not in ("B1", "A2", "A1"):
                    assert (sub.key, option) in labels.OPTION_TEXTS, (sub.key, option)


@pytest.mark.parametrize("msgid", sorted(set(all_msgids())))
def test_every_text_is_translated_into_greek_with_the_same_placeholders(msgid: str) -> None:
    greek = EL.gettext(msgid)
    assert greek != msgid
    assert placeholders(greek) == placeholders(msgid)
    assert EN.gettext(msgid) == msgid


# --- pieces ----------------------------------------------------------------------------------


def test_criterion_label_is_translated() -> None:
    assert labels.criterion_label(EL, RULES, "γ") == "Μεταπτυχιακό σε συναφές αντικείμενο"
    assert labels.criterion_label(EN, RULES, "γ") == "Master's degree in a related subject"


def test_documents_for_a_title_include_doatap_recognition() -> None:
    documents = labels.documents_for(EN, CURRENT_RULESET, "α")
    assert any("Δ.Ο.Α.Τ.Α.Π." in d for d in documents)


def test_documents_text_lists_the_documents_of_the_criteria_met() -> None:
    result = score_object({"ict_level_b_certified": True, "keplinet_head_years": 1})
    lines = words.documents_text(EN, result).splitlines()
    assert lines[0] == "Documents to gather:"
    assert "ζ) Head or technical head of a ΚΕ.ΠΛΗ.ΝΕ.Τ." in lines
    assert "  • A certificate of the certification body" in lines
    assert words.documents_text(EN, score_object({})) == (
        "No criterion is met, so there are no documents to gather."
    )


def test_question_text_carries_the_points_from_the_ruleset() -> None:
    asked = questions.question_text(EL, RULES, INTERVIEW["keplinet_head_years"])
    assert asked.text.endswith(";")
    assert "1 μόριο ανά σχολικό έτος, έως 5 μόρια (κριτήριο ζ)" in asked.hint
    english = questions.question_text(
        EN, CURRENT_RULESET, INTERVIEW["keplinet_staff_years_under_3_days"]
    )
    assert "0.25 points per school year, up to 3 points (criterion θ)" in english.hint


def test_question_text_of_a_yes_no_criterion_names_its_points() -> None:
    assert (
        "3 points (criterion ιδ)"
        in questions.question_text(EN, RULES, INTERVIEW["ict_level_b_certified"]).hint
    )


def test_item_question_text() -> None:
    start = INTERVIEW["lab_experience_periods"].items[0]
    assert questions.question_text(EN, RULES, start) == questions.QuestionText(
        "When did this period of lab work start?",
        "A date as day/month/year, such as 15/09/2005.",
    )


def test_year_questions_say_that_only_whole_school_years_count() -> None:
    hint = questions.question_text(
        EN, CURRENT_RULESET, INTERVIEW["lab_manager_effective_years"]
    ).hint
    assert "a part of a school year does not count as a year (clause i)" in hint
    periods = questions.question_text(
        EN, CURRENT_RULESET, INTERVIEW["lab_experience_periods"]
    ).hint
    assert "clause i" not in periods  # lab experience is pro-rated


def test_related_is_not_defined_by_the_circular() -> None:
    hint = questions.question_text(EN, RULES, INTERVIEW["titles"].items[1]).hint
    assert hint.startswith("The circular does not define “related” (συναφές)")
    assert "the teachers' association judges" in hint


@pytest.mark.parametrize(
    ("tr", "unit_key", "quantity", "expected"),
    [
        (EL, "ζ", Decimal(1), "1 σχολικό έτος"),
        (EL, "ζ", Decimal(3), "3 σχολικά έτη"),
        (EL, "ιγ", Decimal("2.408"), "2,408 έτη"),
        (EN, "ιγ", Decimal("0.5"), "0.5 years"),
        (EN, "ιζ", Decimal(1), "1 language"),
        (EL, "ιδ", Decimal(1), ""),
    ],
)
def test_quantities_in_words(
    tr: Translator, unit_key: str, quantity: Decimal, expected: str
) -> None:
    unit = CURRENT_RULESET.by_key[unit_key].unit
    assert labels.unit_quantity(tr, unit, quantity) == expected


def test_note_sentences_fill_in_their_parameters() -> None:
    result = score_object(
        {
            "titles": [{"kind": "master", "related": True, "recognised": False}],
            "languages": [{"language": "de", "level": "A2"}],
            "lab_experience_periods": [
                {"start": "2016-01-01", "end": "2017-12-31", "from_thesis": True}
            ],
        }
    )
    notes = [words.note_text(EN, note) for note in result.notes]
    assert notes == [
        "Title 1 (master's degree) is from abroad and not recognised by Δ.Ο.Α.Τ.Α.Π.: "
        "it scores nothing until it is recognised.",
        "Lab experience 1 (Jan 1, 2016 – Dec 31, 2017) comes from a thesis or a doctoral "
        "dissertation and does not count.",
        "German at level A2 scores nothing: languages count from B2 upwards.",
    ]
    assert words.note_text(EL, result.notes[0]).startswith("Ο τίτλος 1 (μεταπτυχιακό)")


def test_cap_note_uses_greek_decimal_comma() -> None:
    result = score_object({"keplinet_acting_head_years": 11})
    assert words.note_text(EL, result.notes[0]) == (
        "Το κριτήριο ι) φτάνει το ανώτατο όριό του, 2 μόρια (η δήλωση αντιστοιχεί σε 2,2 μόρια)."
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            {"days_per_week_at_school": 1},
            "You teach at the school 1 day a week, but at least 3 are needed (section 4).",
        ),
        (
            {"days_per_week_at_school": 0},
            "You teach at the school 0 days a week, but at least 3 are needed (section 4).",
        ),
        (
            {"role": "deputy_director"},
            "A deputy director can be appointed only as the only teacher of informatics at "
            "the school (section 4).",
        ),
        (
            {"branch": "pe 20"},
            "Your branch is ΠΕ20. The circular names ΠΕ19 and ΠΕ20 (now ΠΕ86) first only for "
            "the compulsory assignment when no one applies (section 4); it gives no points and "
            "does not outrank anyone's points.",
        ),
        (
            {"employment": "hourly_paid"},
            "As an hourly-paid teacher, you can be appointed only if no permanent or full-time "
            "substitute teacher can be (section 4).",
        ),
        (
            {"days_per_week_at_school": 2, "completes_hours_at_schools_with_manager": True},
            "The two-day exception of section 4 is only for the school you belong to, where you "
            "have your organic post (οργανική θέση); without it, at least 3 days a week are "
            "needed.",
        ),
        (
            {"days_per_week_at_school": 1, "manager_at_other_school": True},
            "You teach at the school 1 day a week, fewer than section 4 asks, but you are the "
            "lab manager of another school of the same Directorate: section 4 lets you be "
            "appointed at both schools only if no other teacher of informatics at this school "
            "can be appointed.",
        ),
    ],
)
def test_reason_sentences(facts: dict[str, Any], expected: str) -> None:
    result = score_object({"eligibility": facts})
    assert result.eligibility is not None
    assert expected in [words.reason_text(EN, r) for r in result.eligibility.reasons]


def test_error_text_starts_with_the_field_path() -> None:
    issue = Issue("titles[1].continues", ErrorCode.DANGLING_CONTINUES, {"id": "m9"})
    assert words.error_text(EN, issue) == (
        "titles[1].continues: no title of the declaration has the id “m9”."
    )
    assert words.error_text(EL, issue).startswith("titles[1].continues: ")


def test_error_text_names_the_declaration_when_the_root_is_wrong() -> None:
    issue = Issue("", ErrorCode.NOT_AN_OBJECT)
    assert words.error_text(EN, issue) == "the declaration: must be a JSON object."
    assert words.error_text(EL, issue) == "η δήλωση: πρέπει να είναι αντικείμενο JSON."


def test_error_object_has_path_code_and_message() -> None:
    issue = Issue("keplinet_head_years", ErrorCode.OUT_OF_RANGE, {"minimum": 0, "maximum": 60})
    assert words.error_object(EN, issue) == {
        "path": "keplinet_head_years",
        "code": "out_of_range",
        "message": "keplinet_head_years: must be from 0 to 60.",
    }


@pytest.mark.parametrize(
    ("issue", "expected"),
    [
        (
            Issue("x", ErrorCode.OUT_OF_RANGE, {"minimum": 0, "maximum": 7}),
            "Στείλτε έναν αριθμό από 0 έως 7.",
        ),
        (Issue("x", ErrorCode.NOT_A_BOOLEAN), "Απαντήστε με ναι ή όχι."),
        (Issue("x", ErrorCode.MISSING_FIELD, {"field": "level"}), "Απαντήστε στην ερώτηση."),
    ],
)
def test_answer_problems_speak_plainly(issue: Issue, expected: str) -> None:
    assert questions.answer_problem(EL, issue) == expected


def test_answer_problem_shows_dates_in_the_users_format() -> None:
    issue = Issue("x", ErrorCode.START_AFTER_END, {"start": "2020-02-01", "end": "2020-01-01"})
    assert (
        questions.answer_problem(EN, issue) == "The end cannot be before the start (Feb 1, 2020)."
    )


def test_language_codes_show_as_names() -> None:
    assert labels.language_name(EL, " EN ") == "Αγγλικά"
    assert labels.language_name(EL, "Κινέζικα") == "Κινέζικα"
    assert labels.option_text(EN, "role", "deputy_director") == "Deputy director"
    assert labels.option_text(EN, "branch", "ΠΕ86") == "ΠΕ86"


# --- the breakdown ---------------------------------------------------------------------------


def test_breakdown_in_greek_uses_the_decimal_comma() -> None:
    result = score_object(
        {
            "keplinet_head_years": 9,
            "keplinet_staff_years_3plus_days": 1,
            "titles": [{"kind": "second_degree", "related": False}],
            "eligibility": {"days_per_week_at_school": 1, "branch": "ΠΕ86"},
        }
    )
    lines = words.render_breakdown(EL, result).splitlines()
    assert lines[0] == "Ενδεικτικό σύνολο: 6 μόρια"
    assert "στ) Δεύτερο πτυχίο σε μη συναφές αντικείμενο: 0,5 μόρια" in lines
    assert (
        "ζ) Υπεύθυνος/η ή Τεχνικός/ή Υπεύθυνος/η ΚΕ.ΠΛΗ.ΝΕ.Τ.: "
        "5 μόρια (9 σχολικά έτη, ανώτατο όριο)"
    ) in lines
    assert (
        "η) Συνεργάτης/τιδα ΚΕ.ΠΛΗ.ΝΕ.Τ., 3 ή περισσότερες ημέρες την εβδομάδα: "
        "0,5 μόρια (1 σχολικό έτος)"
    ) in lines
    assert (
        "Δεν πληροίτε τις προϋποθέσεις: "
        "δεν μπορείτε να οριστείτε Υ.Σ.Ε.Π.Ε.Η.Υ. σε αυτό το σχολείο."
    ) in lines
    assert (
        "• Διδάσκετε στο σχολείο 1 ημέρα την εβδομάδα, αλλά χρειάζονται τουλάχιστον 3 (ενότητα 4)."
    ) in lines
    assert lines[-1].startswith("Τα μόρια είναι ενδεικτικά: ο σύλλογος διδασκόντων")
    assert "Δ.Δ.Ε." in lines[-1]


def test_breakdown_shows_only_the_criteria_met() -> None:
    result = score_object(
        {"lab_experience_periods": [{"start": "2020-01-01", "end": "2020-06-30"}]}
    )
    body = words.render_breakdown(EN, result)
    assert "ιγ) Lab experience outside school: 0.5 points (0.5 years)" in body
    criterion_lines = [line for line in body.splitlines() if ") " in line.split(":")[0]]
    assert len(criterion_lines) == 1
    assert "Eligible" not in body


def test_breakdown_of_an_empty_declaration() -> None:
    body = words.render_breakdown(EN, score_object({}))
    assert body.splitlines()[:3] == [
        "Provisional total: 0 points",
        "",
        "No criterion is met.",
    ]
    assert "provisional" in body.splitlines()[-1]


def test_breakdown_counts_several_titles_of_one_criterion() -> None:
    result = score_object({"titles": [{"kind": "phd", "related": True}] * 2})
    assert "α) Doctorate in a related subject: 6 points (2 titles)" in words.render_breakdown(
        EN, result
    )


# --- the output object -----------------------------------------------------------------------


def test_output_object_follows_the_spec() -> None:
    result = score_object(
        {
            "titles": [{"kind": "second_degree", "related": False}],
            "lab_experience_periods": [{"start": "2020-01-01", "end": "2020-01-31"}],
            "organic_position_at_school": True,
            "languages": [{"language": "el", "level": "C2"}],
        }
    )
    out = words.output_object(EN, result)
    assert list(out) == ["schema", "total", "total_min", "criteria", "notes"]
    assert out["schema"] == "ysepehy-score/2"
    assert out["total"] == 2.583
    assert list(out["criteria"]) == list(CURRENT_RULESET.keys)
    assert out["criteria"]["κ"] == 2
    assert isinstance(out["criteria"]["κ"], int)
    assert out["criteria"]["στ"] == 0.5
    assert out["criteria"]["ιγ"] == 0.083
    assert out["notes"] == ["“el” is Greek, not a foreign language: it scores nothing."]
    assert json.loads(words.dumps(out)) == out


def test_json_numbers_keep_the_exact_digits() -> None:
    for value in ("6", "0.5", "1.083", "31.408", "0.25", "2.292", "54.999"):
        assert json.dumps(words.json_number(Decimal(value))) == value


def test_output_object_has_eligibility_only_when_declared() -> None:
    without = words.output_object(EN, score_object({}))
    assert "eligibility" not in without
    with_facts = words.output_object(EL, score_object({"eligibility": {"branch": "ΠΕ19"}}))
    assert with_facts["eligibility"]["status"] == "eligible"
    assert with_facts["eligibility"]["eligible"] is True
    assert with_facts["eligibility"]["priority_branch"] is True
    assert with_facts["eligibility"]["reasons"] == [
        "Θα διδάξετε Πληροφορική στο σχολείο.",
        "Διδάσκετε στο σχολείο 5 ημέρες την εβδομάδα (χρειάζονται τουλάχιστον 3, ενότητα 4).",
        "Ο κλάδος σας είναι ΠΕ19. Η εγκύκλιος δίνει προτεραιότητα στους ΠΕ19 και ΠΕ20 (σήμερα "
        "ΠΕ86) μόνο για την υποχρεωτική ανάθεση, όταν δεν εκδηλώσει κανείς ενδιαφέρον "
        "(ενότητα 4)· δεν δίνει μόρια και δεν υπερισχύει των μορίων κανενός.",
    ]


def test_a_fallback_says_what_must_be_true_citing_section_4() -> None:
    result = score_object({"eligibility": {"employment": "reduced_hours_substitute"}})
    out = words.output_object(EN, result)
    assert (out["eligibility"]["status"], out["eligibility"]["eligible"]) == ("fallback", False)
    lines = words.render_breakdown(EN, result).splitlines()
    verdict = lines.index(
        "Only as a fallback: you can be appointed lab manager only if no one who meets the "
        "main rules of section 4 can be. What must be true:"
    )
    assert lines[verdict + 1] == (
        "• As a reduced-hours substitute teacher, you can be appointed only if no permanent or "
        "full-time substitute teacher can be (section 4)."
    )


def test_both_totals_show_when_clause_iii_leaves_the_case_open() -> None:
    result = score_object(
        {
            "titles": [
                {"kind": "master", "related": True, "id": "m"},
                {"kind": "phd", "related": True, "same_field_as": "m"},
            ],
            "keplinet_training_years": 1,
        }
    )
    assert words.render_breakdown(EL, result).splitlines()[0] == (
        "Ενδεικτικό σύνολο: 10,5 μόρια· 6,5 αν ο σύλλογος μετρήσει μόνο τον ανώτερο τίτλο"
    )
    assert words.total_text(EN, result) == (
        "10.5 points; 6.5 if the teachers' association counts only the higher title"
    )
    out = words.output_object(EN, result)
    assert (out["total"], out["total_min"]) == (10.5, 6.5)
    [note] = out["notes"]
    assert "Clause iii of the circular does not settle this case" in note
    assert note.endswith("the total is 6.5 points.")
