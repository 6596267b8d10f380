"""What the FAQ records for the staff: unanswered questions, answers shown, 👍/👎 votes.

Unanswered questions (`record_miss`) and answers shown (`record_view`, or in
batches through `ViewLog`) are kept without the asker. A vote (`record_vote`)
keeps the voter's id so that one person counts once per answer message;
pressing again changes the vote.
`list_misses` and `entry_stats` are what `keplibot faq misses` and
`keplibot faq stats` print.

Every write commits before returning, so a handler can reply afterwards.
`now` parameters exist for tests (a fake clock); callers normally pass the
runtime's clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import case, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import FaqFeedback, FaqMiss, FaqView, utcnow
from bot.services.faq import Hit
from bot.services.redact import mask_identifiers

log = logging.getLogger(__name__)

MAX_MISS_CHARS: Final = 1000  # a question, not an essay: longer text is cut
MAX_MISS_HITS: Final = 3


class MissKind(StrEnum):
    NO_MATCH = "no_match"  # the search found nothing that fits
    REJECTED = "rejected"  # the asker said none of the suggestions fits


class Source(StrEnum):
    """How a reader got to an answer."""

    MENU = "menu"  # topics → questions → answer
    SEARCH = "search"  # typed a question, answered outright
    SUGGESTION = "suggestion"  # typed a question, chose one of the "Did you mean"
    RELATED = "related"  # a related question under another answer


class VoteOutcome(StrEnum):
    RECORDED = "recorded"  # a first vote on this answer message
    CHANGED = "changed"  # 👍 became 👎 or the other way round
    UNCHANGED = "unchanged"  # the same vote again


@dataclass(frozen=True)
class Miss:
    text: str
    locale: str
    kind: MissKind
    hits: tuple[Hit, ...]
    created_at: datetime  # aware UTC


@dataclass(frozen=True)
class EntryStats:
    """Counts for one FAQ entry over a period (all languages together)."""

    entry_id: str
    views: int = 0
    helpful: int = 0  # 👍 votes
    unhelpful: int = 0  # 👎 votes

    @property
    def votes(self) -> int:
        return self.helpful + self.unhelpful


async def record_miss(
    session: AsyncSession,
    *,
    text: str,
    locale: str,
    hits: Sequence[Hit] = (),
    kind: MissKind = MissKind.NO_MATCH,
    user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Keep a question the FAQ could not answer, with the best (weak) hits it had.

    Numbers that look like a phone, ΑΦΜ or ΑΜΚΑ are masked before it is stored;
    `user_id` (the asker) is kept only for /mydata and /delete.
    """
    session.add(
        FaqMiss(
            text=mask_identifiers(text.strip()[:MAX_MISS_CHARS]),
            user_id=user_id,
            locale=locale,
            kind=kind.value,
            hits=[{"id": hit.id, "score": hit.score} for hit in hits[:MAX_MISS_HITS]],
            created_at=now or utcnow(),
        )
    )
    await session.commit()


async def record_view(
    session: AsyncSession,
    *,
    entry_id: str,
    locale: str,
    source: Source,
    now: datetime | None = None,
) -> None:
    """Count one answer shown."""
    session.add(
        FaqView(entry_id=entry_id, locale=locale, source=source.value, created_at=now or utcnow())
    )
    await session.commit()


FLUSH_EVERY: Final = 10.0  # seconds between writes of the answers shown
FLUSH_AT: Final = 500  # answers waiting that trigger a write at once
KEEP_AT_MOST: Final = 20_000  # answers kept while the database takes no writes


