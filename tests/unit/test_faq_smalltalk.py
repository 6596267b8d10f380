"""Greetings, thanks and goodbyes are told apart from questions (Greek, Greeklish, English)."""

from __future__ import annotations

import pytest

from bot.services.faq.smalltalk import SmallTalk, classify


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Ευχαριστώ πολύ!!", SmallTalk.THANKS),
        ("ευχαριστω", SmallTalk.THANKS),
        ("efxaristo poli", SmallTalk.THANKS),
        ("eyxaristw", SmallTalk.THANKS),
        ("ευχαριστώ για τη βοήθεια", SmallTalk.THANKS),
        ("Thank you very much", SmallTalk.THANKS),
        ("thanks for the help", SmallTalk.THANKS),
        ("ok thanks", SmallTalk.THANKS),
        ("εντάξει", SmallTalk.THANKS),
        ("Γεια σας", SmallTalk.GREETING),
        ("geia sas", SmallTalk.GREETING),
        ("kalimera", SmallTalk.GREETING),
        ("Καλημέρα σε όλους!", SmallTalk.GREETING),
        ("hi there", SmallTalk.GREETING),
        ("good morning", SmallTalk.GREETING),
        ("bye", SmallTalk.GOODBYE),
        ("καληνύχτα", SmallTalk.GOODBYE),
        ("thanks a lot, bye", SmallTalk.THANKS),  # thanks first: it answers both
    ],
)
def test_small_talk_is_recognised(text: str, kind: SmallTalk) -> None:
    assert classify(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "γεια σας, πώς ζητάω βοήθεια",  # a greeting before a question is a question
        "ευχαριστω αλλα ποια δικαιολογητικα χρειαζομαι",
        "βοήθεια",  # fillers alone say nothing polite
        "help",
        "πολύ",
        "what is this?",
        "👍",
        "",
        "thanks thanks thanks thanks thanks thanks thanks",  # longer than small talk
    ],
)
def test_other_text_is_not_small_talk(text: str) -> None:
    assert classify(text) is None
