"""People and conversations of the messaging channels besides Telegram (Microsoft Teams).

A person of another channel is a keplibot user of their own, whatever their name: the
channel's identity (channel, external id) maps to a `users.id` derived from it
(`user_id_for`), at or above 2**62. Telegram's user ids have at most 52 bits, so the two
never meet, and the id is the same in every process without a round trip to allocate it.
The feature services then know the person by that id, as they know a Telegram user.

Each conversation keeps the dialogs' state (plain JSON: the points session, the flow on
screen) and the reference a proactive message needs. Every write commits before it
returns, so an adapter can tell the person that something is done.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channel_models import ChannelConversation, ChannelFile, ChannelUser
from bot.models import User, utcnow
from bot.services.users import note_seen
from bot.ui import Screen

CHANNEL_ID_BASE: Final = 2**62  # ids of channel users: [2**62, 2**62 + 2**61)
_ID_BITS: Final = 61
MAX_EXTERNAL_ID: Final = 200
MAX_CONVERSATION_ID: Final = 400
# A stored file's reference where a Telegram file id would be (a Telegram file id never
# holds a colon): `stored:<channel_files.id>`.
STORED_PREFIX: Final = "stored:"


class IdentityClash(Exception):
    """Two identities of a channel hash to one user id (never seen; refused, not merged)."""


def user_id_for(channel: str, external_id: str) -> int:
    """The keplibot user id of a channel's person: stable, ≥ 2**62, never a Telegram id."""
    digest = hashlib.sha256(f"keplibot-channel\0{channel}\0{external_id}".encode()).digest()
    return CHANNEL_ID_BASE + (int.from_bytes(digest[:8], "big") & (2**_ID_BITS - 1))


def is_channel_user(user_id: int) -> bool:
    """Whether `user_id` is a person of a channel besides Telegram."""
    return user_id >= CHANNEL_ID_BASE


@dataclass(frozen=True)
class Person:
    """A channel's person as keplibot knows them: the user id and their chosen locale."""

    user_id: int
    locale: str | None


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def person(
    session: AsyncSession,
    channel: str,
    external_id: str,
    *,
    name: str,
    language: str | None,
    now: datetime | None = None,
) -> Person:
    """The keplibot user of `external_id` on `channel`, created on first contact.

    `name` and `language` (the channel's locale, "el-GR") refresh the user row as
    Telegram's do; the locale the person chose in the bot wins over `language`.
    """
    if not external_id or len(external_id) > MAX_EXTERNAL_ID:
        raise ValueError("a channel identity of 1-200 characters")
    user_id = user_id_for(channel, external_id)
    locale = await note_seen(
        session, telegram_id=user_id, first_name=name, language_code=language, now=now
    )
    mapped = await session.scalar(
        select(ChannelUser.external_id).where(ChannelUser.user_id == user_id)
    )
    if mapped is None:
        statement = (
            _insert(session)(ChannelUser)
            .values(
                user_id=user_id,
                channel=channel,
                external_id=external_id,
                created_at=now or utcnow(),
            )
            .on_conflict_do_nothing()
        )
        await session.execute(statement)
        await session.commit()
        mapped = await session.scalar(
            select(ChannelUser.external_id).where(ChannelUser.user_id == user_id)
        )
    if mapped != external_id:
        raise IdentityClash(f"{channel} identity hashes to the user id of another")
    return Person(user_id, locale)


async def set_locale(session: AsyncSession, user_id: int, locale: str) -> None:
    """The person's own choice of language (el/en)."""
    user = await session.get(User, user_id)
    if user is not None:
        user.locale = locale
        await session.commit()


async def load_state(
    session: AsyncSession, channel: str, conversation_id: str, user_id: int
) -> dict[str, Any]:
    """The dialogs' state of a conversation ({} for a new one, or another person's)."""
    row = await session.get(ChannelConversation, (channel, conversation_id))
    if row is None or row.user_id != user_id or not isinstance(row.state, dict):
        return {}
    return dict(row.state)


async def save_state(
    session: AsyncSession,
    channel: str,
    conversation_id: str,
    user_id: int,
    state: dict[str, Any],
    reference: dict[str, Any],
    *,
    now: datetime | None = None,
) -> None:
    """Store the conversation's state and reference (one statement; committed)."""
    if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID:
        raise ValueError("a conversation id of 1-400 characters")
    values = {
        "channel": channel,
        "conversation_id": conversation_id,
        "user_id": user_id,
        "reference": reference,
        "state": state,
        "updated_at": now or utcnow(),
    }
    statement = _insert(session)(ChannelConversation).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[ChannelConversation.channel, ChannelConversation.conversation_id],
        set_={k: statement.excluded[k] for k in ("user_id", "reference", "state", "updated_at")},
    )
    await session.execute(statement)
    await session.commit()


async def conversations_of(
    session: AsyncSession, channel: str, user_id: int
) -> list[tuple[str, dict[str, Any]]]:
    """(conversation id, reference) of each conversation of a person on `channel`: where a
    proactive message to them goes."""
    rows = await session.execute(
        select(ChannelConversation.conversation_id, ChannelConversation.reference).where(
            ChannelConversation.channel == channel, ChannelConversation.user_id == user_id
        )
    )
    return [(cid, dict(ref or {})) for cid, ref in rows]


