"""Formatted text into plain text + entities, as Telegram parses it."""

from __future__ import annotations

import pytest

from bot.emulator.entities import detect_entities, format_text, utf16_len
from bot.emulator.errors import BotApiError


def html(source: str) -> tuple[str, list[dict[str, object]]]:
    return format_text(source, "HTML", None)


def md2(source: str) -> tuple[str, list[dict[str, object]]]:
    return format_text(source, "MarkdownV2", None)


def test_html_nested_tags_become_nested_entities() -> None:
    text, entities = html("<b>Σύνολο: <i>12,5</i></b> μόρια")
    assert text == "Σύνολο: 12,5 μόρια"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 12},
        {"type": "italic", "offset": 8, "length": 4},
    ]


def test_html_synonyms_links_and_escapes() -> None:
    text, entities = html(
        "<strong>a</strong> <em>b</em> <ins>c</ins> <del>d</del> "
        '<a href="https://example.gr/?a=1&amp;b=2">link</a> 1 &lt; 2 &amp; &#916;'
    )
    assert text == "a b c d link 1 < 2 & Δ"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "text_link",
    ]
    assert entities[-1]["url"] == "https://example.gr/?a=1&b=2"


def test_html_pre_with_a_language_and_blockquotes() -> None:
    text, entities = html(
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote>q</blockquote><blockquote expandable>long</blockquote>"
        '<span class="tg-spoiler">s</span>'
    )
    assert text == "x = 1qlongs"
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "blockquote", "offset": 5, "length": 1},
        {"type": "expandable_blockquote", "offset": 6, "length": 4},
        {"type": "spoiler", "offset": 10, "length": 1},
    ]


def test_offsets_count_utf16_code_units() -> None:
    text, entities = html("👍 <b>ok</b>")
    assert utf16_len("👍") == 2
    assert entities == [{"type": "bold", "offset": 3, "length": 2}]
    assert text == "👍 ok"


def test_a_quoted_greater_than_inside_an_attribute() -> None:
    text, entities = html('<a href="https://x.gr/?q=a>b">x</a>')
    assert (text, entities[0]["url"]) == ("x", "https://x.gr/?q=a>b")


def test_an_unknown_html_entity_stays_literal() -> None:
    assert html("AT&T &foo; &")[0] == "AT&T &foo; &"


def test_leading_and_trailing_whitespace_is_trimmed_with_the_entities() -> None:
    text, entities = html("\n  <b>Γεια</b>  \n")
    assert text == "Γεια"
    assert entities == [{"type": "bold", "offset": 0, "length": 4}]


def test_markdown_v2_entities_and_escapes() -> None:
    text, entities = md2(
        r"*bold* _it_ __under__ ~strike~ ||spoil|| `co\`de` [link](https://e.gr/a\)b) 12\.5\!"
    )
    assert text == "bold it under strike spoil co`de link 12.5!"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert entities[-1]["url"] == "https://e.gr/a)b"


def test_markdown_v2_pre_block_and_blockquote() -> None:
    text, entities = md2("```python\nx = 1\n```\n>quoted line")
    assert text == "x = 1\n\nquoted line"
    assert entities[0] == {"type": "pre", "offset": 0, "length": 6, "language": "python"}
    assert entities[1]["type"] == "blockquote"


@pytest.mark.parametrize(
    ("source", "description"),
    [
        ("*open", "Can't find end of Bold entity at byte offset 0"),
        ("a - b", "Character '-' is reserved and must be escaped with the preceding '\\'"),
        ("`code", "Can't find end of Code entity at byte offset 0"),
        ("x | y", "Character '|' is reserved and must be escaped with the preceding '\\'"),
    ],
)
def test_markdown_v2_errors(source: str, description: str) -> None:
    with pytest.raises(BotApiError) as error:
        md2(source)
    assert error.value.description == f"Bad Request: can't parse entities: {description}"


def test_legacy_markdown() -> None:
    text, entities = format_text("*b* _i_ `c` [l](https://e.gr) a.b-c", "Markdown", None)
    assert text == "b i c l a.b-c"
    assert [e["type"] for e in entities] == ["bold", "italic", "code", "text_link"]


def test_explicit_entities_are_kept_and_ignored_with_a_parse_mode() -> None:
    given = [{"type": "bold", "offset": 0, "length": 2}]
    assert format_text("ab", None, given) == ("ab", given)
    assert format_text("<i>ab</i>", "HTML", given)[1] == [
        {"type": "italic", "offset": 0, "length": 2}
    ]


def test_an_unknown_parse_mode_is_refused() -> None:
    with pytest.raises(BotApiError) as error:
        format_text("x", "BBCode", None)
    assert error.value.code == 400


def test_automatic_entities() -> None:
    text = (
        "Στείλτε /start ή /help@keplibot_bot, δείτε https://kepla.gr. Mail: a.b@sch.gr #ΚΕΠΛΗΝΕΤ"
    )
    found = detect_entities(text, [])
    kinds = {(e["type"], text[e["offset"] : e["offset"] + e["length"]]) for e in found}
    assert kinds == {
        ("bot_command", "/start"),
        ("bot_command", "/help@keplibot_bot"),
        ("url", "https://kepla.gr"),
        ("email", "a.b@sch.gr"),
        ("hashtag", "#ΚΕΠΛΗΝΕΤ"),
    }


def test_nothing_is_detected_inside_code() -> None:
    code = [{"type": "code", "offset": 0, "length": 6}]
    assert detect_entities("/start and /help", code) == [
        {"type": "code", "offset": 0, "length": 6},
        {"type": "bot_command", "offset": 11, "length": 5},
    ]
