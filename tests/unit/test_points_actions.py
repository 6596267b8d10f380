"""The points buttons: one codec, every action within Telegram's 64 bytes, forged data refused,
and every button of the interview's and the result's screens packs and parses back."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.dialogs.points import actions
from bot.dialogs.points.actions import (
    STEP_ACTIONS,
    ChangeAnswer,
    Documents,
    Number,
    Option,
    StepAction,
    Yes,
    points,
)
from bot.dialogs.points.interview import step_screen
from bot.dialogs.points.result import change_screen, result_screen
from bot.i18n import get_translator
from bot.services.points.session import InterviewSession
from bot.ui.actions import MAX_BYTES, Action
from scoring import parse_declaration, score
from scoring.answers import answers_from_declaration

EL = get_translator("el")


def widest(kind: type[Action]) -> Action:
    """`kind` with every field at its longest value."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(kind):  # type: ignore[arg-type]
        meta = f.metadata
        values[f.name] = meta.get("maximum", 2**31 - 1) if f.type in (int, "int") else "x"
    return kind(**values)


@pytest.mark.parametrize("verb", sorted(points.actions()))
def test_every_points_action_packs_within_64_bytes_and_parses_back(verb: str) -> None:
    action = widest(points.actions()[verb])
    data = points.pack(action)
    assert len(data.encode()) <= MAX_BYTES
    assert data.startswith("p:")
    assert points.parse(data) == action


def test_the_interview_buttons_carry_the_counter() -> None:
    assert points.pack(Yes(3)) == "p:y:3"
    assert points.pack(Option(7, 2)) == "p:o:7:2"
    assert points.pack(ChangeAnswer(12)) == "p:c:12"
    assert points.pack(Documents()) == "p:docs"
    assert set(STEP_ACTIONS) == {
        kind for kind in points.actions().values() if issubclass(kind, StepAction)
    }
    assert actions.points is points


@pytest.mark.parametrize(
    "data",
    [
        "",
        "p",
        "p:",
        "p:y",  # no counter
        "p:y:3:1",  # a field too many
        "p:y:-1",
        "p:y:+3",
        "p:y:٣",  # not an ASCII digit
        "p:y:99999999999999999999",
        "p:v:3:10000000",  # above the keypad's bound
        "p:o:3:1000",  # option index out of range
        "p:r:3:x",
        "p:c:",
        "p:c:1:2",
        "p:docs:1",
        "p:zz:1",
        "p:3:v5",  # the old "p:<counter>:<action>" form
        "pr:docs",  # the old result namespace
        "pr:c4",
        "menu:points",
        "tk:v:1",
    ],
)
def test_forged_or_old_data_parses_to_none(data: str) -> None:
    assert points.parse(data) is None


def test_a_number_button_of_the_keypad_parses_to_its_value() -> None:
    assert points.parse("p:v:0:5") == Number(0, 5)


DECLARATION = parse_declaration(
    {
        "titles": [{"kind": "master", "related": True}],
        "lab_experience_periods": [{"start": "2015-09-01", "end": "2017-08-31"}],
        "languages": [{"language": "en", "level": "C2"}],
    }
)


def test_every_button_of_the_screens_packs_and_parses_back() -> None:
    session = InterviewSession.new(answers_from_declaration(DECLARATION), mode="result")
    screens = [
        result_screen(EL, score(DECLARATION), header="", consent=consent, kept=kept)
        for consent, kept in ((None, False), (True, True), (True, False), (False, False))
    ]
    screens.append(change_screen(EL, session))
    asking = InterviewSession.new()
    for _ in range(40):  # walk the interview, skipping every question (lists left empty)
        step = asking.step()
        if step is None:
            break
        asking.open_list(step)
        screens.append(step_screen(EL, asking, step))
        if step.is_list_screen:
            asking.finish_list()
        else:
            asking.skip(step)
    seen = set()
    for screen in screens:
        for action in screen.actions():
            data = points.pack(action)
            assert points.parse(data) == action
            seen.add(type(action))
    assert len(seen) >= 12
