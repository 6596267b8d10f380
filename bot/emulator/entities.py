"""Formatted text as Telegram parses it: HTML, MarkdownV2 and Markdown into text + entities.

Entity offsets and lengths are in UTF-16 code units, as in the Bot API. Errors use
Telegram's wording (`can't parse entities: ...` with UTF-8 byte offsets), so that a
bot which forgets to escape `<` or `.` fails here the way it fails on Telegram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.emulator.errors import BotApiError, bad_request

Entity = dict[str, Any]

# Entity types the Bot API knows; explicit `entities` with another type are rejected.
ENTITY_TYPES = frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "date_time",
    }
)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (what entity offsets count)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _parse_error(detail: str) -> BotApiError:
    return bad_request(f"can't parse entities: {detail}")


class _Builder:
    """Collects plain text and entities while a parser walks the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length16 = 0
        self.entities: list[Entity] = []

    def add(self, chunk: str) -> None:
        if chunk:
            self.parts.append(chunk)
            self.length16 += utf16_len(chunk)

    def close(self, entity_type: str, start16: int, **extra: Any) -> None:
        length = self.length16 - start16
        if length > 0:
            self.entities.append(
                {"type": entity_type, "offset": start16, "length": length, **extra}
            )

    def text(self) -> str:
        return "".join(self.parts)


