"""Typed button actions, packed into callback data and parsed back in one place.

Each feature has one `Codec` (a short namespace such as "tk") and declares each
of its button actions as a small frozen dataclass:

    helpdesk = Codec("tk")

    @helpdesk.action("v")
    @dataclass(frozen=True)
    class ViewTicket(Action):
        ticket_id: int

`helpdesk.pack(ViewTicket(42))` is `"tk:v:42"`; `helpdesk.parse("tk:v:42")` is
`ViewTicket(42)`. Callback data come back from the user's app and are input like
any other: `parse` returns None for anything that is not exactly a declared
action with fields in range (a 20-digit or negative id, letters, extra parts),
and `pack` refuses an action whose data would exceed 64 bytes.

Field types: `int` (ASCII digits only, 1 … 2³¹−1 unless the field's metadata says
otherwise: `field(metadata=bounds(0, 10**6))`), `str` (no ":"; at most 32
characters unless `metadata=bounds(max_len=...)`), `bool` ("1"/"0").
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final, TypeVar

MAX_BYTES: Final = 64
MAX_ROW_ID: Final = 2**31 - 1
MAX_TELEGRAM_ID: Final = 2**63 - 1
SEPARATOR: Final = ":"


class CodecError(ValueError):
    """An action that cannot be packed (too long, a separator in a text field)."""


class Action:
    """Base of every button action; subclasses are frozen dataclasses."""

    codec: ClassVar[Codec]
    verb: ClassVar[str]


A = TypeVar("A", bound=type[Action])


def bounds(minimum: int = 1, maximum: int = MAX_ROW_ID, *, max_len: int = 32) -> Mapping[str, Any]:
    """Field metadata: the range of an int field, the longest value of a str field."""
    return {"minimum": minimum, "maximum": maximum, "max_len": max_len}


def parse_int(raw: str, *, minimum: int = 1, maximum: int = MAX_ROW_ID) -> int | None:
    """The number written in `raw`, or None when it is not one in range.

    ASCII digits only, no sign, no spaces, no more digits than `maximum` has.
    """
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(maximum)):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


class Codec:
    """The actions of one feature, under one namespace of callback data.

    Every codec created is registered (`Codec.all()`), so that a test can try every
    action of every feature; two codecs cannot share a namespace.
    """

    _registry: ClassVar[dict[str, Codec]] = {}

    def __init__(self, namespace: str) -> None:
        if not namespace or SEPARATOR in namespace:
            raise ValueError(f"bad namespace {namespace!r}")
        if namespace in Codec._registry:
            raise ValueError(f"the namespace {namespace!r} already has a codec")
        Codec._registry[namespace] = self
        self.namespace = namespace
        self._verbs: dict[str, type[Action]] = {}
        self._fields: dict[str, tuple[tuple[str, type, Mapping[str, Any]], ...]] = {}

    @classmethod
    def all(cls) -> list[Codec]:
        """Every codec created so far (in this process), by namespace."""
        return [cls._registry[name] for name in sorted(cls._registry)]

    @property
    def pattern(self) -> str:
        """A regular expression matching every callback data of this codec."""
        return f"^{re.escape(self.namespace)}{SEPARATOR}"

    def verb_pattern(self, *actions: type[Action]) -> str:
        """A regular expression matching callback data of exactly these actions."""
        verbs = "|".join(re.escape(a.verb) for a in actions)
        return f"^{re.escape(self.namespace)}{SEPARATOR}(?:{verbs})(?:{SEPARATOR}|$)"

    def action(self, verb: str) -> Callable[[A], A]:
        """Class decorator: declare a frozen dataclass as the action `verb`."""
        if SEPARATOR in verb:
            raise ValueError(f"bad verb {verb!r}")

        def register(cls: A) -> A:
            if not dataclasses.is_dataclass(cls):
                raise TypeError(f"{cls.__name__} must be a dataclass")
            if verb in self._verbs:
                raise ValueError(f"{self.namespace}:{verb} declared twice")
            hints = typing.get_type_hints(cls)
            fields = tuple(
                (f.name, hints[f.name], {**bounds(), **f.metadata})
                for f in dataclasses.fields(cls)
            )
            for name, kind, _meta in fields:
                if kind not in (int, str, bool):
                    raise TypeError(f"{cls.__name__}.{name}: only int, str and bool fields")
            cls.codec = self
            cls.verb = verb
            self._verbs[verb] = cls
            self._fields[verb] = fields
            return cls

        return register

    def pack(self, action: Action) -> str:
        """The callback data of `action` (at most 64 bytes)."""
        verb = type(action).verb
        if self._verbs.get(verb) is not type(action):
            raise CodecError(f"{type(action).__name__} is not an action of {self.namespace}")
        parts = [self.namespace, verb]
        for name, kind, meta in self._fields[verb]:
            value = getattr(action, name)
            if kind is bool:
                parts.append("1" if value else "0")
            elif kind is int:
                if not meta["minimum"] <= value <= meta["maximum"]:
                    raise CodecError(f"{name}={value} out of range")
                parts.append(str(value))
            else:
                text = str(value)
                if SEPARATOR in text or len(text) > meta["max_len"] or not text:
                    raise CodecError(f"{name}={text!r} cannot be packed")
                parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise CodecError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def parse(self, data: str | None) -> Action | None:
        """The action packed in `data`, or None for anything else."""
        parts = (data or "").split(SEPARATOR)
        if len(parts) < 2 or parts[0] != self.namespace or parts[1] not in self._verbs:
            return None
        verb = parts[1]
        fields = self._fields[verb]
        raw = parts[2:]
        if len(raw) != len(fields):
            return None
        values: dict[str, Any] = {}
        for text, (name, kind, meta) in zip(raw, fields, strict=True):
            if kind is bool:
                if text not in ("0", "1"):
                    return None
                values[name] = text == "1"
            elif kind is int:
                number = parse_int(text, minimum=meta["minimum"], maximum=meta["maximum"])
                if number is None:
                    return None
                values[name] = number
            else:
                if not text or len(text) > meta["max_len"]:
                    return None
                values[name] = text
        return self._verbs[verb](**values)

    def parse_as(self, data: str | None, kind: type[Action]) -> Action | None:
        """The action in `data` if it is a `kind`, else None."""
        action = self.parse(data)
        return action if isinstance(action, kind) else None

    def actions(self) -> dict[str, type[Action]]:
        """verb → action class, for tests that try every action."""
        return dict(self._verbs)

    def widest(self, action: type[Action]) -> Action:
        """The instance of `action` whose data are the longest: every int field at its
        maximum, every str field at its longest (in ASCII), every bool True."""
        values: dict[str, Any] = {}
        for name, kind, meta in self._fields[action.verb]:
            if kind is bool:
                values[name] = True
            elif kind is int:
                values[name] = meta["maximum"]
            else:
                values[name] = "x" * meta["max_len"]
        return action(**values)


def pack(action: Action) -> str:
    """The callback data of any action, through its own codec."""
    return type(action).codec.pack(action)
