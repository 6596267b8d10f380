"""The update ids the bot has taken on: a replayed update (the same update_id) is ignored.

Telegram sends an update again when the bot did not confirm it (a crash, a webhook
answer that timed out), and a proxy or an attacker can replay a webhook request.
Each update id is claimed once, with an INSERT that a second claim cannot repeat
(the primary key), so two processes or two deliveries at once cannot both win.
Kept in the database, the ledger holds across restarts, in polling and webhook
mode alike. Telegram keeps undelivered updates for 24 hours, so rows older than
`KEEP` are pruned.

`Ledger` claims the updates in progress together: the claims that arrive while one
is being written are written next in one INSERT and one commit (a group commit), so
that under load a claim costs a fraction of a transaction; each update still goes on
only once its own claim is committed.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.models import ProcessedUpdate

KEEP: Final = timedelta(days=3)
PRUNE_EVERY: Final = 500  # update ids: prune once in so many claims


async def claim(session: AsyncSession, update_id: int, *, now: datetime) -> bool:
    """True if this update id is new (now claimed); False for a replay. Commits."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ProcessedUpdate)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    await session.commit()
    return bool(getattr(result, "rowcount", 0))


async def prune(session: AsyncSession, *, now: datetime, keep: timedelta = KEEP) -> int:
    """Forget update ids claimed before `now - keep`; how many were forgotten. Commits."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - keep)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


MAX_BATCH: Final = 500  # claims in one statement (within the bound-parameter limits)


class Ledger:
    """`claim` for many updates at once: one INSERT and one commit per batch."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        self._waiting: dict[int, tuple[datetime, asyncio.Future[bool]]] = {}
        self._writer: asyncio.Task[None] | None = None

    async def claim(self, update_id: int, *, now: datetime) -> bool:
        """True if this update id is new (its claim now committed); False for a replay.

        Raises what the database raised (every claim of the failed batch does)."""
        if update_id in self._waiting:  # the same update twice at once: one is a replay
            return False
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[update_id] = (now, future)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())
        return await future

    async def _write(self) -> None:
        while self._waiting:
            ids = list(self._waiting)[:MAX_BATCH]
            batch = {update_id: self._waiting.pop(update_id) for update_id in ids}
            try:
                async with self._engine.begin() as connection:
                    result = await connection.execute(
                        self._insert(ProcessedUpdate)
                        .values(
                            [
                                {"update_id": update_id, "processed_at": now}
                                for update_id, (now, _) in batch.items()
                            ]
                        )
                        .on_conflict_do_nothing(index_elements=["update_id"])
                        .returning(ProcessedUpdate.update_id)
                    )
                    fresh = set(result.scalars())
            except BaseException as exc:
                for _, future in batch.values():
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for update_id, (_, future) in batch.items():
                if not future.done():
                    future.set_result(update_id in fresh)
