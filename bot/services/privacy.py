"""A person's data: everything stored about them (export, GDPR art. 15) and its erasure (art. 17).

Both are a registry of per-table steps (`STEPS`), so that a feature that adds a
table of personal data adds one step here (`register`) and /mydata, /delete and
`keplibot privacy` cover it. A step has a section name, an `export` that returns
JSON-safe data (or None when there is nothing), and an `erase` that deletes or
anonymises within the caller's transaction and returns how many rows it touched.

Erasure runs every step in ONE transaction and commits once: either everything of
the person goes or nothing does. Tickets stay for the support centre's records,
anonymised: the reporter's name and Telegram id, the texts they wrote (description,
messages, captions, file names) are replaced; their photos stay with the ticket.

Services never import Telegram: ending the person's running conversations and
dropping the application's in-memory copies is the handler's part.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    CalendarToken,
    FaqFeedback,
    FaqMiss,
    OutboxMessage,
    PersistedChatData,
    PersistedConversation,
    PersistedUserData,
    PointsDeclaration,
    ReminderDelivery,
    School,
    Subscription,
    TeacherSchool,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
    TicketWatcher,
    User,
    utcnow,
)
from bot.services.channels import erase_channel_data, export_channel_data
from scoring import DeclarationInvalid, parse_declaration, score

FORMAT: Final = "keplibot-personal-data/1"
# What an anonymised ticket shows instead of a name and a text (both languages: the
# staff reading it may use either).
ERASED_NAME: Final = "[διαγραμμένος χρήστης / erased user]"
ERASED_TEXT: Final = "[διαγράφηκε / erased]"
# The reporter id of an anonymised ticket: no Telegram account has id 0.
NO_USER: Final = 0

ExportFn = Callable[[AsyncSession, int], Awaitable[Any]]
EraseFn = Callable[[AsyncSession, int], Awaitable[int]]


@dataclass(frozen=True)
class Step:
    """One table (or a few that belong together) of personal data."""

    section: str  # key in the exported document, and in the erasure's counts
    export: ExportFn | None
    erase: EraseFn | None


STEPS: list[Step] = []


def register(step: Step, *, before: str | None = None) -> None:
    """Add a step; `before` names a section it must run before (the user row is last)."""
    if any(s.section == step.section for s in STEPS):
        raise ValueError(f"privacy step {step.section!r} is already registered")
    if before is None:
        STEPS.append(step)
        return
    index = next(i for i, s in enumerate(STEPS) if s.section == before)
    STEPS.insert(index, step)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# --- profile ------------------------------------------------------------------------


async def _export_profile(session: AsyncSession, user_id: int) -> Any:
    user = await session.get(User, user_id)
    if user is None:
        return None
    return {
        "telegram_id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "telegram_language": user.telegram_language,
        "language": user.locale,
        "first_seen": _plain(user.first_seen),
        "last_seen": _plain(user.last_seen),
        "keep_declaration": user.consent_keep_declaration,
        "blocked_bot": user.blocked_bot,
    }


async def _erase_profile(session: AsyncSession, user_id: int) -> int:
    return _rowcount(await session.execute(delete(User).where(User.id == user_id)))


# --- school -------------------------------------------------------------------------


async def _export_school(session: AsyncSession, user_id: int) -> Any:
    row = (
        await session.execute(
            select(School.code, School.name, TeacherSchool.updated_at)
            .join(TeacherSchool, TeacherSchool.school_id == School.id)
            .where(TeacherSchool.user_id == user_id)
        )
    ).first()
    if row is None:
        return None
    return {"code": row.code, "name": row.name, "set_at": _plain(row.updated_at)}


async def _erase_school(session: AsyncSession, user_id: int) -> int:
    statement = delete(TeacherSchool).where(TeacherSchool.user_id == user_id)
    return _rowcount(await session.execute(statement))


# --- points -------------------------------------------------------------------------


async def _export_declaration(session: AsyncSession, user_id: int) -> Any:
    row = await session.get(PointsDeclaration, user_id)
    if row is None:
        return None
    result: Any = None
    try:
        scored = score(parse_declaration(row.declaration))
        result = {
            "total_points": str(scored.total),
            "points_by_criterion": {c.key: str(c.points) for c in scored.criteria},
        }
    except DeclarationInvalid:
        result = None  # kept under an older format: the declaration is shown as kept
    return {
        "declaration": row.declaration,
        "ruleset": row.ruleset,
        "result": result,
        "saved_at": _plain(row.updated_at),
    }


async def _erase_declaration(session: AsyncSession, user_id: int) -> int:
    statement = delete(PointsDeclaration).where(PointsDeclaration.user_id == user_id)
    return _rowcount(await session.execute(statement))


# --- reminders ----------------------------------------------------------------------


async def _export_reminders(session: AsyncSession, user_id: int) -> Any:
    subscription = await session.get(Subscription, user_id)
    deliveries = list(
        await session.scalars(
            select(ReminderDelivery)
            .where(ReminderDelivery.user_id == user_id)
            .order_by(ReminderDelivery.due_at)
        )
    )
    feeds = list(
        await session.scalars(select(CalendarToken).where(CalendarToken.user_id == user_id))
    )
    if subscription is None and not deliveries and not feeds:
        return None
    return {
        "subscription": None
        if subscription is None
        else {
            "active": subscription.active,
            "kinds": subscription.kinds,
            "offsets": subscription.offsets,
            "centre_id": subscription.centre_id,
            "directorate": subscription.directorate,
            "created_at": _plain(subscription.created_at),
            "stopped_at": _plain(subscription.stopped_at),
        },
        "reminders": [
            {
                "deadline_id": d.deadline_id,
                "when": d.offset_code,
                "due_at": _plain(d.due_at),
                "status": d.status,
                "sent_at": _plain(d.sent_at),
            }
            for d in deliveries
        ],
        "calendar_feeds": [
            {"created_at": _plain(f.created_at), "revoked_at": _plain(f.revoked_at)} for f in feeds
        ],
    }


async def _erase_reminders(session: AsyncSession, user_id: int) -> int:
    touched = 0
    for model in (ReminderDelivery, CalendarToken, Subscription):
        column = model.user_id
        touched += _rowcount(await session.execute(delete(model).where(column == user_id)))
    return touched


# --- helpdesk -----------------------------------------------------------------------


async def _ticket_ids(session: AsyncSession, user_id: int) -> list[int]:
    watched = select(TicketWatcher.ticket_id).where(TicketWatcher.user_id == user_id)
    rows = await session.scalars(
        select(Ticket.id)
        .where(or_(Ticket.reporter_id == user_id, Ticket.id.in_(watched)))
        .order_by(Ticket.id)
    )
    return list(rows)


async def reported_ticket_ids(session: AsyncSession, user_id: int) -> list[int]:
    """The tickets `user_id` reported (their staff posts show the reporter)."""
    rows = await session.scalars(
        select(Ticket.id).where(Ticket.reporter_id == user_id).order_by(Ticket.id)
    )
    return list(rows)


async def _export_tickets(session: AsyncSession, user_id: int) -> Any:
    ids = await _ticket_ids(session, user_id)
    if not ids:
        return None
    tickets = []
    for ticket in await session.scalars(select(Ticket).where(Ticket.id.in_(ids))):
        school = await session.get(School, ticket.school_id)
        events = await session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.internal.is_(False))
            .order_by(TicketEvent.at, TicketEvent.id)
        )
        attachments = await session.scalars(
            select(TicketAttachment)
            .where(TicketAttachment.ticket_id == ticket.id, TicketAttachment.internal.is_(False))
            .order_by(TicketAttachment.id)
        )
        tickets.append(
            {
                "reference": ticket.reference,
                "role": "reporter" if ticket.reporter_id == user_id else "follower",
                "reporter_name": ticket.reporter_name if ticket.reporter_id == user_id else None,
                "school": school.code if school is not None else None,
                "lab": ticket.lab,
                "category": ticket.category,
                "equipment": ticket.equipment,
                "description": ticket.description,
                "urgency": ticket.urgency,
                "status": ticket.status,
                "created_at": _plain(ticket.created_at),
                "closed_at": _plain(ticket.closed_at),
                "events": [
                    {
                        "at": _plain(e.at),
                        "by": e.role,
                        "name": e.actor_name,
                        "kind": e.kind,
                        "from_status": e.from_status,
                        "to_status": e.to_status,
                        "text": e.text,
                    }
                    for e in events
                ],
                "attachments": [
                    {
                        "kind": a.kind,
                        "caption": a.caption,
                        "file_name": a.file_name,
                        "added_at": _plain(a.created_at),
                    }
                    for a in attachments
                    if a.added_by == user_id or ticket.reporter_id == user_id
                ],
            }
        )
    return tickets


async def anonymise_reporter(session: AsyncSession, user_id: int) -> int:
    """Take `user_id` out of every ticket: what they wrote and who they were. The ticket,
    its status history, the staff's texts and the photos stay. Does not commit."""
    touched = 0
    touched += _rowcount(
        await session.execute(
            update(Ticket)
            .where(Ticket.reporter_id == user_id)
            .values(reporter_id=NO_USER, reporter_name=ERASED_NAME, description=ERASED_TEXT)
        )
    )
    # Ticket events are append-only for the application (a mapper event refuses ORM
    # updates); erasure is the one exception, done with a bulk UPDATE.
    touched += _rowcount(
        await session.execute(
            update(TicketEvent)
            .where(TicketEvent.actor_id == user_id, TicketEvent.text.is_not(None))
            .values(actor_id=None, actor_name=ERASED_NAME, text=ERASED_TEXT)
        )
    )
    touched += _rowcount(
        await session.execute(
            update(TicketEvent)
            .where(TicketEvent.actor_id == user_id)
            .values(actor_id=None, actor_name=ERASED_NAME)
        )
    )
    touched += _rowcount(
        await session.execute(
            update(TicketAttachment)
            .where(TicketAttachment.added_by == user_id)
            .values(added_by=None, caption=None, file_name=None)
        )
    )
    for model, column in (
        (TicketWatcher, TicketWatcher.user_id),
        # Links of bot messages in the person's private chat (its id is theirs).
        (TicketMessage, TicketMessage.chat_id),
    ):
        touched += _rowcount(await session.execute(delete(model).where(column == user_id)))
    return touched


