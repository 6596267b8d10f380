"""Greek-aware text processing for search: folding, Greeklish, phonetic keys, light stemming.

Teachers type Greek with or without accents, in Greeklish of several styles
(`voitheia`, `bohtheia`, `voh8eia`), with typos, or in English. Search does
not try to restore the correct spelling; it maps every way of writing a word
to one *search term*:

1. `fold`: lower case, no accents or diaeresis, final sigma `ς` → `σ`, dotted
   and slashed abbreviations joined (`ΚΕ.ΠΛΗ.ΝΕ.Τ.` → `κεπληνετ`, `Η/Υ` → `ηυ`).
2. Latin-script words are transliterated to Greek (`greeklish_variants`). Greeklish
   is ambiguous (`h` is η or χ, `x` is χ or ξ, `th` is θ or τη, `u` is υ or ου),
   so several spellings come out, most likely first; the caller keeps the first
   one whose term it knows.
3. `phonetic_key`: letters that sound the same become one (`η, ι, υ, ει, οι` →
   `ι`; `ω` → `ο`; `αι` → `ε`; `μπ` → `β`; `ντ` → `δ`; `ξ` → `κσ`; double
   consonants single), so misspelt vowels, which Greeklish cannot tell apart
   anyway, do not matter.
4. `stem`: strip one inflectional ending of the key (`εργαστήριο`,
   `εργαστηρίου`, `εργαστήρια` → `εργαστιρ`). It is deliberately light: it
   only has to make the forms of one word meet, never to find a dictionary root.

English words get `english_stem` instead (Snowball's Porter 2).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache
from typing import Final

import snowballstemmer

# --- folding and tokens -------------------------------------------------------------------

_LETTER = r"[^\W\d_]"
# A dot or slash between letters joins them: abbreviations are written with and without.
_ABBREVIATION_MARK: Final = re.compile(rf"(?<={_LETTER})[./](?={_LETTER})")
# Tonos and apostrophes written on their own (`Στ΄`, `Β'`, `don't`) carry nothing.
_LONE_MARKS: Final = re.compile("[΄'’`´]")
# `e-mail`, `wi-fi`: a hyphen after a one- or two-letter part joins it to the next part.
_SHORT_HYPHEN: Final = re.compile(rf"\b({_LETTER}{{1,2}})-(?={_LETTER})")
_TOKEN: Final = re.compile(r"[^\W_]+")
_GREEK_LETTER: Final = re.compile("[α-ω]")
_LATIN_LETTER: Final = re.compile("[a-z]")


def fold(text: str) -> str:
    """Lower case without accents, final sigma as `σ`, abbreviations joined."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = _LONE_MARKS.sub("", text.replace("ς", "σ"))
    text = _SHORT_HYPHEN.sub(r"\1", text)
    return _ABBREVIATION_MARK.sub("", text)


def tokens(text: str) -> list[str]:
    """The folded words and numbers of `text`, in order."""
    return _TOKEN.findall(fold(text))


def is_greek(token: str) -> bool:
    """True if the (folded) token has a Greek letter."""
    return _GREEK_LETTER.search(token) is not None


def is_latin(token: str) -> bool:
    """True if the (folded) token has a Latin letter and no Greek one."""
    return not is_greek(token) and _LATIN_LETTER.search(token) is not None


# --- Greeklish → Greek ---------------------------------------------------------------------

