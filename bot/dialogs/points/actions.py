"""The points feature's buttons: one codec ("p"), one small dataclass per action.

Interview buttons carry the session's `counter`, which moves on with every
answer: a button of an older question parses, but its counter no longer
matches, and the chat says it is no longer active instead of answering the
wrong question. Options and list items are named by their index, never by
value, so callback data stay far below Telegram's 64 bytes. Result buttons
carry nothing (the result is the one in the teacher's session) but the number
of the question to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from bot.ui.actions import MAX_ROW_ID, Action, Codec, bounds

points = Codec("p")

COUNTER: Final = bounds(0, MAX_ROW_ID)
INDEX: Final = bounds(0, 999)  # an option, a list item or a question of the interview
NUMBER: Final = bounds(0, 10**6)  # a keypad value


@dataclass(frozen=True)
class StepAction(Action):
    """A button of the question on screen (of the session at `counter`)."""

    counter: int = field(metadata=COUNTER)


@points.action("y")
@dataclass(frozen=True)
class Yes(StepAction):
    pass


@points.action("n")
@dataclass(frozen=True)
class No(StepAction):
    pass


@points.action("v")
@dataclass(frozen=True)
class Number(StepAction):
    value: int = field(metadata=NUMBER)


@points.action("m")
@dataclass(frozen=True)
class More(StepAction):
    """A number above the keypad's: the teacher types it."""


@points.action("o")
@dataclass(frozen=True)
class Option(StepAction):
    index: int = field(metadata=INDEX)


@points.action("x")
@dataclass(frozen=True)
class NoOption(StepAction):
    """None of the options (a doctorate that continues no master's degree)."""


@points.action("a")
@dataclass(frozen=True)
class AddItem(StepAction):
    pass


@points.action("d")
@dataclass(frozen=True)
class FinishList(StepAction):
    pass


@points.action("r")
@dataclass(frozen=True)
class RemoveItem(StepAction):
    index: int = field(metadata=INDEX)


@points.action("b")
@dataclass(frozen=True)
class Back(StepAction):
    pass


@points.action("s")
@dataclass(frozen=True)
class Skip(StepAction):
    pass


STEP_ACTIONS: Final = (
    Yes,
    No,
    Number,
    More,
    Option,
    NoOption,
    AddItem,
    FinishList,
    RemoveItem,
    Back,
    Skip,
)


# --- the result's buttons ---------------------------------------------------------------------


@points.action("docs")
@dataclass(frozen=True)
class Documents(Action):
    pass


@points.action("chg")
@dataclass(frozen=True)
class ChangeList(Action):
    pass


@points.action("c")
@dataclass(frozen=True)
class ChangeAnswer(Action):
    """A number of the "Change an answer" list: the interview's question `question`."""

    question: int = field(metadata=INDEX)


@points.action("show")
@dataclass(frozen=True)
class ShowResult(Action):
    pass


@points.action("json")
@dataclass(frozen=True)
class DownloadJson(Action):
    pass


@points.action("pdf")
@dataclass(frozen=True)
class DownloadPdf(Action):
    pass


@points.action("keep")
@dataclass(frozen=True)
class Keep(Action):
    pass


@points.action("nokeep")
@dataclass(frozen=True)
class DoNotKeep(Action):
    """ "No, thanks" to the consent question."""


@points.action("del")
@dataclass(frozen=True)
class DeleteKept(Action):
    pass


@points.action("done")
@dataclass(frozen=True)
class Finish(Action):
    pass