# --- faq ----------------------------------------------------------------------------


async def _export_faq(session: AsyncSession, user_id: int) -> Any:
    misses = list(
        await session.scalars(
            select(FaqMiss).where(FaqMiss.user_id == user_id).order_by(FaqMiss.created_at)
        )
    )
    votes = list(
        await session.scalars(
            select(FaqFeedback)
            .where(FaqFeedback.user_id == user_id)
            .order_by(FaqFeedback.created_at)
        )
    )
    if not misses and not votes:
        return None
    return {
        "questions_kept": [
            {"text": m.text, "language": m.locale, "asked_at": _plain(m.created_at)}
            for m in misses
        ],
        "votes": [
            {"answer": v.entry_id, "helpful": v.helpful, "at": _plain(v.updated_at)} for v in votes
        ],
    }


async def _erase_faq(session: AsyncSession, user_id: int) -> int:
    touched = _rowcount(await session.execute(delete(FaqMiss).where(FaqMiss.user_id == user_id)))
    # A vote stays, without its voter (the counts of the answer do not change).
    touched += _rowcount(
        await session.execute(
            update(FaqFeedback).where(FaqFeedback.user_id == user_id).values(user_id=None)
        )
    )
    return touched


# --- conversations (python-telegram-bot persistence) ---------------------------------


