"""The fault report being written: a typed, versioned draft that survives restarts.

The draft lives in the persisted `user_data` (under `KEY`) as a plain JSON dict,
like the points session: `ReportDraft.to_dict()` writes it with `VERSION`, and
`load()` reads it back. A draft written before drafts were typed (a dict without
a "version", the shape of the report handler until then) is read as it was; a
draft of a version this code does not know, or one that is not a draft at all,
is `Unreadable`: the conversation says so and starts afresh, never a crash.

The rules about what a draft needs before it can be sent, and which files it
may hold, are here too, so the conversation layer only asks and tells.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, TypeVar
from uuid import uuid4

from bot.services.helpdesk.ticket_types import (
    MAX_ATTACHMENTS,
    MAX_FILE_BYTES,
    AttachmentKind,
    Category,
    NewAttachment,
    NewTicket,
    Urgency,
)
from bot.services.text_clean import clean_file_name, clean_optional

KEY: Final = "report"  # user_data: the report being written
LAB_KEY: Final = "helpdesk_lab"  # user_data: the last lab/room given
VERSION: Final = 2  # of the stored dict; 1 is the untyped dict (no "version" key)
DRAFT_ID: Final = re.compile(r"[0-9a-f]{32}")

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


class Unreadable(ValueError):
    """A stored draft this code cannot read (a newer version, or not a draft)."""


class Missing(StrEnum):
    """What a draft still needs before it can be sent (asked in this order)."""

    SCHOOL = "school"
    DESCRIPTION = "description"  # a description or at least one photo/file
    CATEGORY = "category"
    URGENCY = "urgency"


class FileProblem(StrEnum):
    """Why a file is not added to a draft."""

    TOO_LARGE = "too_large"
    TOO_MANY = "too_many"


def is_draft_id(value: object) -> bool:
    """True for a draft id as drafts make them (32 lowercase hex digits)."""
    return isinstance(value, str) and DRAFT_ID.fullmatch(value) is not None


@dataclass(frozen=True)
class ReportDraft:
    """One teacher's report before it is sent. Every change returns a new draft.

    `id` is recorded on the ticket it becomes, so the same draft never opens two
    tickets. `trail` is the steps seen, oldest first (for « Back»). `editing` is
    True while one field is changed from the summary. `album` is the media group
    of the last album acknowledged (its other photos are kept silently).
    """

    id: str = field(default_factory=lambda: uuid4().hex)
    school_id: int | None = None
    school_name: str = ""
    school_code: str = ""
    lab: str = ""
    category: Category | None = None
    equipment: str | None = None
    description: str = ""
    attachments: tuple[NewAttachment, ...] = ()
    urgency: Urgency | None = None
    duplicate_of: int | None = None
    duplicate_ref: str | None = None
    editing: bool = False
    album: str | None = None
    trail: tuple[str, ...] = ()

    def replace(self, **changes: Any) -> ReportDraft:
        return dataclasses.replace(self, **changes)

    # --- rules -----------------------------------------------------------------------------------

    def missing(self) -> Missing | None:
        """The first thing this draft still needs before «Send», or None when it can go.

        An addition to an existing ticket needs no category or urgency (the ticket has them).
        """
        if self.school_id is None:
            return Missing.SCHOOL
        if not self.description and not self.attachments:
            return Missing.DESCRIPTION
        if self.duplicate_of is not None:
            return None
        if self.category is None:
            return Missing.CATEGORY
        if self.urgency is None:
            return Missing.URGENCY
        return None

    def file_problem(self, attachment: NewAttachment) -> FileProblem | None:
        """Why `attachment` cannot be added to this draft, or None if it can."""
        if not file_size_ok(attachment):
            return FileProblem.TOO_LARGE
        if len(self.attachments) >= MAX_ATTACHMENTS:
            return FileProblem.TOO_MANY
        return None

    def with_attachment(self, attachment: NewAttachment) -> ReportDraft:
        return self.replace(attachments=(*self.attachments, _clean_attachment(attachment)))

    def new_ticket(self) -> NewTicket:
        """The ticket to open (only when `missing()` is None and this is not an addition)."""
        assert self.school_id is not None
        assert self.category is not None
        assert self.urgency is not None
        return NewTicket(
            school_id=self.school_id,
            lab=self.lab,
            category=self.category,
            urgency=self.urgency,
            description=self.description,
            equipment=self.equipment,
            attachments=self.attachments,
        )

    # --- « Back» -------------------------------------------------------------------------------

    def visit(self, step: str) -> ReportDraft:
        """`step` is on screen now: added to the trail, or the trail cut back to it."""
        if step in self.trail:
            return self.replace(trail=self.trail[: self.trail.index(step) + 1])
        return self.replace(trail=(*self.trail, step))

    def back(self) -> tuple[ReportDraft, str | None]:
        """The step before the current one (now current), or None at the first step."""
        if len(self.trail) < 2:
            return self, None
        trail = self.trail[:-1]
        return self.replace(trail=trail), trail[-1]

    # --- storage -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON dict stored in `user_data` (only str, int, None, bool, lists, dicts)."""
        return {
            "version": VERSION,
            "id": self.id,
            "school_id": self.school_id,
            "school_name": self.school_name,
            "school_code": self.school_code,
            "lab": self.lab,
            "category": None if self.category is None else self.category.value,
            "equipment": self.equipment,
            "description": self.description,
            "attachments": [_attachment_dict(a) for a in self.attachments],
            "urgency": None if self.urgency is None else self.urgency.value,
            "duplicate_of": self.duplicate_of,
            "duplicate_ref": self.duplicate_ref,
            "editing": self.editing,
            "album": self.album,
            "trail": list(self.trail),
        }

    @classmethod
    def from_dict(cls, value: object) -> ReportDraft:
        """The draft stored in `value`: this version, or the untyped dict before it.

        Raises `Unreadable` for anything else (a newer version, a damaged dict).
        """
        if not isinstance(value, dict):
            raise Unreadable(f"not a draft: {type(value).__name__}")
        version = value.get("version", 1)
        if version not in (1, VERSION):
            raise Unreadable(f"draft version {version!r}")
        try:
            draft_id = value.get("id")
            return cls(
                # A draft saved before drafts had ids gets one (as the untyped code did).
                id=draft_id
                if isinstance(draft_id, str) and is_draft_id(draft_id)
                else uuid4().hex,
                school_id=_optional(value.get("school_id"), int),
                school_name=_text(value.get("school_name")),
                school_code=_text(value.get("school_code")),
                lab=_text(value.get("lab")),
                category=_enum(Category, value.get("category")),
                equipment=_optional(value.get("equipment"), str),
                description=_text(value.get("description")),
                attachments=tuple(_attachment(a) for a in value.get("attachments") or ()),
                urgency=_enum(Urgency, value.get("urgency")),
                duplicate_of=_optional(value.get("duplicate_of"), int),
                duplicate_ref=_optional(value.get("duplicate_ref"), str),
                editing=bool(value.get("editing", False)),
                album=_optional(value.get("album"), str),
                trail=tuple(str(s) for s in value.get("trail") or ()),
            )
        except (TypeError, ValueError, KeyError) as error:
            raise Unreadable(str(error)) from error


