"""FAQ content: the shipped catalogs, their validation, and answers with the centre's contacts."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import load_settings
from bot.services.faq.catalog import (
    ACTIONS,
    MAX_ANSWER_CHARS,
    CentreContacts,
    FaqCatalog,
    FaqContentError,
    load_catalogs,
)
from scoring.ruleset import CURRENT_RULESET

REQUIRED_IDS = [
    "keplinet-what",
    "keplinet-coordination",
    "keplinet-legal-basis",
    "support-request",
    "support-scope",
    "support-repairs",
    "psd-connectivity",
    "upgrades",
    "equipment-relocation",
    "equipment-registry",
    "training-seminars",
    "school-visits",
    "advisory-dde",
    "ysepehy-selection",
    "ysepehy-term",
    "ysepehy-criteria",
    "ysepehy-who",
    "ysepehy-director",
    "ysepehy-days",
    "ysepehy-multiple-labs",
    "ysepehy-shared-lab",
    "ysepehy-no-interest",
    "ysepehy-duties",
    "ysepehy-documents",
    "ysepehy-languages",
    "ysepehy-lab-experience",
    "ysepehy-part-time",
    "ysepehy-two-schools",
    "ysepehy-foreign-titles",
    # issue 12
    "ysepehy-ties",
    "ysepehy-which-schools",
    "ysepehy-related-subject",
    "ysepehy-priority-vs-points",
    "ysepehy-part-year",
    "ysepehy-how-to-apply",
    "ysepehy-max-points",
    "ysepehy-organic-post",
    "ysepehy-duty-exemption",
    "ysepehy-deadlines",
    "bot-privacy",
    "bot-report-fault",
]


@pytest.fixture(scope="module")
def catalogs() -> dict[str, FaqCatalog]:
    return load_catalogs()


# --- the shipped content -----------------------------------------------------------------------


def test_both_catalogs_have_every_required_id_and_the_same_ids(
    catalogs: dict[str, FaqCatalog],
) -> None:
    el, en = catalogs["el"], catalogs["en"]
    assert set(REQUIRED_IDS) <= set(el.entries)
    assert list(el.entries) == list(en.entries)


def test_every_group_has_entries_in_the_same_menu_order(catalogs: dict[str, FaqCatalog]) -> None:
    assert list(catalogs["el"].groups) == ["keplinet", "ysepehy", "points", "bot"]
    for catalog in catalogs.values():
        for group in catalog.groups:
            assert catalog.entries_in(group)


@pytest.mark.parametrize(
    ("entry_id", "action"),
    [
        ("ysepehy-criteria", "points"),
        ("support-request", "report"),
        ("bot-report-fault", "report"),
        ("keplinet-what", None),
    ],
)
def test_entries_carry_their_action_button(
    catalogs: dict[str, FaqCatalog], entry_id: str, action: str | None
) -> None:
    assert catalogs["el"].entries[entry_id].action == action
    assert catalogs["en"].entries[entry_id].action == action


def test_greek_answers_are_in_greek_and_english_ones_in_english(
    catalogs: dict[str, FaqCatalog],
) -> None:
    for entry in catalogs["el"].entries.values():
        assert any("α" <= ch <= "ω" for ch in entry.answer.lower()), entry.id
    for entry in catalogs["en"].entries.values():
        words = entry.answer.split()
        latin = [w for w in words if w.isascii()]
        assert len(latin) > len(words) / 2, entry.id


def test_contacts_come_from_the_settings_and_are_escaped(catalogs: dict[str, FaqCatalog]) -> None:
    settings = load_settings(
        centre_name="ΚΕ.ΠΛΗ.ΝΕ.Τ. <Δυτικής> Αθήνας",
        centre_phone="210 0000000",
        centre_email="keplinet@example.sch.gr",
    )
    text = catalogs["el"].render_answer("support-request", CentreContacts.from_settings(settings))
    assert "ΚΕ.ΠΛΗ.ΝΕ.Τ. &lt;Δυτικής&gt; Αθήνας" in text
    assert "210 0000000" in text
    assert "keplinet@example.sch.gr" in text
    assert "{" not in text


def test_the_default_centre_name_names_no_centre(catalogs: dict[str, FaqCatalog]) -> None:
    contacts = CentreContacts.from_settings(load_settings(centre_name="ΚΕ.ΠΛΗ.ΝΕ.Τ."))
    assert contacts.name is None
    text = catalogs["el"].render_answer("keplinet-what", contacts)
    assert "το ΚΕ.ΠΛΗ.ΝΕ.Τ. της Διεύθυνσής σας" in text


def test_missing_contacts_fall_back_to_the_catalogs_wording(
    catalogs: dict[str, FaqCatalog],
) -> None:
    contacts = CentreContacts(name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Χανίων", phone="  ", email=None)
    el = catalogs["el"].render_answer("support-request", contacts)
    en = catalogs["en"].render_answer("support-request", contacts)
    assert catalogs["el"].fallbacks["centre_phone"] in el
    assert catalogs["en"].fallbacks["centre_email"] in en
    assert "ΚΕ.ΠΛΗ.ΝΕ.Τ. Χανίων" in el


def test_every_rendered_answer_fits_a_phone_screen(catalogs: dict[str, FaqCatalog]) -> None:
    for catalog in catalogs.values():
        for entry_id in catalog.entries:
            assert len(catalog.render_answer(entry_id)) <= MAX_ANSWER_CHARS


def test_the_seeds_numbers_are_quoted_exactly(catalogs: dict[str, FaqCatalog]) -> None:
    # Facts that must match the source documents word for word.
    el = catalogs["el"]
    assert "92995/Γ7/10-8-2012" in el.entries["keplinet-legal-basis"].answer
    assert "4386/2016" in el.entries["ysepehy-duties"].answer
    assert "Τμήμα Στ΄ Μελετών" in el.entries["keplinet-coordination"].answer
    languages = el.entries["ysepehy-languages"].answer
    assert "1 μόριο ανά γλώσσα, έως 2" in languages
    assert "0,5 ανά γλώσσα, έως 1,5" in languages
    assert "0,25 ανά γλώσσα, έως 1" in languages


# "(ζ): <b>1</b> per year, up to 5", "(ιδ): 3 μόρια", "(ιε): 0,5 ανά πρόγραμμα, έως 4"
_QUOTED_CRITERION = re.compile(
    r"\((?P<key>[α-ω]{1,3})\): (?:<b>)?(?P<points>\d+(?:[.,]\d+)?)(?:</b>)?"
    r"(?: (?:ανά|per) [^,\n]+, (?:έως|up to) (?P<cap>\d+(?:[.,]\d+)?))?"
)


@pytest.mark.parametrize("language", ["el", "en"])
def test_the_points_quoted_per_criterion_are_the_circulars(
    catalogs: dict[str, FaqCatalog], language: str
) -> None:
    # The answers that list criteria one by one must say what scoring/ computes.
    quoted = [
        match
        for entry_id in ("ysepehy-service-points", "ysepehy-certifications")
        for match in _QUOTED_CRITERION.finditer(catalogs[language].entries[entry_id].answer)
    ]
    assert {m["key"] for m in quoted} == {"ζ", "η", "θ", "ι", "ια", "ιδ", "ιε", "ιστ"}
    for match in quoted:
        criterion = CURRENT_RULESET.by_key[match["key"]]
        assert match["points"].replace(",", ".") == str(criterion.points), match.group(0)
        cap = match["cap"].replace(",", ".") if match["cap"] else None
        assert cap == (str(criterion.cap) if criterion.per_unit else None), match.group(0)


def test_criterion_ι_is_acting_head_or_technical_head_of_a_centre(
    catalogs: dict[str, FaqCatalog],
) -> None:
    # Circular 170610/Δ2, 2.ι: acting Υ.ΚΕ.ΠΛΗ.ΝΕ.Τ. *or* Τ.Υ.ΚΕ.ΠΛΗ.ΝΕ.Τ., without selection.
    [el_line] = [
        line
        for line in catalogs["el"].entries["ysepehy-service-points"].answer.splitlines()
        if "(ι)" in line
    ]
    assert "Τεχνικού Υπευθύνου ΚΕ.ΠΛΗ.ΝΕ.Τ." in el_line
    assert "χωρίς διαδικασία επιλογής" in el_line


def _answer(catalogs: dict[str, FaqCatalog], language: str, entry_id: str) -> str:
    return re.sub(r"<[^>]+>", "", catalogs[language].entries[entry_id].answer)


def test_the_caps_add_up_to_the_55_the_answers_quote(catalogs: dict[str, FaqCatalog]) -> None:
    # A criterion without a cap is awarded once: its points are its maximum.
    caps = sum(c.points if c.cap is None else c.cap for c in CURRENT_RULESET.criteria)
    assert caps == 55
    assert "αθροίζουν 55" in _answer(catalogs, "el", "ysepehy-max-points")
    assert "add up to 55" in _answer(catalogs, "en", "ysepehy-max-points")


@pytest.mark.parametrize("language", ["el", "en"])
def test_no_answer_frames_the_points_as_out_of_55(
    catalogs: dict[str, FaqCatalog], language: str
) -> None:
    framing = re.compile(r"(στα|από τα|out of|from) 55|/55", re.IGNORECASE)
    for entry_id in catalogs[language].entries:
        assert not framing.search(_answer(catalogs, language, entry_id)), entry_id


def test_the_doctorate_in_the_same_field_is_left_to_the_association_as_the_calculator_shows(
    catalogs: dict[str, FaqCatalog],
) -> None:
    # Spec revision 2: the case clause iii leaves open; `total` and `total_min` both shown.
    el = _answer(catalogs, "el", "ysepehy-degrees")
    assert "στον ίδιο κλάδο αλλά σε άλλο πρόγραμμα" in el
    assert "και τα δύο σύνολα" in el
    assert "σύλλογος" in el
    en = _answer(catalogs, "en", "ysepehy-degrees")
    assert "in the same field but another programme" in en
    assert "both totals" in en
    assert "association decides" in en


def test_training_counts_only_at_ones_own_centre(catalogs: dict[str, FaqCatalog]) -> None:
    assert "άλλου ΚΕ.ΠΛΗ.ΝΕ.Τ. δεν μετρούν στο ιβ" in _answer(catalogs, "el", "training-seminars")
    assert "Another centre's activities do not count for ιβ" in _answer(
        catalogs, "en", "training-seminars"
    )


def test_english_says_organic_post_and_names_both_secondment_and_assignment(
    catalogs: dict[str, FaqCatalog],
) -> None:
    english = catalogs["en"]
    for entry in english.entries.values():
        assert "permanent post" not in entry.answer.lower(), entry.id
    assert "organic post (οργανική θέση)" in english.entries["ysepehy-criteria"].answer
    for entry_id in ("ysepehy-service-points", "ysepehy-organic-post"):
        assert "απόσπαση ή διάθεση" in english.entries[entry_id].answer


@pytest.mark.parametrize(
    ("language", "entry_id", "phrase"),
    [
        ("el", "ysepehy-ties", "δεν προβλέπει κριτήριο ισοβαθμίας"),
        ("en", "ysepehy-ties", "has no tie-break rule"),
        ("el", "ysepehy-related-subject", "Το κρίνει ο σύλλογος διδασκόντων"),
        ("en", "ysepehy-related-subject", "The teachers' association judges"),
        ("el", "ysepehy-priority-vs-points", "δεν λέει ότι ο κλάδος υπερισχύει των μορίων"),
        ("en", "ysepehy-priority-vs-points", "does not say that the specialism outranks"),
        ("el", "ysepehy-which-schools", "Δεν αφορά τα δημοτικά σχολεία"),
        ("en", "ysepehy-which-schools", "does not concern primary schools"),
        ("el", "ysepehy-part-year", "μόνο ολόκληρα σχολικά έτη"),
        ("en", "ysepehy-part-year", "whole school years only"),
        ("el", "ysepehy-how-to-apply", "ενυπόγραφα"),
        ("en", "ysepehy-how-to-apply", "in writing, against signature"),
        ("el", "ysepehy-duty-exemption", "δύο ή περισσότερα εργαστήρια"),
        ("en", "ysepehy-duty-exemption", "two or more labs"),
        ("el", "ysepehy-deadlines", "δεν ορίζει ημερομηνίες"),
        ("en", "ysepehy-deadlines", "sets no dates"),
        # Section 4's fallback: named wherever who may be appointed is discussed.
        ("el", "ysepehy-who", "Μόνο αν δεν μπορεί να οριστεί άλλος"),
        ("en", "ysepehy-who", "Only if nobody else can be appointed"),
        ("el", "ysepehy-days", "Με λιγότερες ημέρες"),
        ("en", "ysepehy-days", "With fewer days"),
    ],
)
def test_where_the_circular_is_silent_or_conditional_the_answer_says_so(
    catalogs: dict[str, FaqCatalog], language: str, entry_id: str, phrase: str
) -> None:
    assert phrase in _answer(catalogs, language, entry_id)


def test_only_the_deadlines_entry_has_live_dates_and_it_offers_reminders(
    catalogs: dict[str, FaqCatalog],
) -> None:
    for catalog in catalogs.values():
        live = {e.id: e.live for e in catalog.entries.values() if e.live}
        assert live == {"ysepehy-deadlines": "deadlines"}
        assert catalog.entries["ysepehy-deadlines"].action == "reminders"
        assert catalog.entries["ysepehy-how-to-apply"].action == "reminders"


# --- validation of broken files ----------------------------------------------------------------


def _entry(entry_id: str, related: list[str], action: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": entry_id,
        "group": "main",
        "title": f"Title {entry_id}",
        "question": f"Question {entry_id}?",
        "answer": f"<b>Answer</b> {entry_id}, call {{centre_phone}}.",
        "phrasings": [f"another way to ask {entry_id}"],
        "keywords": ["word"],
        "related": related,
    }
    if action:
        entry["action"] = action
    return entry


def _catalog(language: str) -> dict[str, Any]:
    return {
        "language": language,
        "groups": {"main": "Main"},
        "fallbacks": {"centre_name": "n", "centre_phone": "p", "centre_email": "e"},
        "entries": [_entry("first", ["second"], "report"), _entry("second", [])],
    }


def _write(directory: Path, catalogs: dict[str, dict[str, Any] | str]) -> None:
    for language, content in catalogs.items():
        (directory / language).mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
        (directory / language / "faq.yaml").write_text(text, encoding="utf-8")


Mutation = Callable[[dict[str, Any]], None]


def _set(entry: int, name: str, value: object) -> Mutation:
    def mutate(catalog: dict[str, Any]) -> None:
        catalog["entries"][entry][name] = value

    return mutate


def _drop(entry: int, name: str) -> Mutation:
    def mutate(catalog: dict[str, Any]) -> None:
        del catalog["entries"][entry][name]

    return mutate


def test_a_valid_fixture_loads(tmp_path: Path) -> None:
    _write(tmp_path, {"el": _catalog("el"), "en": _catalog("en")})
    catalogs = load_catalogs(tmp_path)
    assert list(catalogs["en"].entries) == ["first", "second"]
    assert catalogs["el"].entries["first"].action in ACTIONS


@pytest.mark.parametrize(
    ("mutation", "entry", "message"),
    [
        (_set(1, "id", "first"), "first", "duplicate id"),
        (_set(0, "related", ["nowhere"]), "first", "related id(s) not found: nowhere"),
        (_set(0, "related", ["first"]), "first", "related to itself"),
        (_drop(1, "answer"), "second", "missing field 'answer'"),
        (_drop(0, "phrasings"), "first", "missing field 'phrasings'"),
        (_set(0, "answr", "typo"), "first", "unknown field(s) answr"),
        (_set(0, "action", "launch"), "first", "unknown action 'launch'"),
        (_set(0, "live", "weather"), "first", "unknown live part 'weather'"),
        (_set(0, "group", "other"), "first", "unknown group 'other'"),
        (_set(0, "question", ""), "first", "'question' must be a non-empty string"),
        (_set(0, "phrasings", []), "first", "'phrasings' must be a non-empty list"),
        (_set(0, "keywords", "word"), "first", "'keywords' must be a list"),
        (_set(0, "id", "Bad Id"), "Bad Id", "lower-case words"),
        (_set(0, "title", "x" * 60), "first", "'title' longer than"),
        (_set(1, "answer", "<b>never closed"), "second", "<b> is never closed"),
        (_set(1, "answer", "<div>block</div>"), "second", "tag <div> is not allowed"),
        (_set(1, "answer", "<a>link</a>"), "second", "<a> without href"),
        (_set(1, "answer", "Q & A"), "second", "bare '&'"),
        (_set(1, "answer", "call {phone}"), "second", "unknown placeholder {phone}"),
        (_set(1, "answer", "a { brace"), "second", "bad braces"),
        (_set(1, "answer", "long " * 300), "second", "keep it under"),
    ],
)
def test_a_broken_entry_is_named_in_the_error(
    tmp_path: Path, mutation: Mutation, entry: str, message: str
) -> None:
    broken = _catalog("en")
    mutation(broken)
    _write(tmp_path, {"el": _catalog("el"), "en": broken})
    with pytest.raises(FaqContentError) as error:
        load_catalogs(tmp_path)
    text = str(error.value)
    assert str(tmp_path / "en" / "faq.yaml") in text
    assert f"entry {entry!r}" in text
    assert message in text


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda c: c.update(language="fr"), "'language' must be 'en'"),
        (lambda c: c.update(entries=[]), "'entries' must be a non-empty list"),
        (lambda c: c["fallbacks"].pop("centre_email"), "'fallbacks' must give a text"),
        (lambda c: c.update(colour="blue"), "unknown top-level field(s) colour"),
        (lambda c: c["groups"].update(empty="Empty"), "group 'empty' has no entries"),
    ],
)
def test_a_broken_file_is_named_in_the_error(
    tmp_path: Path, mutation: Mutation, message: str
) -> None:
    broken = _catalog("en")
    mutation(broken)
    _write(tmp_path, {"el": _catalog("el"), "en": broken})
    with pytest.raises(FaqContentError, match=re.escape(message)) as error:
        load_catalogs(tmp_path)
    assert str(tmp_path / "en" / "faq.yaml") in str(error.value)


def test_invalid_yaml_is_reported_with_its_file(tmp_path: Path) -> None:
    _write(tmp_path, {"el": "entries: [unclosed\n", "en": _catalog("en")})
    with pytest.raises(FaqContentError, match="not valid YAML") as error:
        load_catalogs(tmp_path)
    assert str(tmp_path / "el" / "faq.yaml") in str(error.value)


def test_a_missing_file_is_reported_with_its_path(tmp_path: Path) -> None:
    _write(tmp_path, {"el": _catalog("el")})
    with pytest.raises(FaqContentError, match="cannot read") as error:
        load_catalogs(tmp_path)
    assert str(tmp_path / "en" / "faq.yaml") in str(error.value)


def test_catalogs_with_different_ids_are_refused(tmp_path: Path) -> None:
    en = _catalog("en")
    en["entries"].append(_entry("third", []))
    _write(tmp_path, {"el": _catalog("el"), "en": en})
    with pytest.raises(FaqContentError, match="same ids") as error:
        load_catalogs(tmp_path)
    assert "third" in str(error.value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("action", "points", "action differs"), ("related", [], "related ids differ")],
)
def test_an_entry_that_differs_between_languages_is_refused(
    tmp_path: Path, name: str, value: object, message: str
) -> None:
    en = copy.deepcopy(_catalog("en"))
    en["entries"][0][name] = value
    _write(tmp_path, {"el": _catalog("el"), "en": en})
    with pytest.raises(FaqContentError, match=message) as error:
        load_catalogs(tmp_path)
    assert "entry 'first'" in str(error.value)
