"""Request parameters as Telegram reads them: query string, JSON, form or multipart.

Form and multipart values arrive as strings, and python-telegram-bot sends every
non-string value JSON-encoded (`chat_id=123`, `reply_markup={...}`), so each
accessor accepts both the typed JSON value and its string form, as Telegram does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web
from multidict import MultiMapping

from bot.emulator.errors import BotApiError, bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


class Params:
    """Typed, Telegram-like access to the parameters of one method call."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = {}
        uploads: dict[str, Upload] = {}
        _merge(values, request.query)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                raw = await request.read()
                if raw.strip():
                    try:
                        body = json.loads(raw)
                    except ValueError as exc:
                        raise bad_request("can't parse JSON encoded request body") from exc
                    if not isinstance(body, dict):
                        raise bad_request("JSON request body must be an object")
                    values.update(body)
            elif ctype == "multipart/form-data":
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, BodyPartReader) or not part.name:
                        continue
                    data = await part.read(decode=True)
                    if part.filename is not None:
                        uploads[part.name] = Upload(
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type", ""),
                            data=bytes(data),
                        )
                    else:
                        charset = part.get_charset(default="utf-8")
                        values[part.name] = bytes(data).decode(charset)
            else:
                # Telegram also reads urlencoded bodies sent without a content type.
                _merge(values, await request.post())
        return cls(values, uploads)

    def has(self, name: str) -> bool:
        value = self.values.get(name)
        return (value is not None and value != "") or name in self.uploads

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    # ---- scalars -------------------------------------------------------------------------

    def integer(
        self, name: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Integer')

    def req_int(self, name: str) -> int:
        value = self.integer(name, required=True)
        assert value is not None
        return value

    def number(self, name: str, default: float | None = None) -> float | None:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Float')

    def string(self, name: str, *, required: bool = False) -> str | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise bad_request(f'field "{name}" must be of type String')

    def req_str(self, name: str) -> str:
        value = self.string(name, required=True)
        assert value is not None
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
        raise bad_request(f'field "{name}" must be of type Boolean')

    # ---- JSON-typed ----------------------------------------------------------------------

    def json(self, name: str, *, what: str | None = None) -> Any:
        """A JSON object or array, given as JSON or as its JSON-encoded string."""
        value = self.raw(name)
        if value is None or not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(f"can't parse {what or name} JSON object") from exc

    def json_object(self, name: str, *, what: str | None = None) -> dict[str, Any] | None:
        value = self.json(name, what=what)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {what or name} JSON object")
        return value

    def json_list(self, name: str, *, what: str | None = None) -> list[Any] | None:
        value = self.json(name, what=what)
        if value is None:
            return None
        if not isinstance(value, list):
            raise bad_request(f"can't parse {what or name} JSON array")
        return value

    def chat_ref(self, name: str = "chat_id", *, required: bool = True) -> int | str | None:
        """A chat id (integer) or a public `@username`."""
        value = self.raw(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            raise bad_request("chat not found")
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("@"):
                return text
            try:
                return int(text)
            except ValueError:
                raise bad_request("chat not found") from None
        raise bad_request("chat not found")


def _merge(target: dict[str, Any], source: MultiMapping[Any]) -> None:
    for key in source:
        value = source.get(key)
        if isinstance(value, str):
            target[key] = value


def require(condition: bool, error: BotApiError) -> None:
    if not condition:
        raise error
