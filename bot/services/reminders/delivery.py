"""Sending due reminders: claim, send, record, within Telegram's limits.

`ReminderDispatcher.run()` is what the scheduled job calls. It sends every
reminder that is due now, reading them from `reminder_deliveries`:

1. Claim: one statement turns a due `pending` row into `sending`, owned by this
   worker (PostgreSQL: the row is picked with `FOR UPDATE SKIP LOCKED`, so two
   processes never take the same row; SQLite serialises writers, and the
   `status = 'pending'` guard makes the second claimant match nothing).
2. Send through a `Sender` (`bot.dialogs.reminders.notices.ReminderNotices`: the
   reminder's screen, delivered by the channel's `Notifier`); many
   sends are in flight at once, paced by `Pacer` a little under 30 messages/s.
3. Record: `sent` (with the message id), or back to `pending` with a later
   `next_attempt_at` (network error, 5xx: exponential backoff; 429: the delay
   Telegram asked for, and the whole broadcast pauses), or `failed`; a person
   who blocked the bot is unsubscribed.

A row is claimed only when its sending slot has come, so at any moment the only
rows in `sending` are requests actually in flight. A graceful stop lets them
finish. After a crash, rows left in `sending` longer than `lease` are marked
`unknown` and never sent again: the request may have reached Telegram, and a
reminder must not be repeated.

No `telegram` import here: the Notifier maps the channel's errors to the
outcomes below (`bot.ui.notifier`).
"""

from __future__ import annotations

import asyncio
import logging
import time as _time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.models import Deadline, ReminderDelivery, Subscription, User
from bot.services.delivery_rows import (
    ClaimedRows,
    backoff,
    count_error,
    default_worker_id,
    rowcount,
)
from bot.services.reminders.deadline_view import DeadlineView
from bot.services.reminders.subscriptions import (
    EXPIRED,
    FAILED,
    MOVED,
    PENDING,
    SENDING,
    SUPERSEDED,
    UNKNOWN,
    pending_filter,
)
from bot.ui.notifier import (
    Delivered,
    PermanentFailure,
    RecipientGone,
    RetryLater,
    TemporaryFailure,
)

log = logging.getLogger(__name__)

Now = Callable[[], datetime]


@dataclass(frozen=True)
class DueReminder:
    """Everything a sender needs to word and send one reminder."""

    delivery_id: int
    user_id: int  # also the private chat id
    locale: str | None  # the person's chosen language, else Telegram's, else None
    offset_code: str  # 7d, 1d, morning, 2h, ... or "moved"
    deadline: DeadlineView
    now: datetime

    @property
    def is_move_notice(self) -> bool:
        return self.offset_code == MOVED


class Sender(Protocol):
    def __call__(self, reminder: DueReminder) -> Awaitable[Delivered]:
        """Send the reminder once; return what the channel accepted, or raise a DeliveryError."""
        ...


# --- pacing -------------------------------------------------------------------


