"""The helpdesk's ticket vocabulary: limits, kinds, the values handed to and from the
services, and the errors they raise. No Telegram types here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.helpdesk.ticket_workflow import (
    OPEN_STATUSES,
    Status,
)

# Telegram's Bot API lets bots download files up to 20 MB: staff could not open larger ones.
MAX_FILE_BYTES: Final = 20 * 1024 * 1024
MAX_ATTACHMENTS: Final = 10
MAX_LAB_CHARS: Final = 100
MAX_EQUIPMENT_CHARS: Final = 100
MAX_NAME_CHARS: Final = 200  # reporter, assignee, actor and watcher names


class Category(StrEnum):
    COMPUTER = "pc"
    PRINTER = "printer"
    NETWORK = "network"  # network / ΠΣΔ internet
    PROJECTOR = "projector"  # projector / interactive board
    SOFTWARE = "software"
    ACCOUNTS = "accounts"  # ΠΣΔ accounts / e-mail
    OTHER = "other"


class Urgency(StrEnum):
    BLOCKING = "blocking"  # the lab cannot be used
    PARTIAL = "partial"  # the lab can be used in part
    MINOR = "minor"


class EventKind(StrEnum):
    CREATED = "created"
    ASSIGNED = "assigned"
    STATUS = "status"
    REPLY = "reply"  # staff → teacher
    TEACHER_REPLY = "teacher_reply"  # teacher → staff
    NOTE = "note"  # staff only
    REOPENED = "reopened"
    CLOSED = "closed"
    ADDED = "added"  # another report of the same fault added to this ticket


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"


class MessagePurpose(StrEnum):
    TEACHER = "teacher"  # a message in a teacher's chat; a reply to it is a teacher reply
    POST = "post"  # the ticket's post in the staff chat
    REPLY_PROMPT = "reply"  # staff prompt; the answer goes to the teacher
    NOTE_PROMPT = "note"  # staff prompt; the answer stays internal


class ListScope(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    ALL = "all"


# --- values handed to and from callers ------------------------------------------


@dataclass(frozen=True)
class Actor:
    user_id: int
    name: str


@dataclass(frozen=True)
class NewAttachment:
    kind: AttachmentKind
    file_id: str
    file_unique_id: str | None = None
    caption: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None  # bytes


@dataclass(frozen=True)
class NewTicket:
    school_id: int
    lab: str
    category: Category
    urgency: Urgency
    description: str
    equipment: str | None = None
    attachments: tuple[NewAttachment, ...] = ()


@dataclass(frozen=True)
class AttachmentView:
    id: int
    kind: AttachmentKind
    file_id: str
    caption: str | None
    file_name: str | None
    internal: bool


@dataclass(frozen=True)
class TicketView:
    id: int
    reference: str
    status: Status
    category: Category
    urgency: Urgency
    lab: str
    equipment: str | None
    description: str
    school_id: int
    school_code: str
    school_name: str
    centre_id: int
    centre_name: str
    reporter_id: int
    reporter_name: str
    reporter_locale: str | None
    assignee_id: int | None
    assignee_name: str | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    staff_chat_id: int | None
    staff_message_id: int | None
    attachments: tuple[AttachmentView, ...] = ()
    watcher_ids: tuple[int, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def participant_ids(self) -> tuple[int, ...]:
        """Teachers told of every change: the reporter, then watchers."""
        return (self.reporter_id, *(w for w in self.watcher_ids if w != self.reporter_id))


@dataclass(frozen=True)
class EventView:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    role: str
    kind: EventKind
    from_status: Status | None
    to_status: Status | None
    text: str | None
    internal: bool


@dataclass(frozen=True)
class Change:
    """What an action did: the ticket after it, and the events it appended."""

    ticket: TicketView
    events: tuple[EventView, ...]

    @property
    def status_changed(self) -> bool:
        return any(
            e.kind in (EventKind.STATUS, EventKind.REOPENED, EventKind.CLOSED) for e in self.events
        )


@dataclass(frozen=True)
class Page:
    items: tuple[TicketView, ...]
    page: int  # 0-based
    pages: int
    total: int


# What the caller plans to send about a change, written in the change's own transaction
# (see bot.services.helpdesk.outbox): called after the change is flushed, before the commit.
PlanNew = Callable[[AsyncSession, "TicketView"], Awaitable[None]]
PlanChange = Callable[[AsyncSession, Change], Awaitable[None]]


# --- errors -------------------------------------------------------------------


class TicketError(Exception):
    """A ticket operation refused; `code` names why (the caller translates it)."""

    code: str = "error"


class NotFound(TicketError):
    code = "not_found"


class NotAuthorised(TicketError):
    """The user is neither staff of the ticket's centre nor (for teacher actions) its reporter.

    `staff_elsewhere`: refused a staff action, the user is staff of another centre."""

    code = "not_authorised"

    def __init__(self, *args: object, staff_elsewhere: bool = False) -> None:
        super().__init__(*args)
        self.staff_elsewhere = staff_elsewhere


class NoCentre(TicketError):
    code = "no_centre"


class TooManyTickets(TicketError):
    code = "too_many"

    def __init__(self, retry_at: datetime) -> None:
        super().__init__(f"limit reached; next ticket possible at {retry_at.isoformat()}")
        self.retry_at = retry_at


class InvalidTicket(TicketError):
    code = "invalid"

    def __init__(self, field_name: str) -> None:
        super().__init__(field_name)
        self.field_name = field_name


class AlreadySent(TicketError):
    """The report draft already became a ticket (a second «Send», a replay, a retry after
    a crash): `ticket` is that ticket, and nothing new was stored."""

    code = "already_sent"

    def __init__(self, ticket: TicketView) -> None:
        super().__init__(ticket.reference)
        self.ticket = ticket


class AlreadyAssigned(TicketError):
    """TAKE by the staff member who already has the ticket (a stale or repeated press)."""

    code = "already_yours"
