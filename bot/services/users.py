"""Telegram users the bot knows: who they are, their language, consent, whether they blocked us.

Every write commits before returning, so a handler can tell the user it is done.
`now` parameters exist for tests (a fake clock); callers normally leave them out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    PersistedChatData,
    PersistedConversation,
    PersistedUserData,
    User,
    utcnow,
)
from bot.services import known
from bot.services.text_clean import clean_text

# The locales a user can choose; the same as bot.i18n.LOCALES (a test keeps them equal),
# repeated here because services do not import the i18n layer.
LOCALES: Final = ("el", "en")

# Column widths of `users`; Telegram allows longer names than we keep.
_NAME_MAX = 128
_USERNAME_MAX = 64
_LANGUAGE_MAX = 16


# `note_seen` refreshes `last_seen` at most this often (it is shown to nobody to the second).
LAST_SEEN_EVERY: Final = timedelta(minutes=10)


def _clip(value: str | None, limit: int) -> str | None:
    """The value without control characters (PostgreSQL refuses NUL), cut to `limit`."""
    return clean_text(value)[:limit] if value is not None else None


async def existing_ids(session: AsyncSession, user_ids: set[int]) -> set[int]:
    """Those of `user_ids` the bot has a row for (people who have written to it)."""
    if not user_ids:
        return set()
    rows = await session.scalars(select(User.id).where(User.id.in_(user_ids)))
    return set(rows)


async def touch_user(
    session: AsyncSession,
    *,
    telegram_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
    now: datetime | None = None,
) -> User:
    """Record that the user was seen: create the row or refresh name, username and last_seen.

    One statement (insert ... on conflict update), so two updates of a new user
    arriving at once do not collide. A user who writes to the bot has not blocked
    it, so `blocked_bot` is cleared. The chosen locale and consent are kept.
    """
    now = now or utcnow()
    values = {
        "id": telegram_id,
        "first_name": _clip(first_name, _NAME_MAX) or "",
        "last_name": _clip(last_name, _NAME_MAX),
        "username": _clip(username, _USERNAME_MAX),
        "telegram_language": _clip(language_code, _LANGUAGE_MAX),
        "first_seen": now,
        "last_seen": now,
        "blocked_bot": False,
    }
    refreshed = ("first_name", "last_name", "username", "telegram_language", "last_seen")
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(User).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[User.id],
            set_={
                **{name: statement.excluded[name] for name in refreshed},
                "blocked_bot": False,
            },
        )
        await session.execute(statement)
    else:  # pragma: no cover - SQLite and PostgreSQL are the supported databases
        user = await session.get(User, telegram_id)
        if user is None:
            session.add(User(**values))
        else:
            for name in refreshed:
                setattr(user, name, values[name])
            user.blocked_bot = False
    await session.commit()
    user = await session.get(User, telegram_id, populate_existing=True)
    assert user is not None
    return user


@dataclass(frozen=True)
class Seen:
    """What `note_seen` compares an update's user with, and the stored locale."""

    names: tuple[str | None, ...]  # first name, last name, username, Telegram language
    blocked: bool
    last_seen: datetime
    locale: str | None


SeenUsers = known.Remembered[int, Seen]


async def note_seen(
    session: AsyncSession,
    *,
    telegram_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
    now: datetime | None = None,
    remembered: SeenUsers | None = None,
) -> str | None:
    """`touch_user` for every update, writing only when something changed; the stored locale.

    The row as last read or written (`remembered`, see `bot.services.known`), else one
    SELECT of it; the upsert (and its commit) only for a new user, a changed name,
    username or Telegram language, a user marked as having blocked the bot, or a
    `last_seen` older than `LAST_SEEN_EVERY`. With nothing remembered, an unchanged
    user costs no statement at all.
    """
    now = now or utcnow()
    seen = (
        _clip(first_name, _NAME_MAX) or "",
        _clip(last_name, _NAME_MAX),
        _clip(username, _USERNAME_MAX),
        _clip(language_code, _LANGUAGE_MAX),
    )
    if remembered is not None:
        found, known_row = remembered.get(telegram_id)
        if found and known_row is not None and _current(known_row, seen, now):
            return known_row.locale
    read_at = known.generation()
    row = (
        await session.execute(
            select(
                User.first_name,
                User.last_name,
                User.username,
                User.telegram_language,
                User.blocked_bot,
                User.last_seen,
                User.locale,
            ).where(User.id == telegram_id)
        )
    ).one_or_none()
    if row is not None:
        stored = Seen(
            (row.first_name, row.last_name, row.username, row.telegram_language),
            row.blocked_bot,
            row.last_seen,
            row.locale,
        )
        if _current(stored, seen, now):
            if remembered is not None:
                remembered.put(telegram_id, stored, read_at=read_at)
            return stored.locale
    user = await touch_user(
        session,
        telegram_id=telegram_id,
        first_name=first_name,
        last_name=last_name,
        username=username,
        language_code=language_code,
        now=now,
    )
    if remembered is not None:
        written = Seen(seen, False, now, user.locale)
        remembered.put(telegram_id, written, read_at=read_at)
    return user.locale


