"""ORM models (SQLAlchemy 2, typed `Mapped[...]`), one section per feature.

Schema changes go through Alembic migrations in `migrations/versions/`; never
`create_all` outside tests of the models themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so that migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- users ------------------------------------------------------------------


class User(Base):
    """A Telegram user who has talked to the bot."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    last_name: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    locale: Mapped[str | None] = mapped_column(String(8))  # the user's own choice, el/en
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consent_keep_declaration: Mapped[bool | None] = mapped_column(Boolean)
    blocked_bot: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or str(self.id)


# --- persistence (python-telegram-bot) ----------------------------------------
# Rows of bot.persistence.SQLAlchemyPersistence: PTB's user_data, chat_data,
# bot_data, callback_data and ConversationHandler states, stored as JSON.


class PersistedUserData(Base):
    """`context.user_data` of one Telegram user."""

    __tablename__ = "persistence_user_data"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersistedChatData(Base):
    """`context.chat_data` of one chat."""

    __tablename__ = "persistence_chat_data"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersistedBotData(Base):
    """A bot-wide document: `bot_data` (name "bot_data") or the callback data cache."""

    __tablename__ = "persistence_bot_data"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersistedConversation(Base):
    """The state of one conversation of a named, persistent ConversationHandler."""

    __tablename__ = "persistence_conversations"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)  # JSON list, e.g. [42, 42]
    state: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- helpdesk ---------------------------------------------------------------
# Support centres (ΚΕ.ΠΛΗ.ΝΕ.Τ.), schools, staff and tickets. Telegram user ids
# are stored without a foreign key to `users`: staff can be invited from the CLI
# before they ever talk to the bot, and tickets must outlive a user's row.