def load(user_data: dict[Any, Any] | None) -> ReportDraft | None:
    """The draft in `user_data`, None when there is none; raises `Unreadable`."""
    if user_data is None or user_data.get(KEY) is None:
        return None
    return ReportDraft.from_dict(user_data[KEY])


def store(user_data: dict[Any, Any], draft: ReportDraft) -> None:
    user_data[KEY] = draft.to_dict()


def drop(user_data: dict[Any, Any] | None) -> None:
    if user_data is not None:
        user_data.pop(KEY, None)


def file_size_ok(attachment: NewAttachment) -> bool:
    """A file the helpdesk accepts (Telegram bots can fetch up to 20 MB)."""
    return (attachment.file_size or 0) <= MAX_FILE_BYTES


# --- helpers -------------------------------------------------------------------------------------


def _clean_attachment(a: NewAttachment) -> NewAttachment:
    return dataclasses.replace(
        a, caption=clean_optional(a.caption), file_name=clean_file_name(a.file_name)
    )


def _attachment_dict(a: NewAttachment) -> dict[str, Any]:
    return {
        "kind": a.kind.value,
        "file_id": a.file_id,
        "file_unique_id": a.file_unique_id,
        "caption": a.caption,
        "file_name": a.file_name,
        "mime_type": a.mime_type,
        "file_size": a.file_size,
    }


def _attachment(value: object) -> NewAttachment:
    if not isinstance(value, dict):
        raise TypeError("an attachment is not a dict")
    file_id = value["file_id"]
    if not isinstance(file_id, str) or not file_id:
        raise ValueError("an attachment without a file id")
    return NewAttachment(
        AttachmentKind(value["kind"]),
        file_id,
        _optional(value.get("file_unique_id"), str),
        _optional(value.get("caption"), str),
        _optional(value.get("file_name"), str),
        _optional(value.get("mime_type"), str),
        _optional(value.get("file_size"), int),
    )


def _optional(value: object, kind: type[T]) -> T | None:
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _text(value: object) -> str:
    return _optional(value, str) or ""


def _enum(kind: type[E], value: object) -> E | None:
    if value is None:
        return None
    return kind(_optional(value, str) or "")