def _current(stored: Seen, seen: tuple[str | None, ...], now: datetime) -> bool:
    """Whether the stored row needs no write for a user seen now as `seen`."""
    return stored.names == seen and not stored.blocked and now - stored.last_seen < LAST_SEEN_EVERY


async def get_user(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.get(User, telegram_id)


async def _get_or_create(session: AsyncSession, telegram_id: int) -> User:
    # A write for a user the bot has not recorded yet (touch_user normally runs
    # first): keep it rather than lose it; the name arrives with the next update.
    user = await session.get(User, telegram_id)
    if user is None:
        now = utcnow()
        user = User(id=telegram_id, first_name="", first_seen=now, last_seen=now)
        session.add(user)
    return user


async def set_locale(session: AsyncSession, telegram_id: int, locale: str | None) -> User:
    """Store the user's own choice of language (`el` or `en`); None forgets the choice."""
    if locale is not None and locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}; expected one of {LOCALES}")
    user = await _get_or_create(session, telegram_id)
    user.locale = locale
    await session.commit()
    return user


async def get_locale(session: AsyncSession, telegram_id: int) -> str | None:
    """The language the user chose, or None if they never chose (or are unknown)."""
    locale: str | None = await session.scalar(select(User.locale).where(User.id == telegram_id))
    return locale


async def set_consent(session: AsyncSession, telegram_id: int, *, keep_declaration: bool) -> User:
    """Record the user's answer to "may we keep your last points declaration?"."""
    user = await _get_or_create(session, telegram_id)
    user.consent_keep_declaration = keep_declaration
    await session.commit()
    return user


async def mark_blocked(session: AsyncSession, telegram_id: int, blocked: bool = True) -> bool:
    """Note that the user blocked (or unblocked) the bot; False if the user is unknown."""
    result = await session.execute(
        update(User).where(User.id == telegram_id).values(blocked_bot=blocked)
    )
    await session.commit()
    return _rowcount(result) > 0


async def delete_user_data(session: AsyncSession, telegram_id: int) -> bool:
    """Forget the user: their row, their stored user_data and private chat_data, and
    their half-finished conversations. False if nothing was stored.

    Tables of features that refer to `users.id` with ``ON DELETE CASCADE`` go with
    the row. A running Application keeps its own copy of user_data: the handler
    must also call ``application.drop_user_data(id)`` and ``drop_chat_data(id)``.
    """
    deleted = 0
    for statement in (
        delete(User).where(User.id == telegram_id),
        delete(PersistedUserData).where(PersistedUserData.user_id == telegram_id),
        # The id of a user's private chat is the user's id.
        delete(PersistedChatData).where(PersistedChatData.chat_id == telegram_id),
    ):
        deleted += _rowcount(await session.execute(statement))
    # Conversation keys are JSON lists such as [chat_id, user_id]: narrow with LIKE,
    # then match whole numbers only (42 must not match 1042).
    candidates = await session.execute(
        select(PersistedConversation.name, PersistedConversation.key).where(
            PersistedConversation.key.contains(str(telegram_id))
        )
    )
    for name, key in candidates.all():
        if telegram_id in json.loads(key):
            deleted += _rowcount(
                await session.execute(
                    delete(PersistedConversation).where(
                        PersistedConversation.name == name, PersistedConversation.key == key
                    )
                )
            )
    await session.commit()
    return deleted > 0


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
