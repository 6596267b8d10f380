"""Shared handler helpers that need no Telegram: splitting texts, keyboards, the registries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.common import keyboard, split_text, text_length
from handlers.context import CommandRegistry, CommandSpec, MenuEntry, MenuRegistry


def test_a_short_text_is_one_message() -> None:
    assert split_text("Γεια σας") == ["Γεια σας"]


def test_a_long_text_is_cut_between_paragraphs() -> None:
    first, second = "α" * 3000, "β" * 3000
    assert split_text(f"{first}\n\n{second}") == [first, second]


def test_a_long_paragraph_is_cut_between_lines_then_words() -> None:
    lines = "\n".join(["γραμμή " * 50] * 30)  # ~10,500 characters, no blank lines
    chunks = split_text(lines)
    assert all(text_length(c) <= 4096 for c in chunks)
    # Cut points fall on whitespace, which is dropped there.
    assert all(not c.endswith((" ", "\n")) for c in chunks[:-1])
    assert all(not c.startswith((" ", "\n")) for c in chunks[1:])
    assert "".join(chunks).replace("\n", "").replace(" ", "") == lines.replace("\n", "").replace(
        " ", ""
    )


def test_a_word_longer_than_a_message_is_cut_inside() -> None:
    assert split_text("x" * 10_000) == ["x" * 4096, "x" * 4096, "x" * 1808]


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    text = "😀" * 2100  # 4200 UTF-16 code units
    chunks = split_text(text)
    assert [text_length(c) for c in chunks] == [4096, 104]


@given(st.text(alphabet=st.sampled_from("αβ γ\n😀x"), max_size=3_000))
def test_no_chunk_is_too_long_and_no_character_is_lost(text: str) -> None:
    chunks = split_text(text, limit=200)
    if text_length(text) <= 200:
        assert chunks == [text]
    else:
        assert all(0 < text_length(c) <= 200 for c in chunks)

    def visible(s: str) -> str:
        return "".join(s.split())

    assert visible("".join(chunks)) == visible(text)


def test_keyboards_refuse_callback_data_over_64_bytes() -> None:
    assert keyboard([[("ok", "menu:points")]]).inline_keyboard[0][0].callback_data == "menu:points"
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard([[("too long", "menu:" + "ω" * 30)]])  # 65 bytes in UTF-8


def test_the_menu_is_ordered_and_keys_are_unique() -> None:
    menu = MenuRegistry()
    menu.add(MenuEntry("report", "Report a fault", order=30))
    menu.add(MenuEntry("points", "Points calculation", order=10))
    assert [e.key for e in menu.entries()] == ["points", "report"]
    assert menu.get("points") == MenuEntry("points", "Points calculation", order=10)
    with pytest.raises(ValueError, match="already registered"):
        menu.add(MenuEntry("points", "Again", order=1))
    with pytest.raises(ValueError, match="too long"):
        menu.add(MenuEntry("k" * 60, "Long", order=1))


def test_group_chats_get_only_the_commands_that_work_there() -> None:
    commands = CommandRegistry()
    commands.add(CommandSpec("help", "Help", order=90, chats="all"))
    commands.add(CommandSpec("language", "Language", order=91))
    commands.add(CommandSpec("start", "Start", order=0, chats="all"))
    assert [c.name for c in commands.for_chat("private")] == ["start", "help", "language"]
    assert [c.name for c in commands.for_chat("group")] == ["start", "help"]
    with pytest.raises(ValueError, match="already registered"):
        commands.add(CommandSpec("help", "Again", order=1))


def test_every_middleware_has_a_group_of_its_own() -> None:
    """In one handler group only the first matching handler runs: two TypeHandlers of
    Update in one group would silently skip the second (as the audit's author once was)."""
    from telegram.ext import TypeHandler

    from bot.app import build_application
    from bot.config import load_settings

    app = build_application(
        load_settings(telegram_token="123456:unit-TEST-token", database_url="sqlite+aiosqlite://")
    )
    for group, group_handlers in app.handlers.items():
        middleware = [h for h in group_handlers if isinstance(h, TypeHandler)]
        assert len(middleware) <= 1, (group, [h.callback.__qualname__ for h in middleware])
