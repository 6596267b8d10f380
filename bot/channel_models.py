"""ORM models of the messaging channels besides Telegram (Microsoft Teams first).

A person of another channel is a keplibot user of their own: `channel_users` maps the
channel's identity (a Teams user's AAD object id) to a `users.id` outside the range of
Telegram's ids (`bot.services.channels.user_id_for`). `channel_conversations` keeps, per
conversation, what the adapter needs to carry on and to write first: the conversation
state of the dialogs (JSON) and the reference that proactive messages go to.

`channel_files` keeps a file a person sent on such a channel that the helpdesk passes on
to Telegram (a fault report's photo from Teams): Telegram has no file id for it, so the
staff chat gets the bytes (`bot.services.channels.with_stored_files`).

All three go with their user: erasing a user (privacy) deletes them (ON DELETE CASCADE).
They are imported by `bot.models`, so that one metadata holds every table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base, UTCDateTime, utcnow


class ChannelUser(Base):
    """A person of a channel besides Telegram, and the keplibot user they are."""

    __tablename__ = "channel_users"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16))  # "teams"
    external_id: Mapped[str] = mapped_column(String(200))  # Teams: the AAD object id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelConversation(Base):
    """One conversation of a channel besides Telegram: its dialog state and its reference."""

    __tablename__ = "channel_conversations"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # What proactive messages need (Teams: serviceUrl, bot and tenant ids).
    reference: Mapped[Any] = mapped_column(JSON)
    state: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelFile(Base):
    """A file a person of another channel sent (a fault report's photo): its bytes, kept
    because Telegram's staff chats can only be sent it as an upload."""

    __tablename__ = "channel_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
