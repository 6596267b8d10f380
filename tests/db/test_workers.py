"""What several workers share through the database (bot.workers, bot.services.exclusive,
the persistence's `owner` and `load_entries`), on SQLite and PostgreSQL where it applies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine
from bot.persistence import SQLAlchemyPersistence, entity_lock_key
from bot.services.exclusive import run_alone
from bot.workers import SharedBudget

INTERVIEW = "points_interview"


@pytest.fixture
async def pg_engines(postgres_database_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on one PostgreSQL database: what two worker processes open."""
    first, second = create_engine(postgres_database_url), create_engine(postgres_database_url)
    yield first, second
    await first.dispose()
    await second.dispose()


@pytest.mark.postgres
async def test_two_processes_share_one_overall_pace(
    pg_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    rate = 50.0
    budgets = [SharedBudget(engine, per_second=rate, name="test") for engine in pg_engines]
    sent: list[float] = []

    async def sender(budget: SharedBudget, count: int) -> None:
        for _ in range(count):
            await budget.take()
            sent.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(sender(budgets[0], 50), sender(budgets[1], 50))
    took = time.monotonic() - started
    # 100 slots at 50/s from one schedule, the first 10 at once: about 1.8 s, and never
    # more than the burst and 50 in a second.
    assert took >= (100 - 10) / rate - 0.1, took
    sent.sort()
    busiest = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert busiest <= 10 + rate + 2, busiest  # a slot may be used up to a few ms late


@pytest.mark.postgres
async def test_a_job_runs_in_one_process_at_a_time(
    pg_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, second = pg_engines
    async with run_alone(first, "retention") as alone:
        assert alone
        async with run_alone(second, "retention") as other:
            assert not other
        async with run_alone(second, "another-job") as different:
            assert different
    async with run_alone(second, "retention") as again:
        assert again  # released


async def test_on_sqlite_a_job_always_runs(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    async with run_alone(engine, "retention") as alone, run_alone(engine, "retention") as too:
        assert alone
        assert too


async def test_a_worker_writes_conversations_only_of_what_it_holds_the_lock_of(
    engine: AsyncEngine,
) -> None:
    mine: set[int] = {1001}
    worker = SQLAlchemyPersistence(engine)
    worker.owner = mine.__contains__
    await worker.update_user_data(1001, {"step": 1})
    await worker.update_conversation(INTERVIEW, (1001, 1001), 3)
    await worker.update_conversation(INTERVIEW, (2002, 2002), 9)  # another worker's
    await worker.drop_chat_data(2002)

    reader = SQLAlchemyPersistence(engine)
    assert await reader.get_user_data() == {1001: {"step": 1}}
    assert await reader.get_conversations(INTERVIEW) == {(1001, 1001): 3}


@pytest.mark.postgres
async def test_a_job_s_change_to_a_stale_copy_is_merged_key_by_key(
    pg_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, second = pg_engines
    job_worker, other = SQLAlchemyPersistence(first), SQLAlchemyPersistence(second)
    other.owner = {1001}.__contains__
    job_worker.owner = set[int]().__contains__
    await other.update_user_data(1001, {"step": 1, "session": "old"})
    stale, _, _ = await job_worker.load_entries(1001, None, [])
    assert stale == {"step": 1, "session": "old"}
    await other.update_user_data(1001, {"step": 2, "session": "new"})  # moved on elsewhere
    # A job on the stale copy drops "session" (an expired result) and adds "roles".
    await job_worker.update_user_data(1001, {"step": 1, "roles": ["staff"]})
    stored = (await SQLAlchemyPersistence(first).get_user_data())[1001]
    # Its own key went in; the keys changed elsewhere stayed as they are.
    assert stored == {"step": 2, "session": "new", "roles": ["staff"]}

    # While another process holds the user's lock, such a change is dropped, not waited for.
    async with second.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": entity_lock_key(1001)})
        await job_worker.update_user_data(1001, {"step": 2, "session": "new", "roles": []})
        await conn.execute(text("SELECT pg_advisory_unlock_all()"))
    stored = (await SQLAlchemyPersistence(first).get_user_data())[1001]
    assert stored["roles"] == ["staff"]


async def test_load_entries_reads_the_latest_state_and_an_unchanged_one_is_not_rewritten(
    engine: AsyncEngine,
) -> None:
    worker_a, worker_b = SQLAlchemyPersistence(engine), SQLAlchemyPersistence(engine)
    await worker_a.update_user_data(1001, {"step": 1})
    await worker_a.update_conversation(INTERVIEW, (1001, 1001), 1)
    # Worker B moves the interview on.
    await worker_b.update_user_data(1001, {"step": 2})
    await worker_b.update_conversation(INTERVIEW, (1001, 1001), 2)
    await worker_b.update_chat_data(1001, {"shown": 7})

    user, chat, states = await worker_a.load_entries(
        1001, 1001, [(INTERVIEW, (1001, 1001)), ("fault_report", (1001, 1001))]
    )
    assert user == {"step": 2}
    assert chat == {"shown": 7}
    assert states == {(INTERVIEW, (1001, 1001)): 2, ("fault_report", (1001, 1001)): None}
    # A now writes {"step": 1}, which it wrote itself before: the loaded state is what it
    # compares with, so the write is not skipped as "unchanged".
    await worker_a.update_user_data(1001, {"step": 1})
    assert (await SQLAlchemyPersistence(engine).get_user_data())[1001] == {"step": 1}
    await worker_a.update_conversation(INTERVIEW, (1001, 1001), 1)
    assert (await SQLAlchemyPersistence(engine).get_conversations(INTERVIEW)) == {(1001, 1001): 1}
