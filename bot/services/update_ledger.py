"""The update ids the bot has taken on: a replayed update (the same update_id) is ignored.

Telegram sends an update again when the bot did not confirm it (a crash, a webhook
answer that timed out), and a proxy or an attacker can replay a webhook request.
Each update id is claimed once, with an INSERT that a second claim cannot repeat
(the primary key), so two processes or two deliveries at once cannot both win.
Kept in the database, the ledger holds across restarts, in polling and webhook
mode alike. Telegram keeps undelivered updates for 24 hours, so rows older than
`KEEP` are pruned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

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