async def states_with(
    session: AsyncSession, channel: str, key: str
) -> list[tuple[str, int, dict[str, Any]]]:
    """(conversation id, user id, state) of the conversations whose state holds `key`: what
    a purge of expired data of one feature reads (the state is JSON: filtered here)."""
    rows = await session.execute(
        select(
            ChannelConversation.conversation_id,
            ChannelConversation.user_id,
            ChannelConversation.state,
        ).where(ChannelConversation.channel == channel)
    )
    return [
        (cid, user_id, dict(state))
        for cid, user_id, state in rows
        if isinstance(state, dict) and key in state
    ]


async def replace_state(
    session: AsyncSession,
    channel: str,
    conversation_id: str,
    state: dict[str, Any],
    *,
    now: datetime | None = None,
) -> None:
    """Replace a conversation's state, keeping its reference (committed)."""
    row = await session.get(ChannelConversation, (channel, conversation_id))
    if row is not None:
        row.state = state
        row.updated_at = now or utcnow()
        await session.commit()


async def reference_of(
    session: AsyncSession, channel: str, conversation_id: str
) -> tuple[int, dict[str, Any]] | None:
    """(user id, reference) of a known conversation, None for one the bot never had."""
    row = await session.get(ChannelConversation, (channel, conversation_id))
    if row is None:
        return None
    return row.user_id, dict(row.reference or {})


# --- files people sent (passed on to Telegram as uploads) --------------------------------


async def store_file(
    session: AsyncSession,
    channel: str,
    user_id: int,
    data: bytes,
    *,
    name: str,
    mime: str,
    now: datetime,
) -> str:
    """Keep a file the person sent; its reference (`stored:<id>`), committed."""
    row = ChannelFile(
        user_id=user_id,
        channel=channel,
        name=name[:200],
        mime=mime[:100],
        data=data,
        created_at=now,
    )
    session.add(row)
    await session.commit()
    return f"{STORED_PREFIX}{row.id}"


def stored_id(ref: str | None) -> int | None:
    """The row id of a stored file's reference; None for anything else (a Telegram id)."""
    if ref is None or not ref.startswith(STORED_PREFIX):
        return None
    number = ref.removeprefix(STORED_PREFIX)
    return int(number) if number.isdigit() and len(number) <= 18 else None


async def with_stored_files(session: AsyncSession, screen: Screen) -> Screen:
    """`screen` with each stored file's reference replaced by its bytes (a file that is no
    longer stored, its person erased, stays a reference: the channel refuses it)."""
    files = []
    for file in screen.files:
        number = stored_id(file.ref)
        row = await session.get(ChannelFile, number) if number is not None else None
        if row is not None:
            file = dataclasses.replace(file, data=row.data, mime=row.mime, name=row.name, ref=None)
        files.append(file)
    return dataclasses.replace(screen, files=tuple(files))


# --- privacy (`bot.services.privacy` lists these as its "channels" step) -------------------


async def export_channel_data(session: AsyncSession, user_id: int) -> Any:
    """The person's identity on another channel and their conversations' state, or None."""
    identity = await session.get(ChannelUser, user_id)
    if identity is None:
        return None
    rows = await session.scalars(
        select(ChannelConversation).where(ChannelConversation.user_id == user_id)
    )
    return {
        "channel": identity.channel,
        "external_id": identity.external_id,
        "since": identity.created_at.isoformat(),
        "conversations": [
            {
                "conversation_id": row.conversation_id,
                "updated_at": row.updated_at.isoformat(),
                # Where proactive messages go: the person's id on the channel, their
                # tenant, the channel's service address (personal data like the rest).
                "reference": row.reference,
                "state": row.state,
            }
            for row in rows
        ],
        "files": [
            {"name": row.name, "mime": row.mime, "bytes": len(row.data)}
            for row in await session.scalars(
                select(ChannelFile).where(ChannelFile.user_id == user_id)
            )
        ],
    }


async def erase_channel_data(session: AsyncSession, user_id: int) -> int:
    """Delete the person's identity and conversations (in the caller's transaction)."""
    touched = 0
    for model in (ChannelConversation, ChannelFile, ChannelUser):
        result = await session.execute(delete(model).where(model.user_id == user_id))
        touched += int(getattr(result, "rowcount", 0) or 0)
    return touched


# --- notices (`bot.routing`) ---------------------------------------------------------------


def message_number(message_id: str) -> int:
    """A channel's text message id as a number (a stable 48-bit hash, ≥ 1): what the
    queues and ticket links, made for Telegram's numbered messages, keep."""
    digest = hashlib.sha256(message_id.encode()).digest()
    return int.from_bytes(digest[:6], "big") + 1


async def latest_conversation(session: AsyncSession, user_id: int) -> tuple[str, str] | None:
    """(channel, conversation id) of the person's most recent conversation with the bot:
    where a notice to them goes; None when they have none (never, or erased)."""
    row = (
        await session.execute(
            select(ChannelConversation.channel, ChannelConversation.conversation_id)
            .where(ChannelConversation.user_id == user_id)
            .order_by(ChannelConversation.updated_at.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row[0], row[1])