async def _conversation_keys(session: AsyncSession, user_id: int) -> list[tuple[str, str]]:
    # Keys are JSON lists such as [chat_id, user_id]: narrow with LIKE, then match
    # whole numbers only (42 must not match 1042).
    rows = await session.execute(
        select(PersistedConversation.name, PersistedConversation.key).where(
            PersistedConversation.key.contains(str(user_id))
        )
    )
    return [(name, key) for name, key in rows.all() if user_id in json.loads(key)]


async def _export_conversations(session: AsyncSession, user_id: int) -> Any:
    user_data = await session.get(PersistedUserData, user_id)
    chat_data = await session.get(PersistedChatData, user_id)
    keys = await _conversation_keys(session, user_id)
    if user_data is None and chat_data is None and not keys:
        return None
    return {
        "user_data": user_data.data if user_data is not None else None,
        "chat_data": chat_data.data if chat_data is not None else None,
        "conversations_in_progress": sorted({name for name, _key in keys}),
    }


async def _erase_conversations(session: AsyncSession, user_id: int) -> int:
    touched = 0
    for statement in (
        delete(PersistedUserData).where(PersistedUserData.user_id == user_id),
        # The id of a user's private chat is the user's id.
        delete(PersistedChatData).where(PersistedChatData.chat_id == user_id),
    ):
        touched += _rowcount(await session.execute(statement))
    for name, key in await _conversation_keys(session, user_id):
        touched += _rowcount(
            await session.execute(
                delete(PersistedConversation).where(
                    PersistedConversation.name == name, PersistedConversation.key == key
                )
            )
        )
    return touched


