"""The FAQ's buttons ("faq:…"), at most 64 bytes (the start checks the longest entry id):

faq:menu            the topics
faq:g:<group>       the questions of a topic
faq:e:<id>          an answer chosen in the menu (edits the message)
faq:s:<id>          a "Did you mean" choice (edits the message)
faq:r:<id>          a related question (a new message: the first answer stays)
faq:v:<id>:<1|0>    👍 / 👎 on an answer
faq:none            none of the suggestions fits
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from bot.services.faq import FaqContentError, FaqIndex
from bot.ui import Action, Codec, CodecError
from bot.ui.actions import bounds

faq: Final = Codec("faq")
# Entry ids and group keys: the catalog checks their form; the longest must fit 64 bytes.
_ID: Final = bounds(max_len=56)  # "faq:v:" + id + ":0" ≤ 64


@faq.action("menu")
@dataclass(frozen=True)
class Topics(Action):
    pass


@faq.action("g")
@dataclass(frozen=True)
class Topic(Action):
    group: str = field(metadata=_ID)


@faq.action("e")
@dataclass(frozen=True)
class FromMenu(Action):
    entry_id: str = field(metadata=_ID)


@faq.action("s")
@dataclass(frozen=True)
class Suggested(Action):
    entry_id: str = field(metadata=_ID)


@faq.action("r")
@dataclass(frozen=True)
class Related(Action):
    entry_id: str = field(metadata=_ID)


@faq.action("v")
@dataclass(frozen=True)
class Vote(Action):
    entry_id: str = field(metadata=_ID)
    helpful: bool


@faq.action("none")
@dataclass(frozen=True)
class NoneOfThese(Action):
    pass


def check_button_sizes(index: FaqIndex) -> None:
    """Every button of every entry fits in callback data (FaqContentError naming the entry)."""
    for entry_id in index.ids():
        try:
            faq.pack(Vote(entry_id, helpful=False))
        except CodecError as exc:
            raise FaqContentError(
                f"entry {entry_id!r}: the id is too long for Telegram's buttons ({exc})"
            ) from exc