class SupportCentre(Base):
    """A ΚΕ.ΠΛΗ.ΝΕ.Τ.: serves one or more directorates, works tickets in its staff chat."""

    __tablename__ = "support_centres"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)  # short key for the CLI
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    # Mailbox of an e-mail-fed helpdesk that gets a copy of every new ticket.
    helpdesk_email: Mapped[str | None] = mapped_column(String(200))
    staff_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_thread_id: Mapped[int | None] = mapped_column(Integer)  # forum topic in that chat
    # The centre of schools whose directorate no centre claims (single-centre deployments).
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CentreDirectorate(Base):
    """A Δ/νση Δευτεροβάθμιας Εκπαίδευσης served by a centre."""

    __tablename__ = "centre_directorates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(
        ForeignKey("support_centres.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)  # normalised for matching


class School(Base):
    """A school unit, keyed by its 7-digit ministry code."""

    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(7), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), index=True)  # accent-less, lower case
    school_type: Mapped[str] = mapped_column(String(100), default="")
    directorate: Mapped[str] = mapped_column(String(200), default="")
    municipality: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_centres.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeacherSchool(Base):
    """The school a teacher set for fault reports: offered again at the next report, and
    the area (centre, directorate) of their reminders. Unlike tickets, it is personal
    data and goes with the user's row."""

    __tablename__ = "teacher_schools"

    user_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    school_id: Mapped[int] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Staff(Base):
    """A Telegram user who works the tickets of one centre."""

    __tablename__ = "helpdesk_staff"
    __table_args__ = (UniqueConstraint("centre_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(
        ForeignKey("support_centres.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffInvite(Base):
    """A one-time deep-link token that makes whoever opens it staff of a centre."""

    __tablename__ = "staff_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(48), unique=True)
    centre_id: Mapped[int] = mapped_column(
        ForeignKey("support_centres.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketCounter(Base):
    """The last reference number handed out in a year (row-locked while counting)."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    """A fault report; its history is the append-only `TicketEvent` log."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_centre_status", "centre_id", "status"),
        Index("ix_tickets_school_category", "school_id", "category", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)  # KPL-2026-00042
    reporter_id: Mapped[int] = mapped_column(BigInteger, index=True)
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reporter_locale: Mapped[str | None] = mapped_column(String(8))  # at report time; fallback
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("support_centres.id", ondelete="RESTRICT"))
    lab: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(16))
    equipment: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="new")
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the ticket was posted for the staff (edited on every change).
    staff_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The report draft it was made from (a uuid): pressing «Send» again, a replayed update
    # or a restart after a crash finds this ticket instead of opening a second one.
    draft_id: Mapped[str | None] = mapped_column(String(36), index=True, unique=True)


class TicketAttachment(Base):
    """A photo, document or voice note on a ticket, kept as its Telegram file id."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # photo, document, voice
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str | None] = mapped_column(String(128))
    caption: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(BigInteger)  # bytes
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # staff-only (a note's)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketWatcher(Base):
    """A teacher who added to someone else's ticket and is kept informed like its reporter."""

    __tablename__ = "ticket_watchers"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketEvent(Base):
    """One entry of a ticket's history: who did what, when. Never updated or deleted."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))  # reporter, staff, system
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # never shown to the teacher
    # An ADDED event's report draft (a uuid): the same draft is never added twice.
    draft_id: Mapped[str | None] = mapped_column(String(36), index=True, unique=True)


@event.listens_for(TicketEvent, "before_update")
@event.listens_for(TicketEvent, "before_delete")
def _ticket_events_are_append_only(_mapper: Any, _connection: Any, target: TicketEvent) -> None:
    raise ValueError(f"ticket event {target.id} is append-only")


class TicketMessage(Base):
    """A message the bot sent about a ticket, so that a reply to it finds the ticket."""

    __tablename__ = "ticket_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    # teacher: a message in the teacher's chat; post: the staff post;
    # reply/note: a staff prompt whose answer goes to the teacher / stays internal.
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """One message the helpdesk has to send, written in the transaction of the change it
    reports; the delivery worker sends it and records the outcome here.

    `chat_id` None means "the staff chat of `centre_id` as it is at sending time" (a group
    upgraded to a supergroup changes its id), or, for an e-mail, the centre's mailbox.
    `after_id` holds a message back until that one is done (a notice that replies to the
    ticket's staff post waits for the post). `dedupe_key`, when set, makes a message happen
    once (the weekly summary of a centre and week). Statuses: pending, sending, sent,
    failed, unknown (the process died while it was being sent: maybe sent, never resent),
    cancelled.
    """

    __tablename__ = "helpdesk_outbox"
    __table_args__ = (Index("ix_helpdesk_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    centre_id: Mapped[int | None] = mapped_column(Integer)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[Any] = mapped_column(JSON)
    after_id: Mapped[int | None] = mapped_column(Integer)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the (first) message sent
    last_error: Mapped[str | None] = mapped_column(String(200))


class ProcessedUpdate(Base):
    """A Telegram update the bot has taken on: the same update_id again is a replay, ignored.

    Rows older than a few days are pruned (Telegram keeps undelivered updates for 24 hours).
    """

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# --- reminders --------------------------------------------------------------
# Nomination deadlines, who follows them, and one row per reminder to send.
# `centre_id` refers to `support_centres` without a foreign key: the helpdesk
# tables come from another migration branch. `reminder_deliveries` is the
# delivery queue and the exactly-once ledger at the same time.


class Deadline(Base):
    """A date of the lab-manager nomination (circular 170610/Δ2): interest, meeting, proposal."""

    __tablename__ = "deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)  # stable id for YAML import
    kind: Mapped[str] = mapped_column(String(16))  # interest, meeting, proposal, other
    title_el: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    notes_el: Mapped[str] = mapped_column(Text, default="")
    notes_en: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    scope: Mapped[str] = mapped_column(String(16), default="everyone")  # or centre, directorate
    centre_id: Mapped[int | None] = mapped_column(Integer, index=True)
    directorate: Mapped[str | None] = mapped_column(String(200))  # as in schools.directorate
    link: Mapped[str | None] = mapped_column(String(500))
    # Bumped whenever the date moves: reminders are planned per revision of the date.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    previous_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    """One person's reminder settings: which deadlines, when, and whether at all."""

    __tablename__ = "reminder_subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    kinds: Mapped[str] = mapped_column(String(100), default="")  # comma-separated; "" = all
    offsets: Mapped[str] = mapped_column(String(100))  # e.g. "7d,1d,morning"
    # The area asked in chat; without it, the school of the person's fault reports decides.
    centre_id: Mapped[int | None] = mapped_column(Integer)
    directorate: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stop_reason: Mapped[str | None] = mapped_column(String(16))  # user, blocked


class ReminderDelivery(Base):
    """One reminder to one person: planned, claimed by a sender, then sent (or not).

    The unique key makes every (person, deadline, date revision, offset) happen
    once; a sender claims a row (status `sending`) before it calls Telegram.
    """

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "user_id",
            "deadline_id",
            "revision",
            "offset_code",
            name="uq_reminder_deliveries_claim",
        ),
        Index("ix_reminder_deliveries_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    deadline_id: Mapped[int] = mapped_column(
        ForeignKey("deadlines.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)  # of the deadline's date
    offset_code: Mapped[str] = mapped_column(String(16))  # 7d, 1d, morning, 2h, moved
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # pending, sending, sent, failed, superseded, expired, unknown
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(200))


class CalendarToken(Base):
    """The secret in a person's calendar feed URL; revoking it stops the feed."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- points -----------------------------------------------------------------
# The last points declaration of a teacher who agreed to have it kept
# (`users.consent_keep_declaration`): one row per teacher, replaced on each save,
# gone with the user (ON DELETE CASCADE) or when the teacher deletes it.


class PointsDeclaration(Base):
    """A kept declaration, in the spec's JSON format (`ysepehy-declaration/1`)."""

    __tablename__ = "points_declarations"

    user_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    declaration: Mapped[Any] = mapped_column(JSON)
    ruleset: Mapped[str] = mapped_column(String(64))  # the circular it was made under
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- faq --------------------------------------------------------------------
# What the FAQ learns from its readers, for the staff to improve the content
# (`keplibot faq misses`, `keplibot faq stats`). Questions it could not answer and
# the answers it showed are kept without the asker. A 👍/👎 vote keeps the voter's
# id only so that one person counts once per answer message (a second press
# changes the vote); it becomes NULL when the user is deleted, the vote stays.


class FaqMiss(Base):
    """A question the FAQ could not answer (`no_match`), or whose suggestions were all
    rejected (`rejected`)."""

    __tablename__ = "faq_misses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8))  # the asker's language, el/en
    kind: Mapped[str] = mapped_column(String(16))  # no_match, rejected
    # The best entries the search found anyway: [{"id": ..., "score": 0..1}], best first.
    hits: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The asker, only so that they can see (/mydata) and erase (/delete) their questions;
    # no foreign key: the question stays anonymous if the row is kept otherwise.
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


class FaqView(Base):
    """One answer shown, and how the reader got to it (menu, search, suggestion, related)."""

    __tablename__ = "faq_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class FaqFeedback(Base):
    """A 👍 (`helpful`) or 👎 on one answer message; one per voter and message."""

    __tablename__ = "faq_feedback"
    __table_args__ = (
        UniqueConstraint("user_id", "message_id", "entry_id", name="uq_faq_feedback_vote"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    # The answer message in the voter's private chat (message ids are per chat).
    message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- privacy and operations -----------------------------------------------------
# Who changed what: staff, invites, centres, schools, deadlines, and the privacy
# exports and erasures done by operators (bot.services.audit records them).


class AuditEntry(Base):
    """One change made by staff, an administrator, an operator (CLI) or the system."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # telegram, operator, system
    actor_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # Telegram user id
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(48), index=True)  # e.g. staff.deleted
    target: Mapped[str] = mapped_column(String(200), default="")  # e.g. helpdesk_staff 1/2001
    details: Mapped[Any] = mapped_column(JSON, nullable=True)


# --- several webhook workers (bot.workers) ----------------------------------------


class InboxUpdate(Base):
    """An update a worker accepted and has not processed yet (bot.workers), processed under
    its chat's lock in update_id order by whichever worker gets there first, then deleted.
    `replies`: the Bot API results of what its handling has sent so far (not sent again)."""

    __tablename__ = "update_inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    payload: Mapped[Any] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replies: Mapped[Any] = mapped_column(JSON, nullable=True)


class SendBudget(Base):
    """Telegram's overall sending pace shared by every process (bot.workers.SharedBudget):
    `tat` is the next free moment (epoch seconds) of the 30 messages/s schedule."""

    __tablename__ = "send_budget"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    tat: Mapped[float] = mapped_column(Double)


from bot import channel_models as channel_models  # noqa: E402  (Teams' tables: this one is full)
