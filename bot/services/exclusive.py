"""`run_alone`: a job that runs in one process at a time on a database (several workers).

Every webhook worker schedules the same jobs. Jobs whose work is claimed row by row
(reminders, the helpdesk outbox: `FOR UPDATE SKIP LOCKED`) or planned under a dedupe
key (the weekly summary) are safe as they are; a job that works on the whole database
at once (retention) runs inside `run_alone(engine, name)`, which holds a PostgreSQL
advisory lock on a connection of its own while the job runs: a second worker that
fires the same job meanwhile is told `False` and skips it. Such a job must be
idempotent (one that runs again later, after the first has finished, finds nothing left
to do). SQLite has one process per database: always `True`. `in_turn` waits instead
of skipping (processes starting together).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def job_lock_key(name: str) -> int:
    digest = hashlib.blake2b(f"keplibot:job:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.asynccontextmanager
async def run_alone(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Yields True if no other process runs the job `name` now (it is held meanwhile)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = job_lock_key(name)
    async with engine.connect() as conn:
        got = bool(
            (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar()
        )
        await conn.commit()
        try:
            yield got
        finally:
            if got:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await conn.commit()


@contextlib.asynccontextmanager
async def in_turn(engine: AsyncEngine, name: str) -> AsyncIterator[None]:
    """Wait until no other process is inside `in_turn(..., name)`, then hold it (PostgreSQL;
    on SQLite it just runs). E.g. workers starting together upgrade the schema in turn."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = job_lock_key(name)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        await conn.commit()
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            await conn.commit()
