"""The update ledger's claims made together (`Ledger`: one INSERT per batch), on SQLite and
PostgreSQL: each update id is taken on once, however its claims arrive."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ProcessedUpdate
from bot.services.update_ledger import Ledger

T0 = datetime(2025, 9, 1, 8, 30, tzinfo=UTC)


async def test_claims_at_once_are_one_batch_and_each_id_wins_once(engine: AsyncEngine) -> None:
    ledger = Ledger(engine)
    assert await ledger.claim(1, now=T0)
    # Updates 1 (a replay) to 200 at once, update 150 twice: written together.
    claims = [ledger.claim(update_id, now=T0) for update_id in range(1, 201)]
    claims.append(ledger.claim(150, now=T0))
    results = await asyncio.gather(*claims)
    assert results[0] is False  # claimed before
    assert all(results[1:200])
    assert results[200] is False  # the same id twice at once: one is a replay
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert count == 200
    # Two ledgers (two processes): the id claimed by one is a replay for the other.
    assert not await Ledger(engine).claim(42, now=T0)
    assert await Ledger(engine).claim(2**40, now=T0)


async def test_a_failed_batch_fails_each_of_its_claims(engine: AsyncEngine) -> None:
    ledger = Ledger(engine)
    async with engine.begin() as connection:  # the ledger's table gone: every write fails
        await connection.exec_driver_sql("ALTER TABLE processed_updates RENAME TO gone")
    failed = await asyncio.gather(
        ledger.claim(1, now=T0), ledger.claim(2, now=T0), return_exceptions=True
    )
    assert all(isinstance(result, Exception) for result in failed)
    async with engine.begin() as connection:
        await connection.exec_driver_sql("ALTER TABLE gone RENAME TO processed_updates")
    assert await ledger.claim(1, now=T0)  # the next batch is written