class Pacer:
    """Evenly spaced sending slots: `rate` per second, never more than `rate` in any second.

    The spacing spreads requests instead of bursting; the window cap is a second
    guard, so jitter between here and the server cannot add up to a burst over
    Telegram's limit. `pause(seconds)` holds every slot (after a 429).
    """

    def __init__(
        self,
        rate: float,
        *,
        window: float = 1.0,
        monotonic: Callable[[], float] = _time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate
        self.window = window
        self.cap = max(1, int(rate * window))
        self._monotonic = monotonic
        self._sleep = sleep
        self._granted: deque[float] = deque()
        self._next: float | None = None  # earliest time of the next slot
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def acquire(self) -> None:
        """Wait for the next slot (seconds of real time, not the fake clock)."""
        async with self._lock:
            while True:
                now = self._monotonic()
                while self._granted and self._granted[0] <= now - self.window:
                    self._granted.popleft()
                wait = self._paused_until - now
                if self._next is not None:
                    wait = max(wait, self._next - now)
                if len(self._granted) >= self.cap:
                    wait = max(wait, self._granted[0] + self.window - now)
                if wait <= 0:
                    break
                await self._sleep(wait)
            self._granted.append(now)
            # Keep to the grid, so small wake-up delays do not add up to a slower rate;
            # but a loop that was busy for long earns no burst: at most half a slot early.
            grid = now if self._next is None else max(self._next, now - self.interval / 2)
            self._next = grid + self.interval


# --- the dispatcher -------------------------------------------------------------


@dataclass
class DispatchReport:
    """What one run did; `elapsed` in seconds of real time."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    superseded: int = 0
    expired: int = 0
    unknown: int = 0
    elapsed: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Messages sent per second of the run."""
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(frozen=True)
class Claim:
    """A delivery row this worker has taken (status `sending`)."""

    id: int
    user_id: int
    deadline_id: int
    revision: int
    offset_code: str
    attempts: int  # including this one


class ReminderDispatcher:
    """Sends the reminders that are due; one `run()` at a time per dispatcher.

    `now` gives the current time (aware UTC; a fake clock in tests); pacing and
    backoff within one run use real time. Times: `lease` is how long a claim
    may stay in `sending` before a crash is assumed; `base_backoff` doubles per
    attempt up to `max_backoff`; after `max_attempts` a reminder is `failed`.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        *,
        now: Now,
        rate: float = 29.0,
        concurrency: int = 64,
        worker_id: str | None = None,
        lease: timedelta = timedelta(minutes=10),
        base_backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(minutes=30),
        max_attempts: int = 6,
        pacer: Pacer | None = None,
    ) -> None:
        if concurrency < 1 or max_attempts < 1:
            raise ValueError("concurrency and max_attempts must be at least 1")
        self.sessions = sessions
        self.sender = sender
        self.now = now
        self.pacer = pacer or Pacer(rate)
        self.concurrency = concurrency
        self.worker_id = worker_id or default_worker_id()
        self.rows = ClaimedRows(ReminderDelivery, worker_id=self.worker_id, now=now)
        self.lease = lease
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.max_attempts = max_attempts
        self._running = asyncio.Lock()
        self._stop = asyncio.Event()
        self._deadlines: dict[tuple[int, int], DeadlineView] = {}
        # When the plan was last checked against everything it depends on (the job's
        # business: changes made elsewhere, such as a teacher's school, reach it then).
        self.replanned_at: datetime | None = None

    @property
    def busy(self) -> bool:
        return self._running.locked()

    def stop(self) -> None:
        """Claim nothing more; the run returns once the sends in flight have finished."""
        self._stop.set()

    async def run(self, should_continue: Callable[[], bool] = lambda: True) -> DispatchReport:
        """Send everything due now; return at once if a run is already going."""
        if self._running.locked():
            return DispatchReport()
        async with self._running:
            self._stop.clear()
            self._deadlines.clear()
            return await self._run(should_continue)

    async def _run(self, should_continue: Callable[[], bool]) -> DispatchReport:
        report = DispatchReport()
        started = _time.monotonic()
        await self._housekeeping(report)
        slots = asyncio.Semaphore(self.concurrency)
        in_flight: set[asyncio.Task[None]] = set()

        def go_on() -> bool:
            return not self._stop.is_set() and should_continue()

        try:
            while go_on():
                await slots.acquire()
                await self.pacer.acquire()
                claimed = await self._claim(1) if go_on() else []
                if not claimed:
                    slots.release()
                    break
                task = asyncio.create_task(self._deliver(claimed[0], report))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                task.add_done_callback(lambda _t: slots.release())
        finally:
            # Never cancel a send in flight: it may already have reached Telegram.
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
            report.elapsed = _time.monotonic() - started
        if report.sent or report.failed or report.retried:
            log.info(
                "reminders: %d sent, %d to retry, %d failed, %d blocked in %.1fs (%.1f/s)",
                report.sent,
                report.retried,
                report.failed,
                report.blocked,
                report.elapsed,
                report.rate,
            )
        return report

    # --- housekeeping ---------------------------------------------------------

    async def _housekeeping(self, report: DispatchReport) -> None:
        now = self.now()
        rd = ReminderDelivery
        async with self.sessions() as session:
            # Claims older than the lease belong to a crashed sender: maybe sent, never resent.
            result = await session.execute(
                update(rd)
                .where(self.rows.lapsed(self.lease))
                .values(status=UNKNOWN, last_error="sender stopped mid-send")
                .execution_options(synchronize_session=False)
            )
            report.unknown += rowcount(result)
            if report.unknown:
                log.warning(
                    "reminders: %d claims of a stopped sender marked unknown", report.unknown
                )
            result = await session.execute(
                update(rd)
                .where(
                    rd.status == PENDING,
                    rd.deadline_id.in_(select(Deadline.id).where(Deadline.due_at <= now)),
                )
                .values(status=EXPIRED)
                .execution_options(synchronize_session=False)
            )
            report.expired += rowcount(result)
            # Several reminders of one deadline due at once (the bot was down): send the latest.
            later = aliased(rd)
            result = await session.execute(
                update(rd)
                .where(
                    pending_filter(now),
                    rd.offset_code != MOVED,
                    exists(
                        select(later.id).where(
                            and_(
                                later.user_id == rd.user_id,
                                later.deadline_id == rd.deadline_id,
                                later.revision == rd.revision,
                                later.offset_code != MOVED,
                                later.status == PENDING,
                                later.due_at > rd.due_at,
                                later.due_at <= now,
                            )
                        )
                    ),
                )
                .values(status=SUPERSEDED)
                .execution_options(synchronize_session=False)
            )
            report.superseded += rowcount(result)
            await session.commit()

    # --- claim ----------------------------------------------------------------

    async def _claim(self, limit: int) -> list[Claim]:
        """Take up to `limit` due rows."""
        now = self.now()
        rd = ReminderDelivery
        # A CTE, not `id IN (subquery)`: PostgreSQL may re-run such a subquery per row,
        # and with LIMIT and SKIP LOCKED that takes more rows than asked.
        picked = (
            select(rd.id)
            .where(pending_filter(now))
            .order_by(rd.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("picked")
        )
        stmt = (
            update(rd)
            .where(rd.id == picked.c.id, rd.status == PENDING)
            .values(
                status=SENDING,
                claimed_by=self.worker_id,
                claimed_at=now,
                attempts=rd.attempts + 1,
            )
            .returning(rd.id, rd.user_id, rd.deadline_id, rd.revision, rd.offset_code, rd.attempts)
            .execution_options(synchronize_session=False)
        )
        async with self.sessions() as session:
            rows = [Claim(*row) for row in await session.execute(stmt)]
            await session.commit()
        return rows

    # --- one reminder ------------------------------------------------------------

    async def _deliver(self, claim: Claim, report: DispatchReport) -> None:
        delivery_id, user_id, deadline_id = claim.id, claim.user_id, claim.deadline_id
        revision, offset_code, attempts = claim.revision, claim.offset_code, claim.attempts
        try:
            reminder, obsolete = await self._load(
                delivery_id, user_id, deadline_id, revision, offset_code
            )
            if reminder is None:
                await self._finish(delivery_id, obsolete, error="no longer applies")
                if obsolete == EXPIRED:
                    report.expired += 1
                else:
                    report.superseded += 1
                return
            delivered = await self.sender(reminder)
        except RecipientGone as exc:
            report.blocked += 1
            report.failed += 1
            await self._recipient_gone(delivery_id, user_id, str(exc))
        except RetryLater as exc:
            self.pacer.pause(exc.retry_after)
            report.retried += 1
            count_error(report.errors, "429")
            # Flood control is not the reminder's fault: it does not use up an attempt.
            await self._retry(
                delivery_id, timedelta(seconds=exc.retry_after), str(exc), refund=True
            )
        except TemporaryFailure as exc:
            count_error(report.errors, type(exc).__name__)
            if await self._backoff(delivery_id, attempts, str(exc), deadline_id):
                report.retried += 1
            else:
                report.failed += 1
        except PermanentFailure as exc:
            count_error(report.errors, type(exc).__name__)
            report.failed += 1
            await self._finish(delivery_id, FAILED, error=str(exc))
        except Exception as exc:  # a bug in wording or sending: retry a few times, then give up
            log.exception("reminder %s: unexpected error", delivery_id)
            count_error(report.errors, type(exc).__name__)
            if await self._backoff(delivery_id, attempts, repr(exc), deadline_id):
                report.retried += 1
            else:
                report.failed += 1
        else:
            report.sent += 1
            await self._sent(delivery_id, _message_id(delivered))

    async def _load(
        self, delivery_id: int, user_id: int, deadline_id: int, revision: int, offset_code: str
    ) -> tuple[DueReminder | None, str]:
        now = self.now()
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(User.locale, User.telegram_language, Subscription.active)
                    .select_from(User)
                    .outerjoin(Subscription, Subscription.user_id == User.id)
                    .where(User.id == user_id)
                )
            ).first()
            deadline = self._deadlines.get((deadline_id, revision))
            if deadline is None:
                stored = await session.get(Deadline, deadline_id)
                if stored is not None:
                    deadline = DeadlineView.of(stored)
                    self._deadlines[(deadline.id, deadline.revision)] = deadline
        if deadline is None or deadline.due_at <= now:
            return None, EXPIRED
        if row is None or not row.active or deadline.revision != revision:
            return None, SUPERSEDED
        locale = row.locale or row.telegram_language
        return DueReminder(delivery_id, user_id, locale, offset_code, deadline, now), ""

    async def _sent(self, delivery_id: int, message_id: int | None) -> None:
        async with self.sessions() as session:
            await self.rows.sent(session, delivery_id, message_id)
            await session.commit()

    async def _finish(self, delivery_id: int, status: str, *, error: str) -> None:
        async with self.sessions() as session:
            await self.rows.finish(session, delivery_id, status, error)
            await session.commit()

    async def _retry(
        self, delivery_id: int, delay: timedelta, error: str, *, refund: bool = False
    ) -> None:
        async with self.sessions() as session:
            await self.rows.retry(session, delivery_id, delay, error, refund=refund)
            await session.commit()

    async def _backoff(
        self, delivery_id: int, attempts: int, error: str, deadline_id: int
    ) -> bool:
        """Schedule another attempt; False (and `failed`) when attempts or time ran out."""
        delay = backoff(attempts, self.base_backoff, self.max_backoff)
        async with self.sessions() as session:
            due = await session.scalar(select(Deadline.due_at).where(Deadline.id == deadline_id))
        if attempts >= self.max_attempts or due is None or self.now() + delay >= due:
            log.warning(
                "reminder %s: giving up after %d attempts: %s", delivery_id, attempts, error
            )
            await self._finish(delivery_id, FAILED, error=error)
            return False
        await self._retry(delivery_id, delay, error)
        return True

    async def _recipient_gone(self, delivery_id: int, user_id: int, error: str) -> None:
        now = self.now()
        await self._finish(delivery_id, FAILED, error=f"blocked: {error}")
        async with self.sessions() as session:
            await session.execute(
                update(Subscription)
                .where(Subscription.user_id == user_id, Subscription.active)
                .values(active=False, stopped_at=now, stop_reason="blocked", updated_at=now)
                .execution_options(synchronize_session=False)
            )
            await session.execute(
                update(User)
                .where(User.id == user_id)
                .values(blocked_bot=True)
                .execution_options(synchronize_session=False)
            )
            await session.execute(
                update(ReminderDelivery)
                .where(ReminderDelivery.user_id == user_id, ReminderDelivery.status == PENDING)
                .values(status=FAILED, last_error="recipient blocked the bot")
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        log.info("reminders: user %s blocked the bot; unsubscribed", user_id)


def _message_id(delivered: Delivered) -> int | None:
    """The channel's message id, kept when it is a number (Telegram's are)."""
    message = delivered.message
    return int(message) if message is not None and message.isdigit() else None