async def _erase_outbox(session: AsyncSession, user_id: int) -> int:
    """Helpdesk messages to the person, and those about their tickets not sent yet, go;
    the texts of those already sent about their tickets are dropped from the record."""
    om = OutboxMessage
    theirs = select(Ticket.id).where(Ticket.reporter_id == user_id)
    touched = _rowcount(
        await session.execute(
            delete(om).where(
                (om.chat_id == user_id)
                | (om.ticket_id.in_(theirs) & om.status.in_(("pending", "sending")))
            )
        )
    )
    touched += _rowcount(
        await session.execute(
            update(om).where(om.ticket_id.in_(theirs)).values(payload={"erased": True})
        )
    )
    return touched + await _erase_outbox_mentions(session, user_id)


# A typed text shorter than this is not looked for in other people's notices ("ok").
_MIN_NEEDLE: Final = 4


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value, html.unescape(value)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


async def _erase_outbox_mentions(session: AsyncSession, user_id: int) -> int:
    """Notices about tickets the person follows or wrote on but did not report (joined
    from the duplicate offer) quote their name and text: those go too (unsent) or lose
    their text (sent)."""
    om = OutboxMessage
    names = {
        *await session.scalars(
            select(TicketEvent.actor_name).where(TicketEvent.actor_id == user_id)
        ),
        *await session.scalars(select(TicketWatcher.name).where(TicketWatcher.user_id == user_id)),
    }
    texts = set(
        await session.scalars(
            select(TicketEvent.text).where(
                TicketEvent.actor_id == user_id, TicketEvent.text.is_not(None)
            )
        )
    )
    needles = {n for n in names if n} | {t for t in texts if t and len(t) >= _MIN_NEEDLE}
    followed = (
        select(TicketWatcher.ticket_id)
        .where(TicketWatcher.user_id == user_id)
        .union(select(TicketEvent.ticket_id).where(TicketEvent.actor_id == user_id))
    )
    if not needles:
        return 0
    touched = 0
    for row in await session.scalars(select(om).where(om.ticket_id.in_(followed))):
        found = _strings(row.payload)
        if not any(needle in text for needle in needles for text in found):
            continue
        if row.status in ("pending", "sending"):
            await session.delete(row)
        else:
            row.payload = {"erased": True}
        touched += 1
    await session.flush()
    return touched


# Order matters for erasure only: the user row goes last (others refer to it).
for _step in (
    Step("school", _export_school, _erase_school),
    Step("points", _export_declaration, _erase_declaration),
    Step("reminders", _export_reminders, _erase_reminders),
    Step("outbox", None, _erase_outbox),
    Step("tickets", _export_tickets, anonymise_reporter),
    Step("faq", _export_faq, _erase_faq),
    Step("conversations", _export_conversations, _erase_conversations),
    Step("channels", export_channel_data, erase_channel_data),  # Teams: bot.services.channels
    Step("profile", _export_profile, _erase_profile),
):
    register(_step)


# --- the whole ----------------------------------------------------------------------


async def export(
    session: AsyncSession, user_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything stored about `user_id`, as one JSON-safe document (sections without
    data are left out)."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "telegram_id": user_id,
        "generated_at": _plain(now or utcnow()),
    }
    # The profile first: it is what a reader looks for.
    ordered = sorted(STEPS, key=lambda s: s.section != "profile")
    for step in ordered:
        if step.export is None:
            continue
        data = await step.export(session, user_id)
        if data is not None:
            document[step.section] = data
    return document


def has_personal_data(document: dict[str, Any]) -> bool:
    """Whether an export holds anything beyond its header."""
    return any(key not in ("format", "telegram_id", "generated_at") for key in document)


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


async def erase(session: AsyncSession, user_id: int) -> dict[str, int]:
    """Erase `user_id` in one transaction (commits); rows touched per section.

    On any failure nothing is erased (the transaction is rolled back) and the
    error is raised.
    """
    counts: dict[str, int] = {}
    try:
        for step in STEPS:
            if step.erase is not None:
                counts[step.section] = await step.erase(session, user_id)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return counts


def sections() -> Sequence[str]:
    return [step.section for step in STEPS]