_LATIN_VOWELS: Final = frozenset("aeiouyw")
# Inside a Latin word these digits stand for the letters they look like.
_DIGIT_LETTERS: Final = {"8": "θ", "3": "ξ", "4": "ψ"}
_DIGRAPHS: Final[dict[str, tuple[str, ...]]] = {
    "ch": ("χ",),
    "kh": ("χ",),
    "ph": ("φ",),
    "ou": ("ου",),
    "ei": ("ει",),
    "ai": ("αι",),
    # `voitheia` and `proistamenos`: ο + ι/η as two vowels is as common as the diphthong.
    "oi": ("οι", "οη"),
    "mp": ("μπ",),
    "nt": ("ντ",),
    "ts": ("τσ",),
    "tz": ("τζ",),
}
_SINGLE: Final[dict[str, tuple[str, ...]]] = {
    "a": ("α",),
    "b": ("μπ",),
    "c": ("κ",),
    "d": ("δ",),
    "e": ("ε",),
    "f": ("φ",),
    "g": ("γ",),
    "i": ("ι",),
    "j": ("τζ",),
    "k": ("κ",),
    "l": ("λ",),
    "m": ("μ",),
    "n": ("ν",),
    "o": ("ο",),
    "p": ("π",),
    "q": ("κ",),
    "r": ("ρ",),
    "s": ("σ",),
    "t": ("τ",),
    "v": ("β",),
    "w": ("ω",),
    "x": ("χ", "ξ"),
    "y": ("υ",),
    "z": ("ζ",),
}
MAX_VARIANTS: Final = 16


def _th_options(following: str) -> tuple[str, ...]:
    # `th` before a vowel is θ (`voitheia`); before a consonant or at the end it is
    # usually τ + η written as h (`thn`, `sthn`, `kathgoria`), except in θρ, θλ.
    if following in _LATIN_VOWELS:
        return ("θ",)
    if following in ("r", "l"):
        return ("θ", "τη")
    return ("τη", "θ")


def _h_options(previous: str, following: str) -> tuple[str, ...]:
    # `h` is χ before a vowel (`ehw`, `sholeio`) and in a word-initial χρ (`hrisi`);
    # elsewhere it is η (`mhtera`, `ekpaideush`, `hlektroniko`).
    if following in _LATIN_VOWELS or (previous == "" and following == "r"):
        return ("χ", "η")
    return ("η", "χ")


def _u_options(previous: str) -> tuple[str, ...]:
    # After α/ε it is the υ of αυ/ευ; elsewhere υ (`ypeuthinos` ~ `upeuthunos`) or ου (`kuzina`).
    if previous in ("a", "e"):
        return ("υ",)
    return ("υ", "ου")


def _greeklish_options(word: str) -> list[tuple[str, ...]]:
    options: list[tuple[str, ...]] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        pair = word[i : i + 2]
        previous = word[i - 1] if i else ""
        if pair == "th":
            options.append(_th_options(word[i + 2] if i + 2 < n else ""))
            i += 2
        elif pair in _DIGRAPHS:
            options.append(_DIGRAPHS[pair])
            i += 2
        elif ch == "h":
            options.append(_h_options(previous, word[i + 1] if i + 1 < n else ""))
            i += 1
        elif ch == "u":
            options.append(_u_options(previous))
            i += 1
        elif ch in _SINGLE:
            options.append(_SINGLE[ch])
            i += 1
        elif ch in _DIGIT_LETTERS:
            options.append((_DIGIT_LETTERS[ch],))
            i += 1
        else:  # other digits and stray characters carry no letter
            i += 1
    return options


@lru_cache(maxsize=4096)
def greeklish_variants(word: str) -> tuple[str, ...]:
    """Greek spellings (folded, no accents) of a Latin-script word, most likely first.

    At most `MAX_VARIANTS`; variants that depart less from the most likely reading
    come first. `voitheia` → (`βοιθεια`, `βοηθεια`); `thn` → (`την`, `θν`).
    """
    options = _greeklish_options(fold(word))
    if not options:
        return ()
    ambiguous = [k for k, choices in enumerate(options) if len(choices) > 1]
    # Enumerate by number of departures from the first choice, so long words with many
    # ambiguous letters still give their likeliest readings within the limit.
    variants: list[str] = []
    primary = [choices[0] for choices in options]
    for departures in range(len(ambiguous) + 1):
        for positions in itertools.combinations(ambiguous, departures):
            alternatives = [options[p][1:] for p in positions]
            for picked in itertools.product(*alternatives):
                letters = list(primary)
                for position, choice in zip(positions, picked, strict=True):
                    letters[position] = choice
                variants.append("".join(letters))
                if len(variants) >= MAX_VARIANTS:
                    return tuple(variants)
    return tuple(variants)


