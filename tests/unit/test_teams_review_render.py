"""Acceptance review of `teams.render` (issue 16): every message fits Teams as sent."""

from __future__ import annotations

import json

from bot.dialogs.menu import MainMenu
from bot.ui import Button, Screen
from teams.render import MAX_ACTIVITY_BYTES, activities, size


def test_long_greek_and_emoji_text_with_buttons_fits_as_sent() -> None:
    """The SDK posts `json.dumps` (non-ASCII escaped): each message is measured so."""
    line = "Καλησπέρα 👩‍🏫, η αίτηση καταχωρίστηκε. " * 40
    text = "\n".join([line] * 15) + "\n" + "Ω" * 9000  # ~30,000 letters, one long line
    screen = Screen.of(text, [[Button("« Μενού", MainMenu())]])
    sent = activities(screen, lambda file: "https://bot.example.gr/f")
    assert len(sent) >= 6
    for activity in sent:
        assert len(json.dumps(activity).encode()) <= MAX_ACTIVITY_BYTES
        assert size(activity) == len(json.dumps(activity).encode())
    assert "attachments" in sent[-1]  # the buttons under the last part
    texts = [a.get("text") or a["attachments"][0]["content"]["body"][0]["text"] for a in sent]
    assert "".join(texts).count("καταχωρίστηκε") == 600
    assert "".join(texts).count("Ω") == 9000
