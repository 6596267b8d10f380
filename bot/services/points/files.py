"""The files of a points declaration: the JSON file made, and one sent back, read.

- `declaration_json`: the declaration in the spec's format
  (`ysepehy-declaration/1`, or `/2` when it uses a field of revision 2), the
  file `keplibot score` reads and the bot scores when it is sent back.
- `read_declaration_file`: such a file sent back, validated: the declaration, or
  `FileRefused` (too large, not UTF-8, not JSON) / `DeclarationInvalid` (with the
  issues). `bot.dialogs.points.export` words them.
"""

from __future__ import annotations

import json
from typing import Final, Literal

from bot.services import json_input
from scoring import Declaration, declaration_to_json, parse_declaration

JSON_FILENAME: Final = "ysepehy-declaration.json"
PDF_FILENAME: Final = "ysepehy-points.pdf"
# A real declaration is well under 10 KB; anything far larger is something else.
MAX_FILE_BYTES: Final = 256 * 1024

Refusal = Literal["too_large", "not_utf8", "json"]


class FileRefused(ValueError):
    """A file that is no declaration before its contents are even looked at."""

    def __init__(
        self, reason: Refusal, json_refused: json_input.JsonRefused | None = None
    ) -> None:
        super().__init__(reason)
        self.reason: Refusal = reason
        self.json_refused = json_refused  # with reason "json": what the JSON reader said


def declaration_json(declaration: Declaration) -> bytes:
    """The declaration as a UTF-8 JSON file (Greek kept readable, indented)."""
    text = json.dumps(declaration_to_json(declaration), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def read_declaration_file(data: bytes) -> Declaration:
    """A declaration file's contents, validated.

    Raises `FileRefused`, or `scoring.DeclarationInvalid` with the issues. A UTF-8
    byte order mark is allowed (Windows editors write one).
    """
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused("too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused("not_utf8") from None
    try:
        value = json_input.loads(text)
    except json_input.JsonRefused as refused:
        raise FileRefused("json", refused) from None
    return parse_declaration(value)
