"""The users service on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import i18n
from bot.models import PersistedChatData, PersistedConversation, PersistedUserData, User
from bot.persistence import SQLAlchemyPersistence
from bot.services import users

MONDAY = datetime(2025, 9, 1, 8, 30, tzinfo=UTC)


async def test_first_contact_creates_the_user(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        user = await users.touch_user(
            session,
            telegram_id=5_000_000_001,  # ids exceed 32 bits
            first_name="Γιώργος",
            last_name="Παπαδόπουλος",
            username="gpapad",
            language_code="el",
            now=MONDAY,
        )
    assert (user.id, user.display_name, user.username, user.telegram_language) == (
        5_000_000_001,
        "Γιώργος Παπαδόπουλος",
        "gpapad",
        "el",
    )
    assert (user.first_seen, user.last_seen) == (MONDAY, MONDAY)
    assert user.locale is None
    assert user.consent_keep_declaration is None
    assert user.blocked_bot is False


async def test_a_later_contact_refreshes_the_name_and_keeps_first_seen_and_choices(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    later = MONDAY + timedelta(days=3, hours=2)
    async with sessions() as session:
        await users.touch_user(session, telegram_id=42, first_name="Anna", now=MONDAY)
        await users.set_locale(session, 42, "en")
        await users.set_consent(session, 42, keep_declaration=True)
        await users.mark_blocked(session, 42)
        await users.touch_user(
            session,
            telegram_id=42,
            first_name="Άννα",
            last_name="Κ.",
            username="anna_k",
            language_code="el",
            now=later,
        )
    async with sessions() as session:  # read back from the database, not the identity map
        user = await users.get_user(session, 42)
    assert user is not None
    assert (user.first_name, user.last_name, user.username) == ("Άννα", "Κ.", "anna_k")
    assert (user.first_seen, user.last_seen) == (MONDAY, later)
    assert user.locale == "en"
    assert user.consent_keep_declaration is True
    assert user.blocked_bot is False  # writing to the bot means they unblocked it


async def test_two_first_updates_at_once_make_one_user(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def touch(name: str) -> User:
        async with sessions() as session:
            return await users.touch_user(session, telegram_id=77, first_name=name)

    await asyncio.gather(touch("A"), touch("B"), touch("C"))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_overlong_telegram_names_are_cut_to_the_column(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        user = await users.touch_user(
            session, telegram_id=3, first_name="Α" * 300, username="u" * 100
        )
    assert len(user.first_name) == 128
    assert user.username == "u" * 64


async def test_the_chosen_locale_is_remembered_and_can_be_forgotten(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        assert await users.get_locale(session, 8) is None  # unknown user
        await users.touch_user(session, telegram_id=8, first_name="Eleni", language_code="en")
        assert await users.get_locale(session, 8) is None  # Telegram's language is no choice
        await users.set_locale(session, 8, "el")
    async with sessions() as session:
        assert await users.get_locale(session, 8) == "el"
        await users.set_locale(session, 8, None)
        assert await users.get_locale(session, 8) is None


async def test_an_unsupported_locale_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        with pytest.raises(ValueError, match="'fr'"):
            await users.set_locale(session, 8, "fr")
        assert await users.get_user(session, 8) is None


def test_the_service_offers_exactly_the_locales_of_the_catalogs() -> None:
    assert users.LOCALES == i18n.LOCALES


async def test_a_choice_made_before_the_first_touch_is_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await users.set_locale(session, 12, "en")
        await users.set_consent(session, 12, keep_declaration=False)
        await users.touch_user(session, telegram_id=12, first_name="Kostas", now=MONDAY)
    async with sessions() as session:
        user = await users.get_user(session, 12)
    assert user is not None
    assert (user.first_name, user.locale, user.consent_keep_declaration) == ("Kostas", "en", False)


async def test_blocking_is_recorded_and_unknown_users_are_reported(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await users.touch_user(session, telegram_id=21, first_name="Maria")
        assert await users.mark_blocked(session, 21) is True
        assert await users.mark_blocked(session, 999) is False
    async with sessions() as session:
        user = await users.get_user(session, 21)
        assert user is not None
        assert user.blocked_bot is True
        assert await users.mark_blocked(session, 21, blocked=False) is True
    async with sessions() as session:
        user = await users.get_user(session, 21)
        assert user is not None
        assert user.blocked_bot is False


async def test_deleting_a_user_removes_their_row_data_and_conversations(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    persistence = SQLAlchemyPersistence(engine)
    for telegram_id in (42, 1042):
        async with sessions() as session:
            await users.touch_user(session, telegram_id=telegram_id, first_name="x")
        await persistence.update_user_data(telegram_id, {"answers": [1, 2]})
        await persistence.update_chat_data(telegram_id, {"menu": 3})
        await persistence.update_conversation("points", (telegram_id, telegram_id), 2)
    await persistence.update_conversation("staff", (-100777, 42), 1)  # in a group
    await persistence.update_chat_data(-100777, {"group": True})

    async with sessions() as session:
        assert await users.delete_user_data(session, 42) is True
        assert await users.delete_user_data(session, 42) is False  # nothing left

    async with sessions() as session:
        assert await users.get_user(session, 42) is None
        assert await users.get_user(session, 1042) is not None
        user_rows = await session.scalars(select(PersistedUserData.user_id))
        chat_rows = await session.scalars(select(PersistedChatData.chat_id))
        conversations = await session.execute(
            select(PersistedConversation.name, PersistedConversation.key)
        )
        assert set(user_rows) == {1042}
        assert set(chat_rows) == {1042, -100777}
        assert {tuple(row) for row in conversations} == {("points", "[1042,1042]")}


async def test_note_seen_writes_only_what_changed_and_returns_the_stored_locale(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def seen(name: str, when: datetime, language: str | None = "el") -> str | None:
        async with sessions() as session:
            return await users.note_seen(
                session, telegram_id=61, first_name=name, language_code=language, now=when
            )

    async def row() -> tuple[str, datetime, str | None, bool]:
        async with sessions() as session:
            user = await session.get(User, 61)
            assert user is not None
            return user.first_name, user.last_seen, user.telegram_language, user.blocked_bot

    assert await seen("Νίκη", MONDAY) is None  # a new user: created
    assert await row() == ("Νίκη", MONDAY, "el", False)
    async with sessions() as session:
        await users.set_locale(session, 61, "en")
    # The same person a minute later: nothing written, the stored choice read.
    assert await seen("Νίκη", MONDAY + timedelta(minutes=1)) == "en"
    assert await row() == ("Νίκη", MONDAY, "el", False)
    # A new name, a new Telegram language: written at once.
    assert await seen("Νίκη Π.", MONDAY + timedelta(minutes=2)) == "en"
    assert await row() == ("Νίκη Π.", MONDAY + timedelta(minutes=2), "el", False)
    assert await seen("Νίκη Π.", MONDAY + timedelta(minutes=3), "en") == "en"
    assert (await row())[2] == "en"
    # Someone who writes has not blocked the bot.
    async with sessions() as session:
        await users.mark_blocked(session, 61)
    await seen("Νίκη Π.", MONDAY + timedelta(minutes=4), "en")
    assert (await row())[3] is False
    # last_seen moves on once it is older than LAST_SEEN_EVERY.
    later = MONDAY + timedelta(minutes=4) + users.LAST_SEEN_EVERY + timedelta(seconds=1)
    await seen("Νίκη Π.", later, "en")
    assert (await row())[1] == later
