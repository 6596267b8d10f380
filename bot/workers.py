"""Several `keplibot webhook` workers on one PostgreSQL database.

A reverse proxy spreads Telegram's webhook requests over N workers (or one
`keplibot webhook --workers N` starts N processes sharing one port). What would
otherwise live in one process's memory is kept in the database:

- **One chat at a time, in order** (`SharedUpdates`). A worker that accepts an
  update first records it in `update_inbox` (before answering 200), then processes
  it under PostgreSQL advisory locks of its chat and its user (session locks on a
  connection of their own, taken in ascending order so that two workers never wait
  for each other in a circle; a dead worker's locks go with its connection). Under
  the lock it processes every update of the chat still in the inbox with a smaller
  update_id first, deleting each row once done; an update whose row is gone was
  processed by another worker and is skipped. Guarantee: an update of a chat is
  processed after every update of the same chat with a smaller update_id that a
  worker had accepted (answered 200) before, and never at the same time as another
  update of that chat or user. An update that Telegram delivers *after* a later one
  of its chat was processed is processed late, out of order (Telegram itself sends a
  webhook's updates one by one unless `max_connections` lets it overlap them).
- **Shared conversation state**: under the lock the chat's and user's `chat_data`,
  `user_data` and conversation states are read again from the database before the
  update is handled, and written before the lock is released; the persistence
  writes only ids whose lock this process holds (`SQLAlchemyPersistence.owner`).
- **Telegram's 30 messages/s over all processes** (`SharedBudget`): a GCRA row in
  `send_budget`; each process reserves a few send slots at a time with one UPDATE.
  The per-chat and per-group limits stay in each process's `TelegramRateLimiter`
  (one chat's messages are sent by the worker that holds its lock).
- **What a handling has sent** (`SharedUpdates.through`, on every Bot API call made while
  an inbox update is handled): each call that Telegram accepted is recorded with its
  result in the update's inbox row (`replies`) before the handler goes on. A process that
  handles the update again (its worker or the polling leader died before deleting the
  row) gives the handler the recorded results instead of calling Telegram again, as long
  as the handler makes the same calls in the same order, so the update's state changes
  are made without a second reply. Only a process killed between Telegram accepting a
  call and the commit of its record leaves a reply that is sent twice.
- Scheduled jobs: reminders and the helpdesk outbox claim their rows with
  `FOR UPDATE SKIP LOCKED`, the weekly summary is planned under a dedupe key, and
  retention runs under `bot.services.exclusive.run_alone`.

SQLite stays one process (the polling lease refuses a second one), without any of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final, TypeVar

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Update

from bot.db import create_engine
from bot.models import InboxUpdate, ProcessedUpdate, utcnow
from bot.persistence import SQLAlchemyPersistence, entity_lock_key

log = logging.getLogger(__name__)

# Inbox rows older than this are processed by a sweep even if their chat sends nothing
# more (the worker that accepted them died before processing them).
SWEEP_AFTER: Final = 15.0  # seconds
SWEEP_EVERY: Final = 10.0  # seconds

Slots = Callable[[Update], list[tuple[str, Any]]]
SetState = Callable[[str, Any, object | None], None]
Reply = list[Any]  # [Bot API method, its result], as recorded in the inbox row
T = TypeVar("T")


@dataclass
class _Handling:
    """The inbox update being handled in this task, and what its handling sent."""

    update_id: int
    earlier: list[Reply]  # recorded by a handling that did not finish: not sent again
    conn: AsyncConnection  # the chat's lock connection: the record is written on it
    sent: list[Reply] = field(default_factory=list)
    writing: asyncio.Lock = field(default_factory=asyncio.Lock)  # one record at a time


_handling: ContextVar[_Handling | None] = ContextVar("keplibot_inbox_update", default=None)


lock_key = entity_lock_key  # the advisory lock key of a chat or user id
SYNC_COMMIT_OFF: Final = text("SET LOCAL synchronous_commit TO off")


def _ids_of(update: Update) -> tuple[int | None, int | None]:
    chat = update.effective_chat
    user = update.effective_user
    return (chat.id if chat else None, user.id if user else None)


class SharedUpdates:
    """Processes one update at a time per chat across workers (see the module docstring).

    `PerChatUpdateProcessor` hands each update to `process` once the update's turn in
    this process has come; the webhook server calls `accept` before answering 200.
    """

    def __init__(
        self,
        application: Any,
        persistence: SQLAlchemyPersistence,
        url: str,
        sessions: async_sessionmaker[AsyncSession],
        *,
        slots: Slots,
        set_state: SetState,
        pool_size: int = 8,
    ) -> None:
        self._app = application
        self._persistence = persistence
        self._sessions = sessions
        self._slots = slots
        self._set_state = set_state
        # Lock connections apart from the application's pool: a connection waits here
        # as long as another worker processes the chat.
        self._engine: AsyncEngine = create_engine(url, pool_size=pool_size, max_overflow=64)
        self._owned: Counter[int] = Counter()
        self._accepted: set[int] = set()
        self._sweeper: asyncio.Task[None] | None = None
        persistence.owner = self.owns

    def owns(self, entity_id: int) -> bool:
        """Whether this process holds the lock of a chat or user id right now."""
        return self._owned[entity_id] > 0

    # --- receiving ------------------------------------------------------------------

    async def accept(self, update: Update, payload: dict[str, Any]) -> None:
        """Record a webhook update in the inbox (before Telegram is told it arrived)."""
        chat_id, user_id = _ids_of(update)
        inbox = chat_id if chat_id is not None else user_id
        if inbox is None:
            return
        try:
            async with self._sessions() as session:
                await session.execute(
                    pg_insert(InboxUpdate)
                    .values(
                        update_id=update.update_id,
                        chat_id=inbox,
                        payload=payload,
                        received_at=utcnow(),
                    )
                    .on_conflict_do_nothing(index_elements=["update_id"])
                )
                await session.commit()
        except (OSError, DBAPIError) as exc:
            # The database does not answer: processed here without the inbox's order.
            log.warning("update %s not recorded in the inbox: %s", update.update_id, exc)
            return
        self._accepted.add(update.update_id)

    # --- processing -----------------------------------------------------------------

    async def process(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        chat_id, user_id = _ids_of(update)
        ids = {i for i in (chat_id, user_id) if i is not None}
        accepted = update.update_id in self._accepted
        self._accepted.discard(update.update_id)
        if not ids:
            await coroutine
            return
        async with contextlib.AsyncExitStack() as stack:
            try:
                conn = await stack.enter_async_context(self._locked(ids))
            except (OSError, DBAPIError) as exc:
                log.warning("update %s processed without its chat lock: %s", update.update_id, exc)
                await coroutine
                return
            inbox = chat_id if chat_id is not None else user_id
            assert inbox is not None
            if accepted:
                pending = await self._pending(inbox, update.update_id)
                if update.update_id not in pending:
                    _close(coroutine)
                    log.info("update %s was processed by another worker", update.update_id)
                    return
                for older_id, (payload, sent) in pending.items():
                    if older_id != update.update_id:
                        await self._process_older(conn, older_id, payload, sent)
            # In the inbox: what this handling sends is recorded (see `through`).
            replies = pending[update.update_id][1] if accepted else None
            try:
                await self._run(update, coroutine, replies, conn)
            finally:
                if accepted:
                    await self._forget(update.update_id)

    async def _process_older(
        self,
        conn: AsyncConnection,
        update_id: int,
        payload: dict[str, Any],
        replies: list[Reply] | None = None,
        *,
        abandoned: bool = False,
    ) -> None:
        """An earlier update of the chat that another worker accepted: processed first.

        `abandoned`: left by a process that died (found by a sweep): a claim of it in the
        update ledger is that process's, which never finished it, so the claim is dropped
        and the update handled again (a reply it may have sent just before dying comes
        twice, rather than one it had not sent never). What it had sent and recorded
        (`replies`) is not sent again.
        """
        older = Update.de_json(payload, self._app.bot)
        _, user_id = _ids_of(older)
        extra = {user_id} if user_id is not None and not self.owns(user_id) else set()
        try:
            async with self._also_locked(conn, extra):
                if abandoned:
                    await self._unclaim(update_id)
                log.info("update %s processed first (accepted before, not processed)", update_id)
                await self._run(older, self._app.process_update(older), replies or [], conn)
        finally:
            await self._forget(update_id)

    async def _unclaim(self, update_id: int) -> None:
        async with self._sessions() as session:
            await session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id)
            )
            await session.commit()

    async def _run(
        self,
        update: Update,
        coroutine: Awaitable[Any],
        replies: list[Reply] | None = None,
        conn: AsyncConnection | None = None,
    ) -> None:
        """Read the chat's state again, handle the update, write what changed.

        `replies`: the update is in the inbox (None: it is not), with what an earlier
        handling of it recorded as sent (see `through`)."""
        try:
            await self._load(update)
        except BaseException:
            _close(coroutine)
            raise
        handling = None
        if replies is not None and conn is not None:
            handling = _Handling(update.update_id, list(replies), conn)
        token = _handling.set(handling)
        try:
            await coroutine
        finally:
            _handling.reset(token)
        await self._app.update_persistence()

    async def through(self, method: str, call: Callable[[], Awaitable[T]]) -> T:
        """Make the Bot API call `call()` (of `method`) for the inbox update being handled,
        recording its result in the update's row; or, when an earlier handling of the update
        recorded this call (the next one it made was this method), that result without
        calling Telegram. Calls that only read (`get...`) are neither recorded nor skipped."""
        handling = _handling.get()
        if handling is None or method.startswith("get"):
            return await call()
        index = len(handling.sent)
        if index < len(handling.earlier) and handling.earlier[index][0] == method:
            handling.sent.append(handling.earlier[index])
            log.info(
                "update %s: %s was sent before the takeover: not sent again",
                handling.update_id,
                method,
            )
            result: T = handling.earlier[index][1]
            return result
        handling.earlier = []  # the handling differs from the earlier one from here on
        result = await call()
        handling.sent.append([method, result])
        try:  # at once, on the connection at hand: the shorter the gap, the rarer a repeat
            async with handling.writing:
                if handling.conn.dialect.name == "postgresql":
                    # Without waiting for the disk: the record only has to outlive this
                    # process (a kill -9), not the database server, and the wait for the
                    # flush would widen the gap in which a repeat can happen.
                    await handling.conn.execute(SYNC_COMMIT_OFF)
                await handling.conn.execute(
                    update(InboxUpdate)
                    .where(InboxUpdate.update_id == handling.update_id)
                    .values(replies=list(handling.sent))
                )
                await handling.conn.commit()
        except (OSError, DBAPIError) as exc:
            log.warning("update %s: %s sent, not recorded: %s", handling.update_id, method, exc)
        return result

    async def _load(self, update: Update) -> None:
        chat_id, user_id = _ids_of(update)
        slots = self._slots(update)
        user, chat, states = await self._persistence.load_entries(user_id, chat_id, slots)
        if user_id is not None:
            _replace(self._app.user_data[user_id], user)
        if chat_id is not None:
            _replace(self._app.chat_data[chat_id], chat)
        for (name, key), state in states.items():
            self._set_state(name, key, state)

    async def _pending(
        self, inbox: int, up_to: int
    ) -> dict[int, tuple[dict[str, Any], list[Reply]]]:
        """The chat's inbox rows up to `up_to`: payload and what was sent, by update id."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.replies)
                .where(InboxUpdate.chat_id == inbox, InboxUpdate.update_id <= up_to)
                .order_by(InboxUpdate.update_id)
            )
            return {
                update_id: (dict(payload), list(replies or []))
                for update_id, payload, replies in rows.all()
            }

    async def _forget(self, update_id: int) -> None:
        async with self._sessions() as session:
            await session.execute(delete(InboxUpdate).where(InboxUpdate.update_id == update_id))
            await session.commit()

    # --- the locks ------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _locked(self, ids: Iterable[int]) -> AsyncIterator[AsyncConnection]:
        conn = await self._engine.connect()
        wanted = sorted(set(ids), key=lock_key)  # one global order: no waiting in a circle
        try:
            for entity in wanted:
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key(entity)})
            await conn.commit()
        except BaseException:
            await _discard(conn)
            raise
        self._owned.update(wanted)
        try:
            yield conn
        finally:
            self._owned.subtract(wanted)
            self._owned += Counter()  # drop the zeros
            try:
                await conn.execute(text("SELECT pg_advisory_unlock_all()"))
                await conn.commit()
                await conn.close()
            except BaseException:
                await _discard(conn)  # closing the session frees its locks
                raise

    @contextlib.asynccontextmanager
    async def _also_locked(self, conn: AsyncConnection, ids: set[int]) -> AsyncIterator[None]:
        """More locks on the same connection (an earlier update of another group member)."""
        for entity in ids:
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key(entity)})
        await conn.commit()
        self._owned.update(ids)
        try:
            yield
        finally:
            self._owned.subtract(ids)
            self._owned += Counter()
            for entity in ids:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(entity)})
            await conn.commit()

    # --- what a dead worker left -----------------------------------------------------

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self._engine.dispose()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            try:
                await self.sweep()
            except (OSError, DBAPIError) as exc:
                log.warning("inbox sweep failed: %s", exc)

    async def sweep(self, older_than: float = SWEEP_AFTER) -> int:
        """Process inbox rows nobody processed (their worker died); how many.

        A row is in the inbox from its acceptance until its update was handled; one that
        a sweep finds under its chat's lock, `older_than` seconds after it arrived, was
        abandoned (a live worker processing it would hold the lock; one that has it queued
        finds it gone and skips it). At a takeover (polling) every row is the dead leader's:
        `older_than=0`.
        """
        async with self._sessions() as session:
            rows = await session.execute(
                select(InboxUpdate.chat_id, InboxUpdate.update_id).where(
                    InboxUpdate.received_at < utcnow() - timedelta(seconds=older_than)
                )
            )
            stale = rows.all()
        done = 0
        last: dict[int, int] = {}
        for chat_id, update_id in stale:
            last[chat_id] = max(update_id, last.get(chat_id, update_id))
        for chat_id, up_to in last.items():
            async with self._locked({chat_id}) as conn:
                for update_id, (payload, replies) in (await self._pending(chat_id, up_to)).items():
                    await self._process_older(conn, update_id, payload, replies, abandoned=True)
                    done += 1
        if done:
            log.warning("processed %d update(s) that a stopped process had accepted", done)
        return done


