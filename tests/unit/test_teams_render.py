"""Screens as Teams messages (`teams.render`) and card data back to actions (`teams.bot`)."""

from __future__ import annotations

import base64
import json

import pytest

from bot.dialogs.faq.actions import Vote
from bot.dialogs.menu import MainMenu
from bot.dialogs.points.actions import Number, Yes
from bot.ui import Button, File, Screen
from teams.bot import parse_action
from teams.render import (
    MAX_ACTIVITY_BYTES,
    activities,
    escape_markdown,
    markdown,
    size,
    submitted,
)


def no_link(file: File) -> str:
    raise AssertionError(f"{file.name} should have been inline")


def test_a_teachers_own_words_are_shown_not_obeyed() -> None:
    typed = "*bold* _it_ [site](https://x.example) ~~s~~ `c` {{DATE(2026-01-01)}}\n# 1. - >q"
    text = markdown(Screen(typed))
    assert text == (
        "\\*bold\\* \\_it\\_ \\[site\\](https://x.example) \\~\\~s\\~\\~ \\`c\\` "
        "{\u200b{DATE(2026-01-01)}}\n\\# 1. - >q"
    )
    assert markdown(Screen("1. first\n- second\n> quote")) == "1\\. first\n\\- second\n\\> quote"


def test_the_markup_subset_becomes_markdown_and_escaped_text_stays_text() -> None:
    screen = Screen(
        "<b>Total</b>: <i>22,5</i> &lt;b&gt;*x*&lt;/b&gt; <s>old</s> <code>a`b</code> "
        '<a href="https://minedu.gov.gr/x y">circular</a> <a href="javascript:alert(1)">no</a>',
        markup=True,
    )
    assert markdown(screen) == (
        "**Total**: _22,5_ <b>\\*x\\*</b> ~~old~~ `a'b` [circular](https://minedu.gov.gr/x%20y) no"
    )


def test_buttons_become_a_card_whose_submit_data_is_the_packed_action() -> None:
    screen = Screen.of(
        "Question?\n\nHint",
        [[Button("Yes", Yes(3)), Button("5", Number(3, 5))], [Button("Site", url="https://e.gr")]],
    )
    [message] = activities(screen, no_link)
    [attachment] = message["attachments"]
    card = attachment["content"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["version"] == "1.4"
    assert [b["text"] for b in card["body"] if b["type"] == "TextBlock"] == ["Question?", "Hint"]
    assert card["body"][1]["spacing"] == "Medium"
    first, second = (b["actions"] for b in card["body"] if b["type"] == "ActionSet")
    assert first == [
        {"type": "Action.Submit", "title": "Yes", "data": {"a": "p:y:3"}},
        {"type": "Action.Submit", "title": "5", "data": {"a": "p:v:3:5"}},
    ]
    assert second == [{"type": "Action.OpenUrl", "title": "Site", "url": "https://e.gr"}]
    assert parse_action(submitted(first[1]["data"])) == Number(3, 5)


@pytest.mark.parametrize(
    "value",
    [None, "p:y:3", {"a": 3}, {"a": ["p:y:3"]}, {"b": "p:y:3"}, {"a": "p:y:3" + "9" * 70}],
)
def test_anything_but_a_short_packed_string_is_no_submit(value: object) -> None:
    assert submitted(value) is None


@pytest.mark.parametrize(
    "data",
    ["", "p:y", "p:y:-1", "p:y:1:2", "p:zz:1", "faq:v:x:2", "menu:main:1", "x:y:1", "tms:lang:1"],
)
def test_forged_or_stale_data_parse_as_nothing(data: str) -> None:
    assert parse_action(data) is None


def test_every_feature_codec_parses_its_own_data() -> None:
    assert parse_action("p:y:7") == Yes(7)
    assert parse_action("faq:v:term:1") == Vote("term", helpful=True)
    assert parse_action("menu:main") == MainMenu()


def test_a_long_text_is_split_under_28_kb_with_the_buttons_on_the_last_message() -> None:
    line = "Μια γραμμή κειμένου με ελληνικά, αρκετά μεγάλη για να γεμίσει γρήγορα. " * 3
    screen = Screen.of("\n".join([line] * 400), [[Button("« Menu", MainMenu())]])
    messages = activities(screen, no_link)
    assert len(messages) > 2
    assert all(size(m) <= MAX_ACTIVITY_BYTES for m in messages)
    assert all("attachments" not in m for m in messages[:-1])
    assert "attachments" in messages[-1]
    shown = [m["text"] for m in messages[:-1]]
    shown += [b["text"] for b in messages[-1]["attachments"][0]["content"]["body"] if "text" in b]
    assert "\n".join(shown).count(line.strip()) == 400


def test_small_files_go_inline_and_large_ones_by_link() -> None:
    small = File("declaration.json", b'{"schema": 1}', "application/json", "Your file")
    large = File("summary.pdf", b"%PDF" + b"x" * 40_000, "application/pdf")
    links: list[str] = []

    def link(file: File) -> str:
        links.append(file.name)
        return f"https://bot.example/teams/files/t/{file.name}"

    inline, linked = activities(Screen("", files=(small, large)), link)
    [attachment] = inline["attachments"]
    assert attachment["name"] == "declaration.json"
    assert base64.b64decode(attachment["contentUrl"].split(",", 1)[1]) == small.data
    assert inline["text"] == "Your file"
    assert linked["attachments"][0]["contentUrl"].endswith("/summary.pdf")
    assert links == ["summary.pdf"]
    assert all(size(m) <= MAX_ACTIVITY_BYTES for m in (inline, linked))
    json.dumps(linked)


def test_escaping_keeps_plain_words_unchanged() -> None:
    assert escape_markdown("Γεια σας! 3,5 μόρια (ΠΕ86).") == "Γεια σας! 3,5 μόρια (ΠΕ86)."
