"""A screen: what the bot shows a person at one step, as plain data.

Text is written in a small markup subset that every channel can render: the
HTML tags `<b>`, `<i>`, `<u>`, `<s>`, `<code>`, `<pre>` and `<a href="...">`,
with `&amp;`, `&lt;`, `&gt;` and `&quot;` (so Telegram takes it as it is with
`parse_mode=HTML`, and another channel converts it to its own markup). A screen
whose `markup` is False is plain text: nothing in it is markup, whatever it
contains (a teacher's own words, shown back).

Buttons carry a typed `Action` (packed by the feature's `Codec` when rendered)
or a link. Files are bytes with a name, a MIME type and a caption.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.ui.actions import Action

ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "code", "pre", "a"})


def escape(text: str) -> str:
    """`text` made safe to put inside a marked-up screen (a name, a description)."""
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class Button:
    """A button: pressing it sends `action` back, or opens `url`."""

    label: str
    action: Action | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.action is None) == (self.url is None):
            raise ValueError("a button has either an action or a url")


FILE_KINDS = frozenset({"document", "photo", "video", "audio", "voice"})


@dataclass(frozen=True)
class File:
    """A file sent with a screen: made here (`data`: a PDF, a JSON declaration, a
    calendar) or one the channel already holds (`ref`: a photo a teacher sent with
    a fault report, passed on to the staff by the channel's own file id)."""

    name: str
    data: bytes = b""
    mime: str = "application/octet-stream"
    caption: str = ""
    kind: str = "document"
    ref: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FILE_KINDS:
            raise ValueError(f"unknown file kind {self.kind!r}")
        if not self.data and self.ref is None:
            raise ValueError("a file has data or a ref")


@dataclass(frozen=True)
class Screen:
    """Text, rows of buttons and files: one step of a conversation, channel-neutral."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    files: tuple[File, ...] = ()
    markup: bool = False

    @classmethod
    def of(
        cls,
        text: str,
        rows: Iterable[Sequence[Button]] = (),
        *,
        files: Iterable[File] = (),
        markup: bool = False,
    ) -> Screen:
        """A screen from lists (rows without buttons are dropped)."""
        return cls(
            text,
            tuple(tuple(row) for row in rows if row),
            tuple(files),
            markup,
        )

    def with_rows(self, *rows: Sequence[Button]) -> Screen:
        """This screen with more rows of buttons at the bottom."""
        return Screen(
            self.text,
            self.buttons + tuple(tuple(row) for row in rows if row),
            self.files,
            self.markup,
        )

    def actions(self) -> list[Action]:
        """Every action a button of this screen carries, top to bottom."""
        return [b.action for row in self.buttons for b in row if b.action is not None]


@dataclass(frozen=True)
class Many:
    """Several screens sent one after the other (a result and then its documents)."""

    screens: tuple[Screen, ...] = field(default_factory=tuple)