# --- phonetic key and stemming ---------------------------------------------------------------

_KEY_DIGRAPHS: Final[dict[str, str]] = {
    "ου": "ου",
    "ει": "ι",
    "οι": "ι",
    "υι": "ι",
    "αι": "ε",
    "αυ": "αβ",
    "ευ": "εβ",
    "μπ": "β",
    "ντ": "δ",
    "γκ": "γ",
    "γγ": "γ",
    "νγ": "γ",
}
_KEY_SINGLE: Final[dict[str, str]] = {"η": "ι", "υ": "ι", "ω": "ο", "ξ": "κσ", "ψ": "πσ"}
# αυ/ευ sound αφ/εφ before a voiceless consonant, and Greeklish writes either: one key.
_AF_EF: Final = re.compile("(?<=[αε])φ(?=[βγδζθκλμνπρστφχ])")
_DOUBLE: Final = re.compile(r"(.)\1+")


@lru_cache(maxsize=8192)
def phonetic_key(word: str) -> str:
    """The sound-alike key of a folded Greek word: `βοήθεια`, `βοηθια`, `βωηθεια` → `βοιθια`."""
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        pair = word[i : i + 2]
        if pair in _KEY_DIGRAPHS:
            out.append(_KEY_DIGRAPHS[pair])
            i += 2
            continue
        ch = word[i]
        out.append(_KEY_SINGLE.get(ch, ch))
        i += 1
    key = _AF_EF.sub("β", "".join(out))
    return _DOUBLE.sub(r"\1", key)


# Inflectional endings, written as spelt (folded); `stem` compares them as phonetic keys.
_SPELT_SUFFIXES: Final = re.findall(
    r"\S+",
    """
ηθηκαμε ηθηκατε ηθηκαν ηθηκε ηθηκα ηθουμε ηθουν ηθω ηθει ηθεισ
ιουνται ιομαστε ιεμαι ιεσαι ιεστε ιεται
ουμαστε ουνται ουμαι ομαστε ονται ομαι εσαι εται εστε αστε οντασ ωντασ
ουσαν ουμε ουνε ουσα ουσε ειστε ηκαν ηκε ουν ετε ειτε αμε ατε ανε αω αει
ησουμε ησετε ησουν ησαμε ησατε ησαν ησεσ ησα ησε ησω ησει
ασουμε ασετε ασουν ασαμε ασατε ασαν ασεσ ασα ασε ασω ασει
μενοσ μενουσ μενων μενεσ μενη μενο μενα
ματοσ ματων ματα μα ησεων ησεισ ηση
εων ιων ιεσ ιασ ιοσ ιου ουσ ια ιο ου οσ ων ασ εσ ησ αν ην
α ε η ι ο ω
""",
)
# In key spelling (η/ι/υ/ει/οι are all ι, ω is ο, αι is ε, ντ is δ), longest first.
_GREEK_SUFFIXES: Final = sorted(
    {phonetic_key(suffix) for suffix in _SPELT_SUFFIXES}, key=len, reverse=True
)
MIN_STEM: Final = 3


@lru_cache(maxsize=8192)
def stem(key: str) -> str:
    """Strip one inflectional ending from a phonetic key, keeping at least `MIN_STEM` letters."""
    for suffix in _GREEK_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= MIN_STEM:
            return key[: -len(suffix)]
    return key


def greek_term(word: str) -> str:
    """The search term of a folded Greek word: stem of its phonetic key."""
    return stem(phonetic_key(word))


# --- English ---------------------------------------------------------------------------------


_ENGLISH_STEMMER: Final = snowballstemmer.stemmer("english")


@lru_cache(maxsize=4096)
def english_stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a lower-case English word: `requested` → `request`."""
    return str(_ENGLISH_STEMMER.stemWord(word))
