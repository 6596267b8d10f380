"""Typed button actions: packed and parsed in one place, ≤ 64 bytes, forged data refused."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.ui import Button, Codec, CodecError, Screen
from bot.ui.actions import Action, bounds, pack, parse_int

demo = Codec("dm")


@demo.action("v")
@dataclass(frozen=True)
class View(Action):
    ticket_id: int


@demo.action("pg")
@dataclass(frozen=True)
class Page(Action):
    page: int = field(metadata=bounds(0, 1000))
    mine: bool = False


@demo.action("k")
@dataclass(frozen=True)
class Kind(Action):
    key: str = field(metadata=bounds(max_len=8))


@demo.action("menu")
@dataclass(frozen=True)
class Menu(Action):
    pass


@pytest.mark.parametrize(
    ("action", "data"),
    [
        (View(42), "dm:v:42"),
        (Page(0, True), "dm:pg:0:1"),
        (Kind("phd"), "dm:k:phd"),
        (Menu(), "dm:menu"),
    ],
)
def test_an_action_packs_to_its_data_and_parses_back(action: Action, data: str) -> None:
    assert demo.pack(action) == data
    assert pack(action) == data
    assert demo.parse(data) == action


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "dm",
        "dm:",
        "dm:x:1",
        "xx:v:1",
        "dm:v",
        "dm:v:",
        "dm:v:0",
        "dm:v:-1",
        "dm:v:+1",
        "dm:v: 1",
        "dm:v:1.0",
        "dm:v:99999999999999999999",
        "dm:v:2147483648",
        "dm:v:١٢",
        "dm:v:1:2",
        "dm:pg:1001:0",
        "dm:pg:1:2",
        "dm:k:",
        "dm:k:toolongkey",
        "dm:menu:1",
    ],
)
def test_forged_or_stale_data_parses_to_nothing(data: str | None) -> None:
    assert demo.parse(data) is None


def test_parse_as_checks_the_kind() -> None:
    assert demo.parse_as("dm:v:7", View) == View(7)
    assert demo.parse_as("dm:v:7", Page) is None


def test_an_action_that_cannot_be_packed_is_refused() -> None:
    with pytest.raises(CodecError):
        demo.pack(View(0))
    with pytest.raises(CodecError):
        demo.pack(Kind("a:b"))
    with pytest.raises(CodecError):
        demo.pack(Kind("x" * 9))


wide = Codec("wide")


@wide.action("long")
@dataclass(frozen=True)
class Long(Action):
    text: str = field(metadata=bounds(max_len=100))


def test_data_over_64_bytes_is_refused() -> None:
    assert wide.pack(Long("x" * 50)) == "wide:long:" + "x" * 50
    with pytest.raises(CodecError):
        wide.pack(Long("x" * 60))


def test_a_namespace_cannot_have_two_codecs() -> None:
    with pytest.raises(ValueError, match="already has a codec"):
        Codec("dm")
    assert demo in Codec.all()
    assert wide in Codec.all()


def test_the_widest_action_has_every_field_at_its_limit() -> None:
    assert demo.widest(Page) == Page(1000, True)
    assert demo.widest(Kind) == Kind("x" * 8)
    assert demo.widest(View) == View(2**31 - 1)
    assert demo.widest(Menu) == Menu()
    with pytest.raises(CodecError):
        wide.pack(wide.widest(Long))


def test_a_verb_cannot_be_declared_twice() -> None:
    with pytest.raises(ValueError, match="declared twice"):

        @demo.action("v")
        @dataclass(frozen=True)
        class Again(Action):
            ticket_id: int


def test_patterns_match_only_the_codec_and_its_verbs() -> None:
    import re

    assert re.match(demo.pattern, "dm:v:1")
    assert not re.match(demo.pattern, "dmx:v:1")
    only = demo.verb_pattern(View, Menu)
    assert re.match(only, "dm:v:1")
    assert re.match(only, "dm:menu")
    assert not re.match(only, "dm:pg:1:0")
    assert not re.match(only, "dm:vv:1")


def test_parse_int_bounds() -> None:
    assert parse_int("5") == 5
    assert parse_int("0") is None
    assert parse_int("0", minimum=0) == 0
    assert parse_int("11", maximum=10) is None


def test_a_screen_lists_the_actions_of_its_buttons() -> None:
    screen = Screen.of("Hi", [[Button("A", View(1)), Button("B", url="https://x")], []])
    assert screen.buttons == ((Button("A", View(1)), Button("B", url="https://x")),)
    assert screen.actions() == [View(1)]
    assert screen.with_rows([Button("M", Menu())]).actions() == [View(1), Menu()]
    with pytest.raises(ValueError, match="either an action or a url"):
        Button("neither")
