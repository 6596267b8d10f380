"""Greetings, thanks and goodbyes, recognised in Greek, Greeklish and English.

Free text in the private chat is an FAQ question, but "ευχαριστώ πολύ" after
an answer is not a question the FAQ failed to answer: it deserves a polite
reply, not "I could not find an answer", and it must not fill the staff's
list of unanswered questions. `classify` recognises a short message made
only of such words (and a few fillers such as `πολύ`, `σας`, `very much`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from bot.services.faq.greek import greeklish_variants, is_greek, is_latin, phonetic_key, tokens


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"


MAX_WORDS: Final = 6  # longer messages say something more: treat them as questions


def _keys(words: str) -> frozenset[str]:
    return frozenset(phonetic_key(token) for token in tokens(words))


def _english(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Greek words, matched by sound (accents, η/ι, ω/ο and Greeklish spellings alike), so
# `για` ("for") sounds like `γεια`: "ευχαριστώ για τη βοήθεια" is thanks all the same.
_GREEK: Final = {
    SmallTalk.GREETING: _keys(
        "γεια γειά καλημέρα καλησπέρα χαίρετε χαίρεται χαιρετώ χαιρετίσματα γειασας γειασου"
    ),
    SmallTalk.THANKS: _keys(
        "ευχαριστώ ευχαριστούμε ευχαριστίες ευχαρίστως εντάξει οκ τέλεια ωραία μπράβο άψογα σούπερ"
    ),
    SmallTalk.GOODBYE: _keys("αντίο καληνύχτα λέμε"),
}
_GREEK_FILLERS: Final = _keys(
    "πολύ πολλά σας σου και κι τα σε όλους όλες όλοι παιδιά φίλε φίλη κύριε κυρία τη την βοήθεια"
)

_ENGLISH: Final = {
    SmallTalk.GREETING: _english("hello hi hey hiya greetings morning afternoon evening good"),
    SmallTalk.THANKS: _english("thanks thank thx ty cheers ok okay great perfect cool"),
    SmallTalk.GOODBYE: _english("bye goodbye night later"),
}
_ENGLISH_FILLERS: Final = _english(
    "you very much so a lot all there everyone and see for the help your"
)

# When a message mixes kinds ("thanks, bye"), the first that applies wins.
_PRIORITY: Final = (SmallTalk.THANKS, SmallTalk.GOODBYE, SmallTalk.GREETING)


def _kinds_of(token: str) -> set[SmallTalk] | None:
    """The kinds a folded word belongs to; an empty set for a filler, None for other words."""
    keys: list[str] = []
    if is_greek(token):
        keys = [phonetic_key(token)]
    elif is_latin(token):
        if token in _ENGLISH_FILLERS:
            return set()
        english = {kind for kind, words in _ENGLISH.items() if token in words}
        if english:
            return english
        keys = [phonetic_key(variant) for variant in greeklish_variants(token)]
    found = {kind for kind, words in _GREEK.items() for key in keys if key in words}
    if found:
        return found
    return set() if any(key in _GREEK_FILLERS for key in keys) else None


def classify(text: str) -> SmallTalk | None:
    """The kind of small talk `text` is, or None when it says anything else."""
    words = tokens(text)
    if not words or len(words) > MAX_WORDS:
        return None
    kinds: set[SmallTalk] = set()
    for word in words:
        found = _kinds_of(word)
        if found is None:
            return None
        kinds |= found
    return next((kind for kind in _PRIORITY if kind in kinds), None)