class RecordingQueue(asyncio.Queue[object]):
    """The polling updater's queue on PostgreSQL: each update is recorded in the inbox
    before it is queued, so before the updater's next getUpdates confirms it to Telegram.
    A leader killed with updates still queued leaves them there for its standby."""

    def __init__(self, target: asyncio.Queue[object], shared: SharedUpdates) -> None:
        super().__init__()
        self._target = target
        self._shared = shared

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            await self._shared.accept(item, item.to_dict())
        await self._target.put(item)


def _replace(live: dict[Any, Any], stored: dict[Any, Any] | None) -> None:
    live.clear()
    if stored:
        live.update(stored)


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


async def _discard(conn: AsyncConnection) -> None:
    with contextlib.suppress(Exception):
        await conn.invalidate()
    with contextlib.suppress(Exception):
        await conn.close()


# --- Telegram's overall limit, shared -------------------------------------------------------

RESERVE = text(
    "INSERT INTO send_budget (name, tat) "
    "VALUES (:name, extract(epoch FROM clock_timestamp()) + :span) "
    "ON CONFLICT (name) DO UPDATE SET tat = GREATEST(send_budget.tat, "
    "extract(epoch FROM clock_timestamp()) - :tolerance) + :span "
    "RETURNING tat, extract(epoch FROM clock_timestamp())"
)
STALE_SLOT: Final = 0.25  # seconds: a reserved slot not used by then is dropped
MAX_BATCH: Final = 5


