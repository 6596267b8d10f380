"""`GET /metrics` in Prometheus' text format: what an operator watches.

- `keplibot_updates_total{kind}` and `keplibot_update_seconds{kind}` (histogram): updates
  handled, and how long each took through every handler group (measured around each
  update by `bot.app.PerChatUpdateProcessor`);
- `keplibot_telegram_requests_total{method}` and `keplibot_telegram_errors_total{method,
  code}`: Bot API calls and the ones that failed (code 400, 403, 429, ... or `network`,
  `timeout`), counted by `MeteredRateLimiter`, which wraps the bot's rate limiter;
- `keplibot_queue_depth{queue}` and `keplibot_queue_oldest_seconds{queue}`: items due and
  not yet done, and how late the oldest is. Queues are pluggable: `register_queue(name,
  probe)`; the reminders' delivery queue and the helpdesk outbox are built in;
- `keplibot_tickets{status}`: helpdesk tickets by status;
- `keplibot_database_up`: 1 when the last scrape could read the database.

Gauges are read from the database at each scrape. The metrics live in their own
registry (`REGISTRY`), so that tests and several applications in one process do not
collide with other libraries' metrics.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import datetime
from typing import Any, Final

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram._utils.types import JSONDict
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import BaseRateLimiter

from bot.models import ReminderDelivery, Ticket
from bot.runtime import Runtime
from bot.services.storage import is_storage_failure

log = logging.getLogger(__name__)

REGISTRY: Final = CollectorRegistry()

UPDATES: Final = Counter(
    "keplibot_updates", "Updates handled, by kind.", ["kind"], registry=REGISTRY
)
UPDATE_SECONDS: Final = Histogram(
    "keplibot_update_seconds",
    "Seconds to handle one update, all handler groups, by kind.",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
TELEGRAM_REQUESTS: Final = Counter(
    "keplibot_telegram_requests", "Bot API calls, by method.", ["method"], registry=REGISTRY
)
TELEGRAM_ERRORS: Final = Counter(
    "keplibot_telegram_errors",
    "Bot API calls that failed, by method and code (HTTP-like code, network or timeout).",
    ["method", "code"],
    registry=REGISTRY,
)
QUEUE_DEPTH: Final = Gauge(
    "keplibot_queue_depth", "Items due and not yet done, by queue.", ["queue"], registry=REGISTRY
)
QUEUE_OLDEST: Final = Gauge(
    "keplibot_queue_oldest_seconds",
    "Seconds since the oldest due item of the queue was due (0 when none).",
    ["queue"],
    registry=REGISTRY,
)
TICKETS: Final = Gauge(
    "keplibot_tickets", "Helpdesk tickets, by status.", ["status"], registry=REGISTRY
)
DATABASE_UP: Final = Gauge(
    "keplibot_database_up",
    "1 when the last scrape could read the database, else 0.",
    registry=REGISTRY,
)

# --- updates --------------------------------------------------------------------------

_KINDS: Final = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "inline_query",
)


def update_kind(update: object) -> str:
    """`command`, `message`, `callback_query`, ... of an update; `other` for the rest."""
    if not isinstance(update, Update):
        return "other"
    if update.message is not None and (update.message.text or "").startswith("/"):
        return "command"
    for kind in _KINDS:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


@contextlib.contextmanager
def observe_update(update: object) -> Iterator[None]:
    """Count an update and time its handling (also when a handler raises)."""
    kind = update_kind(update)
    started = time.perf_counter()
    try:
        yield
    finally:
        UPDATES.labels(kind).inc()
        UPDATE_SECONDS.labels(kind).observe(time.perf_counter() - started)


# --- Telegram calls --------------------------------------------------------------------


def error_code(exc: BaseException) -> str:
    """A short label for a failed Bot API call: the HTTP status Telegram answers with, or
    `timeout` / `network` when no answer came."""
    match exc:
        case RetryAfter():
            return "429"
        case InvalidToken():
            return "401"
        case Forbidden():
            return "403"
        case EndPointNotFound():
            return "404"
        case Conflict():
            return "409"
        case BadRequest() | ChatMigrated():
            return "400"
        case TimedOut():
            return "timeout"
        case NetworkError():
            return "network"
        case TelegramError():
            return "error"
    return type(exc).__name__


ApiResult = bool | JSONDict | list[JSONDict]
# (Bot API method, the call) -> its result: something that makes each call (see below).
Around = Callable[[str, Callable[[], Awaitable[ApiResult]]], Awaitable[ApiResult]]


class MeteredRateLimiter(BaseRateLimiter[Any]):
    """Counts every Bot API call (and every failure) on its way through `inner`.

    `around(method, call)`, when set, makes each call (`bot.workers.SharedUpdates.through`:
    recorded, or answered from the record of an earlier handling of the same update)."""

    def __init__(self, inner: BaseRateLimiter[Any]) -> None:
        self.inner = inner
        self.around: Around | None = None

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> bool | JSONDict | list[JSONDict]:
        TELEGRAM_REQUESTS.labels(endpoint).inc()

        def call() -> Awaitable[bool | JSONDict | list[JSONDict]]:
            return self.inner.process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        try:
            if self.around is not None:
                return await self.around(endpoint, call)
            return await call()
        except Exception as exc:
            TELEGRAM_ERRORS.labels(endpoint, error_code(exc)).inc()
            raise


# --- queues and tickets (read at each scrape) -------------------------------------------

QueueProbe = Callable[[AsyncSession, datetime], Awaitable[tuple[int, float]]]
QUEUE_PROBES: dict[str, QueueProbe] = {}


def register_queue(name: str, probe: QueueProbe) -> None:
    """Report a queue: `probe(session, now)` returns (items due, seconds the oldest is late)."""
    QUEUE_PROBES[name] = probe


async def reminder_queue(session: AsyncSession, now: datetime) -> tuple[int, float]:
    """Reminders due and not sent yet (pending, or claimed by a sender)."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(ReminderDelivery.due_at)).where(
                ReminderDelivery.status.in_(("pending", "sending")),
                ReminderDelivery.due_at <= now,
            )
        )
    ).one()
    if not count or oldest is None:
        return 0, 0.0
    # min() keeps the column's type: an aware UTC datetime on every backend.
    return int(count), max(0.0, (now - oldest).total_seconds())