# ---- HTML ------------------------------------------------------------------------------

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\xa0"}
_ATTR_RE = re.compile(r"""\s*([a-zA-Z_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")


def _decode_entity(source: str, i: int) -> tuple[str, int] | None:
    """Decode `&...;` at source[i]; None leaves the `&` literal, as Telegram does."""
    end = source.find(";", i + 1, i + 12)
    if end < 0:
        return None
    name = source[i + 1 : end]
    if name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name], end + 1
    try:
        if name.startswith(("#x", "#X")):
            return chr(int(name[2:], 16)), end + 1
        if name.startswith("#"):
            return chr(int(name[1:])), end + 1
    except (ValueError, OverflowError):
        return None
    return None


def _unescape(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&" and (decoded := _decode_entity(value, i)):
            out.append(decoded[0])
            i = decoded[1]
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


@dataclass
class _OpenTag:
    name: str
    start16: int
    attrs: dict[str, str]


def parse_html(source: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    stack: list[_OpenTag] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "&":
            decoded = _decode_entity(source, i)
            if decoded:
                out.add(decoded[0])
                i = decoded[1]
            else:
                out.add("&")
                i += 1
            continue
        if ch != "<":
            j = i
            while j < n and source[j] not in "<&":
                j += 1
            out.add(source[i:j])
            i = j
            continue
        begin = i
        if source.startswith("</", i):
            close = source.find(">", i)
            if close < 0:
                raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(source, i)}")
            name = source[i + 2 : close].strip().lower()
            i = close + 1
            if not stack:
                raise _parse_error(
                    f"Unexpected end tag at byte offset {_byte_offset(source, begin)}"
                )
            top = stack[-1]
            if name != top.name:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            _close_html_tag(out, top, stack)
            continue
        # Like Telegram, name the tag before looking for its end: "a < b" is an
        # unsupported tag "", not an unclosed one.
        j = i + 1
        while j < n and not source[j].isspace() and source[j] not in ">/":
            j += 1
        name = source[i + 1 : j].lower()
        if j >= n:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
        if name not in _HTML_TAGS:
            raise _parse_error(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}'
            )
        close = _tag_end(source, j)
        if close < 0:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
        attributes = source[j:close].rstrip("/")
        i = close + 1
        attrs: dict[str, str] = {}
        for attr in _ATTR_RE.finditer(attributes):
            if attr.group(1):
                value = attr.group(2) or attr.group(3) or attr.group(4) or ""
                attrs[attr.group(1).lower()] = _unescape(value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and "emoji-id" not in attrs:
            raise _parse_error('Tag "tg-emoji" must have attribute "emoji-id"')
        stack.append(_OpenTag(name, out.length16, attrs))
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.text(), out.entities


def _tag_end(source: str, start: int) -> int:
    """Index of the `>` ending a start tag (skipping quoted attribute values), or -1."""
    quote = ""
    for k in range(start, len(source)):
        ch = source[k]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return k
    return -1


def _close_html_tag(out: _Builder, tag: _OpenTag, stack: list[_OpenTag]) -> None:
    kind = _HTML_TAGS[tag.name]
    if kind == "text_link":
        href = tag.attrs.get("href", "")
        if href:
            out.close("text_link", tag.start16, url=href)
        return
    if kind == "code" and stack and stack[-1].name == "pre":
        # <pre><code class="language-x"> is one pre entity with a language.
        css_class = tag.attrs.get("class", "")
        if css_class.startswith("language-"):
            stack[-1].attrs["language"] = css_class.removeprefix("language-")
        return
    if kind == "pre":
        language = tag.attrs.get("language")
        if language:
            out.close("pre", tag.start16, language=language)
        else:
            out.close("pre", tag.start16)
        return
    if kind == "blockquote" and "expandable" in tag.attrs:
        out.close("expandable_blockquote", tag.start16)
        return
    if kind == "custom_emoji":
        out.close("custom_emoji", tag.start16, custom_emoji_id=tag.attrs["emoji-id"])
        return
    if kind == "date_time":
        unix = tag.attrs.get("unix", "")
        if unix.isdigit():
            out.close("date_time", tag.start16, unix_time=int(unix))
        return
    out.close(kind, tag.start16)


# ---- MarkdownV2 ------------------------------------------------------------------------

_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_MD2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (entity type, start16, source index)
    i = 0
    n = len(source)
    quote_start: int | None = None
    at_line_start = True
    while i < n:
        ch = source[i]
        if at_line_start and ch == ">":
            if quote_start is None:
                quote_start = out.length16
            i += 1
            at_line_start = False
            continue
        if at_line_start and quote_start is not None:
            out.close("blockquote", quote_start)
            quote_start = None
        at_line_start = False
        if ch == "\\":
            if i + 1 < n and 0 < ord(source[i + 1]) < 127:
                out.add(source[i + 1])
                i += 2
                continue
            raise _parse_error(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if ch == "\n":
            out.add(ch)
            i += 1
            at_line_start = True
            continue
        if ch == "`":
            i = _md2_code(source, i, out)
            continue
        marker = source[i : i + 2] if source[i : i + 2] in ("__", "||") else ch
        if marker in _MD2_MARKERS:
            kind = _MD2_MARKERS[marker]
            if stack and stack[-1][0] == kind:
                _, start16, _ = stack.pop()
                out.close(kind, start16)
            elif any(entry[0] == kind for entry in stack):
                raise _parse_error(
                    f"Can't find end of {_MD2_NAMES[kind]} entity at byte offset "
                    f"{_byte_offset(source, next(e[2] for e in stack if e[0] == kind))}"
                )
            else:
                stack.append((kind, out.length16, i))
            i += len(marker)
            continue
        if ch == "[":
            stack.append(("text_link", out.length16, i))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "text_link":
            _, start16, _ = stack.pop()
            if i + 1 >= n or source[i + 1] != "(":
                raise _parse_error(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            url_end = i + 2
            url_chars: list[str] = []
            while url_end < n and source[url_end] != ")":
                if source[url_end] == "\\" and url_end + 1 < n:
                    url_end += 1
                url_chars.append(source[url_end])
                url_end += 1
            if url_end >= n:
                raise _parse_error(
                    f"Can't find end of a URL at byte offset {_byte_offset(source, i + 2)}"
                )
            url = "".join(url_chars)
            if url:
                out.close("text_link", start16, url=url)
            i = url_end + 1
            continue
        if ch in _MD2_RESERVED:
            raise _parse_error(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(ch)
        i += 1
    if stack:
        kind, _, index = stack[-1]
        raise _parse_error(
            f"Can't find end of {_MD2_NAMES[kind]} entity at byte offset "
            f"{_byte_offset(source, index)}"
        )
    if quote_start is not None:
        out.close("blockquote", quote_start)
    return out.text(), out.entities


def _md2_code(source: str, i: int, out: _Builder) -> int:
    """Inline `code` or a ```pre``` block starting at source[i]; returns the next index."""
    fence = source.startswith("```", i)
    opener = "```" if fence else "`"
    j = i + len(opener)
    language = ""
    if fence:
        line_end = source.find("\n", j)
        first = source[j:line_end] if line_end >= 0 else ""
        if line_end >= 0 and first and " " not in first and "`" not in first:
            language = first
            j = line_end + 1
    start16 = out.length16
    chars: list[str] = []
    while j < len(source):
        if source[j] == "\\" and j + 1 < len(source) and source[j + 1] in "`\\":
            chars.append(source[j + 1])
            j += 2
            continue
        if source.startswith(opener, j):
            out.add("".join(chars))
            if fence:
                if language:
                    out.close("pre", start16, language=language)
                else:
                    out.close("pre", start16)
            else:
                out.close("code", start16)
            return j + len(opener)
        chars.append(source[j])
        j += 1
    name = "Pre" if fence else "Code"
    raise _parse_error(f"Can't find end of {name} entity at byte offset {_byte_offset(source, i)}")


# ---- legacy Markdown -------------------------------------------------------------------

_MD1_MARKERS = {"*": "bold", "_": "italic"}


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if ch in _MD1_MARKERS:
            end = source.find(ch, i + 1)
            if end < 0:
                raise _parse_error(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start16 = out.length16
            out.add(source[i + 1 : end])
            out.close(_MD1_MARKERS[ch], start16)
            i = end + 1
            continue
        if ch == "`":
            fence = source.startswith("```", i)
            opener = "```" if fence else "`"
            end = source.find(opener, i + len(opener))
            if end < 0:
                raise _parse_error(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start16 = out.length16
            out.add(source[i + len(opener) : end])
            out.close("pre" if fence else "code", start16)
            i = end + len(opener)
            continue
        if ch == "[":
            close = source.find("](", i + 1)
            end = source.find(")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                raise _parse_error(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start16 = out.length16
            out.add(source[i + 1 : close])
            out.close("text_link", start16, url=source[close + 2 : end])
            i = end + 1
            continue
        out.add(ch)
        i += 1
    return out.text(), out.entities


# ---- automatic entities ----------------------------------------------------------------

_AUTO_PATTERNS = [
    ("bot_command", re.compile(r"(?<![\w/])/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?(?!\w)")),
    ("url", re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]']")),
    ("email", re.compile(r"(?<![\w.])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?!\w)")),
    ("mention", re.compile(r"(?<![\w@])@[a-zA-Z0-9_]{5,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]
# Telegram detects nothing inside these.
_OPAQUE = {"code", "pre", "text_link", "url", "email", "bot_command", "mention", "hashtag"}


def detect_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """Add the entities Telegram finds by itself (commands, links, e-mails, @mentions, #tags)."""
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _OPAQUE]
    found: list[Entity] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(match.group(0))
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": start, "length": end - start})
    return sort_entities([*entities, *found])


def sort_entities(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# ---- entry point -----------------------------------------------------------------------


def format_text(
    source: str,
    parse_mode: str | None,
    explicit: list[Any] | None,
    *,
    field: str = "text",
) -> tuple[str, list[Entity]]:
    """Plain text and entities of a message text or caption, trimmed like Telegram.

    `explicit` are the caller's `entities`/`caption_entities` (used when there is no
    parse mode). Raises `BotApiError` on markup Telegram would reject.
    """
    mode = (parse_mode or "").strip()
    if explicit is not None and mode:
        explicit = None  # Telegram ignores entities when a parse mode is given
    if mode.lower() == "html":
        text, entities = parse_html(source)
    elif mode.lower() == "markdownv2":
        text, entities = parse_markdown_v2(source)
    elif mode.lower() == "markdown":
        text, entities = parse_markdown(source)
    elif mode:
        raise bad_request(f"unsupported parse_mode {mode!r}")
    else:
        text, entities = source, _check_explicit(source, explicit or [], field)
    return _trim(text, entities)


def _check_explicit(text: str, raw: list[Any], field: str) -> list[Entity]:
    total = utf16_len(text)
    entities: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request(f"can't parse {field} entities JSON object")
        kind, offset, length = item.get("type"), item.get("offset"), item.get("length")
        if kind not in ENTITY_TYPES or not isinstance(offset, int) or not isinstance(length, int):
            raise bad_request(f"can't parse {field} entities: wrong entity {item!r}")
        if offset < 0 or length <= 0 or offset + length > total:
            continue  # Telegram silently drops entities outside the text
        entities.append(dict(item))
    return sort_entities(entities)


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip leading/trailing whitespace as Telegram does, moving entities with the text."""
    stripped_left = text.lstrip()
    cut = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    moved: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - cut, 0)
        end = min(entity["offset"] + entity["length"] - cut, total)
        if end > start:
            moved.append({**entity, "offset": start, "length": end - start})
    return result, sort_entities(moved)