class ViewLog:
    """Answers shown, counted in memory and written in batches (one INSERT, one commit).

    `add` costs no database work: the views are written every `every` seconds (once
    `start`ed), as soon as `batch` are waiting, and at a clean stop (`stop`), so a
    question answered costs no commit of its own. A crash (`kill -9`, power loss) loses
    the views of the last `every` seconds at most; they only feed the staff's counts
    (`keplibot faq stats`). A write that fails keeps its views for the next one, at most
    `KEEP_AT_MOST` of them (the oldest are dropped first, and said in the log).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        every: float = FLUSH_EVERY,
        batch: int = FLUSH_AT,
    ) -> None:
        self._sessions = sessions
        self._every = every
        self._batch = batch
        self._waiting: deque[dict[str, object]] = deque()
        self._writing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._soon: set[asyncio.Task[int]] = set()

    def add(self, *, entry_id: str, locale: str, source: Source, now: datetime) -> None:
        """Count one answer shown (written with the next batch)."""
        self._waiting.append(
            {"entry_id": entry_id, "locale": locale, "source": source.value, "created_at": now}
        )
        if len(self._waiting) >= self._batch and not self._soon:
            task = asyncio.get_running_loop().create_task(self.flush())
            self._soon.add(task)
            task.add_done_callback(self._soon.discard)

    def __len__(self) -> int:
        return len(self._waiting)

    async def flush(self) -> int:
        """Write every view waiting now, in one transaction; how many were written."""
        async with self._writing:
            rows = list(self._waiting)
            if not rows:
                return 0
            self._waiting.clear()
            try:
                async with self._sessions() as session:
                    await session.execute(insert(FaqView), rows)
                    await session.commit()
            except Exception:
                log.warning("%d FAQ views not written; kept for the next try", len(rows))
                self._waiting.extendleft(reversed(rows))
                dropped = len(self._waiting) - KEEP_AT_MOST
                for _ in range(max(0, dropped)):
                    self._waiting.popleft()
                if dropped > 0:
                    log.warning("%d FAQ views dropped: the database takes no writes", dropped)
                raise
            return len(rows)

    def start(self) -> None:
        """Write the waiting views every `every` seconds until `stop`."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._every_while())

    async def _every_while(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            with contextlib.suppress(Exception):  # logged by flush; tried again next time
                await self.flush()

    async def stop(self) -> None:
        """Stop writing on a timer and write what is waiting (a clean stop loses nothing)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for task in list(self._soon):
            with contextlib.suppress(Exception):
                await task
        await self.flush()


async def record_vote(
    session: AsyncSession,
    *,
    entry_id: str,
    locale: str,
    helpful: bool,
    user_id: int,
    message_id: int,
    now: datetime | None = None,
) -> VoteOutcome:
    """Store `user_id`'s 👍 (`helpful`) or 👎 on the answer `message_id` of `entry_id`.

    `user_id` must be a known user (`users.id`). One vote per user, message and
    entry: a second press of the same button changes nothing, of the other one
    changes the vote.
    """
    now = now or utcnow()
    for attempt in range(2):
        vote = await session.scalar(
            select(FaqFeedback).where(
                FaqFeedback.user_id == user_id,
                FaqFeedback.message_id == message_id,
                FaqFeedback.entry_id == entry_id,
            )
        )
        if vote is not None:
            if vote.helpful == helpful:
                return VoteOutcome.UNCHANGED
            vote.helpful = helpful
            vote.locale = locale
            vote.updated_at = now
            await session.commit()
            return VoteOutcome.CHANGED
        session.add(
            FaqFeedback(
                entry_id=entry_id,
                locale=locale,
                helpful=helpful,
                user_id=user_id,
                message_id=message_id,
                created_at=now,
                updated_at=now,
            )
        )
        try:
            await session.commit()
        except IntegrityError:
            # The same vote arrived twice at once (two bot processes): look again and
            # count it once. A second failure is something else (an unknown user).
            await session.rollback()
            if attempt:
                raise
            continue
        return VoteOutcome.RECORDED
    raise AssertionError("unreachable")  # pragma: no cover


async def list_misses(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    locale: str | None = None,
    limit: int = 50,
) -> list[Miss]:
    """Unanswered questions, newest first; `since` (aware) and `locale` narrow them down."""
    query = select(FaqMiss).order_by(FaqMiss.created_at.desc(), FaqMiss.id.desc()).limit(limit)
    if since is not None:
        query = query.where(FaqMiss.created_at >= since)
    if locale is not None:
        query = query.where(FaqMiss.locale == locale)
    rows = (await session.scalars(query)).all()
    return [
        Miss(
            text=row.text,
            locale=row.locale,
            kind=MissKind(row.kind),
            hits=tuple(Hit(str(h["id"]), float(h["score"])) for h in row.hits or ()),
            created_at=row.created_at,
        )
        for row in rows
    ]


async def entry_stats(
    session: AsyncSession, *, since: datetime | None = None
) -> dict[str, EntryStats]:
    """Views and votes per entry id, over everything or from `since` (aware) on.

    Entries nobody viewed or rated are absent; votes count from when they were cast.
    """
    views = select(FaqView.entry_id, func.count()).group_by(FaqView.entry_id)
    votes = select(
        FaqFeedback.entry_id,
        func.sum(case((FaqFeedback.helpful.is_(True), 1), else_=0)),
        func.sum(case((FaqFeedback.helpful.is_(False), 1), else_=0)),
    ).group_by(FaqFeedback.entry_id)
    if since is not None:
        views = views.where(FaqView.created_at >= since)
        votes = votes.where(FaqFeedback.created_at >= since)
    counts: dict[str, EntryStats] = {}
    for entry_id, viewed in (await session.execute(views)).all():
        counts[entry_id] = EntryStats(entry_id, views=int(viewed))
    for entry_id, helpful, unhelpful in (await session.execute(votes)).all():
        seen = counts.get(entry_id, EntryStats(entry_id))
        counts[entry_id] = EntryStats(
            entry_id, views=seen.views, helpful=int(helpful or 0), unhelpful=int(unhelpful or 0)
        )
    return counts