register_queue("reminders", reminder_queue)


async def outbox_queue(session: AsyncSession, now: datetime) -> tuple[int, float]:
    """Helpdesk messages waiting to be sent (pending, or being sent)."""
    from bot.services.helpdesk.outbox import queue_health

    health = await queue_health(session, now=now)
    return health.waiting, health.oldest_waiting_age or 0.0


register_queue("outbox", outbox_queue)


async def refresh(runtime: Runtime) -> None:
    """Read the gauges from the database; on failure `keplibot_database_up` is 0."""
    now = runtime.clock()
    try:
        async with runtime.sessions() as session:
            for name, probe in QUEUE_PROBES.items():
                depth, oldest = await probe(session, now)
                QUEUE_DEPTH.labels(name).set(depth)
                QUEUE_OLDEST.labels(name).set(oldest)
            by_status = select(Ticket.status, func.count()).group_by(Ticket.status)
            counts: dict[str, int] = {
                status: int(n) for status, n in (await session.execute(by_status)).all()
            }
    except Exception as exc:
        if not is_storage_failure(exc):
            raise
        log.warning("metrics: the database does not answer: %s", exc)
        DATABASE_UP.set(0)
        return
    DATABASE_UP.set(1)
    for status in {*counts, *_seen_statuses()}:
        TICKETS.labels(status).set(counts.get(status, 0))


def _seen_statuses() -> set[str]:
    """Statuses already exported: one whose last ticket moved on goes to 0, not stale."""
    return {
        sample.labels["status"]
        for metric in TICKETS.collect()
        for sample in metric.samples
        if "status" in sample.labels
    }


def add_routes(web_app: web.Application, runtime: Runtime) -> None:
    async def metrics(request: web.Request) -> web.Response:
        await refresh(runtime)
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app.router.add_get("/metrics", metrics)
