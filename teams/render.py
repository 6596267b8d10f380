"""A channel-neutral `Screen` as Teams activities: the counterpart of `handlers/render.py`.

- Text: the screen's markup subset (`<b> <i> <u> <s> <code> <pre> <a>`) becomes the
  markdown that Teams and Adaptive Cards read; everything else in it, and the whole
  text of a plain screen, is escaped, so a teacher's own words never become markup.
- Buttons: a screen with buttons is one Adaptive Card; each row is an `ActionSet`, each
  action button an `Action.Submit` whose data is `{"a": pack(action)}` (the codec's own
  string, parsed back with the codec when submitted), each link an `Action.OpenUrl`.
- Files: attachments, inline (a `data:` URL) when small, else a link to `files_url`
  (`teams.files`), since a Teams message is at most 28 KB.
- Long texts are split into several messages, buttons on the last, as Telegram's are.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any, Final

from bot.ui import Button, File, Screen
from bot.ui.actions import pack

MAX_ACTIVITY_BYTES: Final = 28 * 1024  # Teams refuses larger messages
TEXT_BUDGET: Final = 20 * 1024  # bytes of text per message, leaving room for the card
INLINE_FILE_BYTES: Final = 12 * 1024  # larger files are sent as a link
CARD_VERSION: Final = "1.4"
CARD_TYPE: Final = "application/vnd.microsoft.card.adaptive"
SUBMIT_KEY: Final = "a"

_LINE_START: Final = re.compile(r"^(\s*)([-+*#>]|\d+[.)])(?=\s|$)")
_SPECIAL: Final = re.compile(r"([\\`*_~\[\]|])")

FileLink = Callable[[File], str]


def escape_markdown(text: str) -> str:
    """`text` as literal markdown: its own `*`, `_`, `[`… shown, not obeyed."""
    text = _SPECIAL.sub(r"\\\1", text).replace("{{", "{\u200b{")
    return "\n".join(_LINE_START.sub(_escape_marker, line) for line in text.split("\n"))


def _escape_marker(match: re.Match[str]) -> str:
    """A list or heading marker at a line's start, escaped: `\\-`, `\\#`, `1\\.`."""
    marker = match[2]
    if marker[-1] in ".)":
        return match[1] + marker[:-1] + "\\" + marker[-1]
    return match[1] + "\\" + marker


class _ToMarkdown(HTMLParser):
    """The markup subset of `bot.ui.screen` → markdown (unknown tags: their text only)."""

    MARKS: Final = {"b": "**", "i": "_", "s": "~~"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self.pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.MARKS:
            self.out.append(self.MARKS[tag])
        elif tag in ("pre", "code"):
            self.pre = True
            self.out.append("`")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href)
            self.out.append("[" if href.startswith(("https://", "http://", "mailto:")) else "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.MARKS:
            self.out.append(self.MARKS[tag])
        elif tag in ("pre", "code"):
            self.pre = False
            self.out.append("`")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href.startswith(("https://", "http://", "mailto:")):
                self.out.append("](" + href.replace(")", "%29").replace(" ", "%20") + ")")

    def handle_data(self, data: str) -> None:
        if self.pre:  # inside code nothing is markup but the backtick
            self.out.append(data.replace("`", "'"))
        else:
            self.out.append(escape_markdown(data))


def markdown(screen: Screen) -> str:
    """The screen's text as Teams markdown."""
    if not screen.markup:
        return escape_markdown(screen.text)
    parser = _ToMarkdown()
    parser.feed(screen.text)
    parser.close()
    return "".join(parser.out)


def _button(button: Button) -> dict[str, Any]:
    if button.action is not None:
        return {
            "type": "Action.Submit",
            "title": button.label,
            "data": {SUBMIT_KEY: pack(button.action)},
        }
    return {"type": "Action.OpenUrl", "title": button.label, "url": button.url}


def _blocks(text: str) -> list[dict[str, Any]]:
    """One TextBlock per line (a blank line is a gap), as Telegram shows the lines."""
    blocks: list[dict[str, Any]] = []
    gap = False
    for line in text.split("\n"):
        if not line.strip():
            gap = True
            continue
        block: dict[str, Any] = {"type": "TextBlock", "text": line, "wrap": True}
        if blocks:
            block["spacing"] = "Medium" if gap else "None"
        blocks.append(block)
        gap = False
    return blocks


def card(text: str, rows: tuple[tuple[Button, ...], ...]) -> dict[str, Any]:
    """An Adaptive Card: the text, then one ActionSet per row of buttons."""
    body = _blocks(text)
    body += [{"type": "ActionSet", "actions": [_button(b) for b in row]} for row in rows]
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
    }


def wire_bytes(text: str) -> int:
    """Bytes of `text` inside the JSON the SDK sends (aiohttp's `json.dumps`: non-ASCII
    escaped, a Greek letter is `\\u03b1`, six bytes; an emoji twelve)."""
    return len(json.dumps(text)) - 2


def _split(text: str, budget: int = TEXT_BUDGET) -> list[str]:
    """`text` in parts of at most `budget` bytes as sent (`wire_bytes`), cut at line ends
    where possible."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while wire_bytes(line) > budget:  # one very long line: cut it
            low, high = 1, min(len(line), budget)  # the longest start that fits
            while low < high:
                middle = (low + high + 1) // 2
                if wire_bytes(line[:middle]) <= budget:
                    low = middle
                else:
                    high = middle - 1
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:low])
            line = line[low:]
        candidate = f"{current}\n{line}" if current else line
        if wire_bytes(candidate) > budget:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def attachment(file: File, link: FileLink) -> dict[str, Any]:
    """A file as an attachment: inline when small, else a link (`link(file)`)."""
    if file.ref is not None and not file.data:
        url = file.ref
    elif len(file.data) <= INLINE_FILE_BYTES:
        url = f"data:{file.mime};base64," + base64.b64encode(file.data).decode()
    else:
        url = link(file)
    return {"contentType": file.mime, "contentUrl": url, "name": file.name}


def activities(screen: Screen, link: FileLink) -> list[dict[str, Any]]:
    """The message activities (JSON) that show `screen`, in order."""
    out: list[dict[str, Any]] = []
    text = markdown(screen)
    parts = _split(text) if text.strip() else []
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        if last and screen.buttons:
            out.append(
                {
                    "type": "message",
                    "attachments": [
                        {"contentType": CARD_TYPE, "content": card(part, screen.buttons)}
                    ],
                }
            )
        else:
            out.append({"type": "message", "text": part, "textFormat": "markdown"})
    if screen.buttons and not parts:
        out.append(
            {
                "type": "message",
                "attachments": [{"contentType": CARD_TYPE, "content": card("", screen.buttons)}],
            }
        )
    for file in screen.files:
        message: dict[str, Any] = {"type": "message", "attachments": [attachment(file, link)]}
        if file.caption:
            message["text"] = escape_markdown(file.caption)
            message["textFormat"] = "markdown"
        out.append(message)
    return out


def size(activity: dict[str, Any]) -> int:
    """Bytes of an activity as sent (the SDK's JSON escapes non-ASCII: `wire_bytes`)."""
    return len(json.dumps(activity).encode())


def submitted(value: object) -> str | None:
    """The packed action of a card's `Action.Submit` (`activity.value`), or None."""
    if isinstance(value, dict):
        data = value.get(SUBMIT_KEY)
        if isinstance(data, str) and len(data) <= 64:
            return data
    return None
