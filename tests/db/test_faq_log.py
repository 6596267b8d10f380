"""The FAQ log (unanswered questions, answers shown, 👍/👎) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import FaqFeedback, FaqMiss
from bot.services import users
from bot.services.faq import Hit
from bot.services.faq import log as faq_log
from bot.services.faq.log import EntryStats, MissKind, Source, VoteOutcome

MONDAY = datetime(2025, 9, 1, 8, 30, tzinfo=UTC)
TEACHER = 5_000_000_001  # Telegram ids exceed 32 bits


async def add_teacher(sessions: async_sessionmaker[AsyncSession], user_id: int = TEACHER) -> None:
    async with sessions() as session:
        await users.touch_user(session, telegram_id=user_id, first_name="Γιώργος", now=MONDAY)


async def test_a_miss_keeps_text_locale_time_and_best_hits(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    hits = [
        Hit("support-scope", 0.14),
        Hit("upgrades", 0.12),
        Hit("school-visits", 0.1),
        Hit("x", 0.05),
    ]
    async with sessions() as session:
        await faq_log.record_miss(
            session, text="  πού παρκάρω στο σχολείο;  ", locale="el", hits=hits, now=MONDAY
        )
    async with sessions() as session:
        [miss] = await faq_log.list_misses(session)
    assert miss.text == "πού παρκάρω στο σχολείο;"
    assert (miss.locale, miss.kind, miss.created_at) == ("el", MissKind.NO_MATCH, MONDAY)
    assert miss.hits == (
        Hit("support-scope", 0.14),
        Hit("upgrades", 0.12),
        Hit("school-visits", 0.1),
    )


async def test_a_very_long_miss_is_cut(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await faq_log.record_miss(session, text="α" * 5000, locale="el", now=MONDAY)
        stored = await session.scalar(select(FaqMiss.text))
    assert stored == "α" * faq_log.MAX_MISS_CHARS


async def test_misses_newest_first_narrowed_by_time_language_and_limit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    asked = [
        ("ποιο είναι το ωράριο της βιβλιοθήκης", "el", MONDAY),
        ("where do I park", "en", MONDAY + timedelta(days=1)),
        ("πόσα μόρια είναι το ΙΚΑ", "el", MONDAY + timedelta(days=2)),
    ]
    async with sessions() as session:
        for text, locale, when in asked:
            await faq_log.record_miss(session, text=text, locale=locale, now=when)
        await faq_log.record_miss(
            session,
            text="τίποτα από αυτά",
            locale="el",
            kind=MissKind.REJECTED,
            now=MONDAY + timedelta(days=3),
        )
    async with sessions() as session:
        everything = await faq_log.list_misses(session)
        recent = await faq_log.list_misses(session, since=MONDAY + timedelta(days=1))
        greek = await faq_log.list_misses(session, locale="el")
        two = await faq_log.list_misses(session, limit=2)
    assert [m.text for m in everything] == [
        "τίποτα από αυτά",
        "πόσα μόρια είναι το ΙΚΑ",
        "where do I park",
        "ποιο είναι το ωράριο της βιβλιοθήκης",
    ]
    assert everything[0].kind is MissKind.REJECTED
    assert [m.text for m in recent] == [m.text for m in everything[:3]]
    assert all(m.locale == "el" for m in greek)
    assert len(greek) == 3
    assert two == everything[:2]


async def test_a_vote_is_recorded_then_unchanged_then_changed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_teacher(sessions)
    async with sessions() as session:

        async def vote(helpful: bool, locale: str, now: datetime) -> VoteOutcome:
            return await faq_log.record_vote(
                session,
                entry_id="support-request",
                locale=locale,
                helpful=helpful,
                user_id=TEACHER,
                message_id=17,
                now=now,
            )

        later = MONDAY + timedelta(minutes=5)
        first = await vote(True, "el", MONDAY)
        again = await vote(True, "el", later)
        changed = await vote(False, "en", later)
    assert (first, again, changed) == (
        VoteOutcome.RECORDED,
        VoteOutcome.UNCHANGED,
        VoteOutcome.CHANGED,
    )
    async with sessions() as session:
        [row] = (await session.scalars(select(FaqFeedback))).all()
        stats = await faq_log.entry_stats(session)
    assert (row.helpful, row.locale, row.created_at, row.updated_at) == (
        False,
        "en",
        MONDAY,
        later,
    )
    assert stats == {"support-request": EntryStats("support-request", unhelpful=1)}


async def test_votes_count_once_per_person_and_answer_message(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_teacher(sessions, 1)
    await add_teacher(sessions, 2)
    async with sessions() as session:
        for user_id, message_id, helpful in [(1, 10, True), (1, 11, True), (2, 10, False)]:
            outcome = await faq_log.record_vote(
                session,
                entry_id="upgrades",
                locale="el",
                helpful=helpful,
                user_id=user_id,
                message_id=message_id,
            )
            assert outcome is VoteOutcome.RECORDED
        # The same message shows another answer after a button edited it: another vote.
        other = await faq_log.record_vote(
            session, entry_id="school-visits", locale="el", helpful=True, user_id=1, message_id=10
        )
        assert other is VoteOutcome.RECORDED
        stats = await faq_log.entry_stats(session)
    assert stats["upgrades"] == EntryStats("upgrades", helpful=2, unhelpful=1)
    assert stats["upgrades"].votes == 3
    assert stats["school-visits"] == EntryStats("school-visits", helpful=1)


async def test_a_vote_of_an_unknown_user_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        with pytest.raises(IntegrityError):
            await faq_log.record_vote(
                session, entry_id="upgrades", locale="el", helpful=True, user_id=404, message_id=1
            )


async def test_deleting_the_user_keeps_the_vote_without_the_voter(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_teacher(sessions)
    async with sessions() as session:
        await faq_log.record_vote(
            session,
            entry_id="ysepehy-term",
            locale="el",
            helpful=True,
            user_id=TEACHER,
            message_id=5,
        )
        assert await users.delete_user_data(session, TEACHER)
    async with sessions() as session:
        [row] = (await session.scalars(select(FaqFeedback))).all()
        stats = await faq_log.entry_stats(session)
    assert row.user_id is None
    assert stats["ysepehy-term"] == EntryStats("ysepehy-term", helpful=1)


async def test_stats_count_views_per_entry_and_period(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_teacher(sessions)
    shown = [
        ("support-request", Source.SEARCH, MONDAY),
        ("support-request", Source.MENU, MONDAY + timedelta(days=2)),
        ("support-request", Source.SUGGESTION, MONDAY + timedelta(days=3)),
        ("upgrades", Source.RELATED, MONDAY),
    ]
    async with sessions() as session:
        for entry_id, source, when in shown:
            await faq_log.record_view(
                session, entry_id=entry_id, locale="el", source=source, now=when
            )
        await faq_log.record_vote(
            session,
            entry_id="upgrades",
            locale="el",
            helpful=False,
            user_id=TEACHER,
            message_id=3,
            now=MONDAY,
        )
        await faq_log.record_vote(
            session,
            entry_id="support-request",
            locale="el",
            helpful=True,
            user_id=TEACHER,
            message_id=4,
            now=MONDAY + timedelta(days=3),
        )
        everything = await faq_log.entry_stats(session)
        recent = await faq_log.entry_stats(session, since=MONDAY + timedelta(days=1))
        nothing = await faq_log.entry_stats(session, since=MONDAY + timedelta(days=30))
        views = await session.scalar(select(func.count()).select_from(FaqMiss))
    assert everything == {
        "support-request": EntryStats("support-request", views=3, helpful=1),
        "upgrades": EntryStats("upgrades", views=1, unhelpful=1),
    }
    assert recent == {"support-request": EntryStats("support-request", views=2, helpful=1)}
    assert nothing == {}
    assert views == 0  # views are not misses