class SharedBudget:
    """Send slots of one overall pace (`per_second`) shared by every process on a database.

    The row `send_budget[name]` holds the theoretical arrival time (GCRA) of the next
    free slot, in the database's clock; reserving n slots moves it on by n/per_second
    in one statement. After a quiet moment up to `burst` slots are free at once (as in
    `bot.ratelimit.OverallBucket`), so an ordinary second that reaches the rate does
    not hold replies back. A process reserves a few at a time (about a tenth of a second
    of its recent demand, at most 5) and converts their times to its own monotonic
    clock with the difference read in the same statement, so the machines' clocks
    need not agree. Idle, the first slot is now: no delay.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        per_second: float = 30.0,
        name: str = "telegram",
        burst: int = 10,
    ):
        self._engine = engine
        self._interval = 1.0 / per_second
        self._tolerance = (burst - 1) * self._interval
        self._name = name
        self._slots: deque[float] = deque()
        self._recent: deque[float] = deque()

    def _batch(self, now: float) -> int:
        while self._recent and self._recent[0] < now - 1.0:
            self._recent.popleft()
        return max(1, min(MAX_BATCH, round(len(self._recent) * 0.1)))

    async def take(self) -> None:
        """Wait for this process's next slot (callers take turns: the limiter's gate)."""
        now = time.monotonic()
        self._recent.append(now)
        while self._slots and self._slots[0] < now - STALE_SLOT:
            self._slots.popleft()
        if not self._slots:
            await self._reserve(self._batch(now))
        slot = self._slots.popleft()
        wait = slot - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _reserve(self, count: int) -> None:
        span = count * self._interval
        async with self._engine.begin() as conn:
            tat, db_now = (
                await conn.execute(
                    RESERVE, {"name": self._name, "span": span, "tolerance": self._tolerance}
                )
            ).one()
        local = time.monotonic()
        first = float(tat) - span
        for index in range(count):
            # A slot of the burst is in the past: it may be used now.
            self._slots.append(local + max(0.0, first + index * self._interval - float(db_now)))
