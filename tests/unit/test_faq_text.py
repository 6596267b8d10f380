"""Greek text processing for the FAQ search: folding, Greeklish, phonetic keys, stemming."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.faq.greek import (
    MAX_VARIANTS,
    MIN_STEM,
    english_stem,
    fold,
    greek_term,
    greeklish_variants,
    is_greek,
    is_latin,
    phonetic_key,
    stem,
    tokens,
)


def term(word: str) -> str:
    return greek_term(fold(word))


def greeklish_terms(word: str) -> list[str]:
    return [greek_term(v) for v in greeklish_variants(word)]


# --- folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Βοήθεια", "βοηθεια"),
        ("ΥΠΕΎΘΥΝΟΣ", "υπευθυνοσ"),
        ("προϊστάμενος", "προισταμενοσ"),
        ("ΐ ΰ", "ι υ"),
        ("ΚΕ.ΠΛΗ.ΝΕ.Τ.", "κεπληνετ."),
        ("Υ.Σ.Ε.Π.Ε.Η.Υ.", "υσεπεηυ."),
        ("Η/Υ", "ηυ"),
        ("Δ/νση Β/θμιας", "δνση βθμιασ"),
        ("e-mail", "email"),
        ("Τμήμα Στ΄ Μελετών", "τμημα στ μελετων"),
    ],
)
def test_fold_removes_case_accents_final_sigma_and_abbreviation_marks(
    text: str, folded: str
) -> None:
    assert fold(text) == folded


def test_tokens_keep_words_and_numbers_and_drop_punctuation() -> None:
    assert tokens("Τι είναι τα ΚΕ.ΠΛΗ.ΝΕ.Τ.; (εγκύκλιος 170610/Δ2)") == [
        "τι",
        "ειναι",
        "τα",
        "κεπληνετ",
        "εγκυκλιοσ",
        "170610",
        "δ2",
    ]


def test_script_detection() -> None:
    assert is_greek("σχολειο")
    assert not is_latin("σχολειο")
    assert is_latin("sxoleio")
    assert not is_greek("sxoleio")
    assert not is_greek("2016")
    assert not is_latin("2016")


@given(st.text(max_size=40))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


# --- Greeklish -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latin", "greek"),
    [
        ("voitheia", "βοηθεια"),  # oi as two vowels
        ("bohtheia", "μποηθεια"),
        ("voh8eia", "βοηθεια"),  # 8 = θ
        ("thn", "την"),  # th before a consonant = τη
        ("sthn", "στην"),
        ("ergasthrio", "εργαστηριο"),
        ("theseis", "θεσεισ"),  # th before a vowel = θ
        ("xalase", "χαλασε"),  # x = χ ...
        ("taxi", "ταξι"),  # ... or ξ
        ("ksenes", "κσενεσ"),
        ("3enes", "ξενεσ"),  # 3 = ξ
        ("4ifiaki", "ψιφιακι"),  # 4 = ψ
        ("chrisi", "χρισι"),  # ch = χ
        ("khrisi", "χρισι"),  # kh = χ
        ("sholeio", "σχολειο"),  # h before a vowel = χ
        ("ekpaideush", "εκπαιδευση"),  # h at the end = η
        ("mhtera", "μητερα"),  # h before a consonant = η
        ("ypologisths", "υπολογιστησ"),
        ("kouzina", "κουζινα"),  # ou = ου
        ("kuzina", "κουζινα"),  # u = ου ...
        ("upeuthunos", "υπευθυνοσ"),  # ... or υ
        ("pws", "πωσ"),  # w = ω
        ("mporw", "μπορω"),
        ("proistamenos", "προισταμενοσ"),
    ],
)
def test_greeklish_variants_include_the_greek_spelling(latin: str, greek: str) -> None:
    assert greek in greeklish_variants(latin)


@pytest.mark.parametrize(
    ("latin", "first"),
    [("thn", "την"), ("xronia", "χρονια"), ("hmera", "ημερα"), ("ehw", "εχω"), ("8ema", "θεμα")],
)
def test_greeklish_most_likely_reading_comes_first(latin: str, first: str) -> None:
    assert greeklish_variants(latin)[0] == first


def test_greeklish_variants_are_bounded_and_unique() -> None:
    variants = greeklish_variants("hhhhhhxxxxxxuuuuuu")
    assert len(variants) == MAX_VARIANTS
    assert len(set(variants)) == len(variants)


def test_greeklish_of_digits_only_gives_nothing() -> None:
    assert greeklish_variants("2016") == ()


@pytest.mark.parametrize(
    ("latin", "greek"),
    [
        ("voitheia", "βοήθεια"),
        ("voithia", "βοήθεια"),
        ("bohtheia", "βοήθεια"),
        ("voh8eia", "βοήθεια"),
        ("ypeuthinos", "υπεύθυνος"),
        ("ypefthynos", "υπεύθυνος"),
        ("ipeythinos", "υπεύθυνος"),
        ("ypeu8unos", "υπεύθυνος"),
        ("ergastirio", "εργαστήριο"),
        ("ergasthriou", "εργαστηρίου"),
        ("sxoleio", "σχολείο"),
        ("sholio", "σχολείο"),
        ("ypologisths", "υπολογιστής"),
        ("ipologistes", "υπολογιστές"),
        ("diefthintis", "διευθυντής"),
        ("dieuthyntria", "διευθύντρια"),
        ("eksoteriko", "εξωτερικό"),
        ("exwteriko", "εξωτερικό"),
        ("mporw", "μπορώ"),
        ("boro", "μπορώ"),
    ],
)
def test_greeklish_spellings_reach_the_term_of_the_greek_word(latin: str, greek: str) -> None:
    assert term(greek) in greeklish_terms(latin)


# --- phonetic key and stemming ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("βοηθεια", "βοηθια"),  # ει ~ ι
        ("υπευθυνοσ", "ιπευθινοσ"),  # υ ~ ι ~ η
        ("ωραριο", "οραριο"),  # ω ~ ο
        ("παιδεια", "πεδια"),  # αι ~ ε
        ("μπορω", "βορο"),  # μπ ~ β
        ("αντιγραφο", "αδιγραφο"),  # ντ ~ δ
        ("ξενεσ", "κσενεσ"),  # ξ ~ κσ
        ("εφαρμογη", "εφαρμογι"),
        ("ευθυνη", "εφθυνη"),  # ευ ~ εφ before a voiceless consonant
        ("αλλαγη", "αλαγη"),  # double consonants
    ],
)
def test_phonetic_key_merges_sound_alike_spellings(a: str, b: str) -> None:
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize(("a", "b"), [("χαλασε", "ξαλασε"), ("θεμα", "τεμα"), ("πολη", "βολη")])
def test_phonetic_key_keeps_different_sounds_apart(a: str, b: str) -> None:
    assert phonetic_key(a) != phonetic_key(b)


@pytest.mark.parametrize(
    "forms",
    [
        ("εργαστήριο", "εργαστηρίου", "εργαστήρια", "εργαστηρίων"),
        ("υπολογιστής", "υπολογιστή", "υπολογιστές", "υπολογιστών"),
        ("υπεύθυνος", "υπεύθυνη", "υπεύθυνου", "υπευθύνων", "υπεύθυνοι"),
        ("ζητώ", "ζητάω", "ζήτησα", "ζητήσουμε", "ζητήθηκε"),
        ("σύνδεση", "συνδέσεις", "συνδέσεων"),
        ("αναβάθμιση", "αναβαθμίσεις", "αναβαθμίσεων"),
        ("βλάβη", "βλάβες", "βλαβών", "βλάβης"),
        ("μόρια", "μορίων", "μόριο"),
        ("έρχονται", "έρχεται", "έρχεστε"),
        ("σχολείο", "σχολεία", "σχολείων"),
        # -ικά is an adjective's plural, not the verb ending -ηκα (both sound `ικα`)
        ("επιμορφωτικά", "επιμορφωτικές", "επιμορφωτικό", "επιμορφωτικών"),
        ("αγγλικά", "αγγλική", "αγγλικής"),
    ],
)
def test_stemming_joins_the_forms_of_a_word(forms: tuple[str, ...]) -> None:
    assert len({term(form) for form in forms}) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("εργαστήριο", "εργαστηριακή"),
        ("σχολείο", "σχολική"),
        ("διευθυντής", "υποδιευθυντής"),
        ("ημέρα", "ημερίδα"),
        ("γλώσσα", "γλωσσομάθεια"),
        ("επιμορφωτικά", "επιμορφωτής"),  # training (seminars) is not a trainer
    ],
)
def test_stemming_keeps_different_words_apart(a: str, b: str) -> None:
    assert term(a) != term(b)


@given(st.text(alphabet="αβγδεζηθικλμνξοπρστυφχψω", min_size=1, max_size=20))
def test_stem_keeps_at_least_the_minimum_and_is_a_prefix(word: str) -> None:
    key = phonetic_key(word)
    stemmed = stem(key)
    assert key.startswith(stemmed)
    assert len(stemmed) >= min(MIN_STEM, len(key))


@pytest.mark.parametrize(
    "forms",
    [
        ("request", "requests", "requested", "requesting"),
        ("repair", "repairs", "repaired", "repairing"),
        ("eligible", "eligibility"),
    ],
)
def test_english_stem_joins_the_forms_of_a_word(forms: tuple[str, ...]) -> None:
    assert len({english_stem(form) for form in forms}) == 1
