"""Who follows which deadlines, and the plan of reminders kept in the database.

The plan lives in `reminder_deliveries`: one row per reminder still to send
(`pending`) or already handled. Every change that affects it (a subscription, a
deadline added, edited, moved or deleted) re-plans in the same transaction, so
the database is always the truth and a restart finds exactly what is due.
Re-planning never touches a row that a sender has claimed or sent: that is
what makes a reminder go out at most once per (person, deadline, date, offset).

Times are aware UTC datetimes; `now` is passed in (tests use a fake clock).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import bindparam

from bot.config import Settings
from bot.models import (
    CentreDirectorate,
    Deadline,
    ReminderDelivery,
    Subscription,
    SupportCentre,
    User,
)
from bot.services.delivery_rows import FAILED as FAILED
from bot.services.delivery_rows import PENDING as PENDING
from bot.services.delivery_rows import SENDING as SENDING
from bot.services.delivery_rows import SENT as SENT
from bot.services.delivery_rows import UNKNOWN as UNKNOWN
from bot.services.reminders.areas import Area, AreaChoice, areas_of, concerns
from bot.services.reminders.deadline_view import AnyDeadline, DeadlineView
from bot.services.reminders.schedule import (
    OFFSET_CHOICES,
    Offset,
    QuietHours,
    ScheduleRules,
    apply_quiet_hours,
    offsets_to_text,
    parse_offsets,
    plan,
)

log = logging.getLogger(__name__)

DELIVERIES: Final = cast(Table, ReminderDelivery.__table__)

KINDS: Final = ("interest", "meeting", "proposal", "other")
MOVED: Final = "moved"  # offset code of the one-off "the date has changed" notice

# Statuses of a delivery row: those of every delivery queue (bot.services.delivery_rows;
# UNKNOWN: a sender crashed mid-send, maybe sent, never repeated), and these.
SUPERSEDED: Final = "superseded"  # a later reminder of the same deadline was due as well
EXPIRED: Final = "expired"  # the deadline passed (or vanished) before it could be sent


@dataclass(frozen=True)
class ReminderRules:
    """Schedule rules plus the default offsets of a new subscription."""

    schedule: ScheduleRules
    default_offsets: tuple[Offset, ...]

    @property
    def tz(self) -> ZoneInfo:
        return self.schedule.tz

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderRules:
        return cls.build(
            tz=settings.tz,
            quiet=settings.quiet_hours,
            morning=settings.reminder_morning,
            offsets=settings.reminder_offsets,
        )

    @classmethod
    def build(
        cls,
        *,
        tz: ZoneInfo | str = "Europe/Athens",
        quiet: str = "21:00-08:00",
        morning: time = time(8, 0),
        offsets: str = "7d,1d,morning",
    ) -> ReminderRules:
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        return cls(ScheduleRules(zone, QuietHours.parse(quiet), morning), parse_offsets(offsets))


# --- subscriptions ------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionView:
    user_id: int
    active: bool
    kinds: frozenset[str]  # empty: every kind
    offsets: tuple[Offset, ...]
    area: Area

    @property
    def all_kinds(self) -> bool:
        return not self.kinds


def _kinds_of(sub: Subscription) -> frozenset[str]:
    return frozenset(k for k in sub.kinds.split(",") if k in KINDS)


def _offsets_of(sub: Subscription, rules: ReminderRules) -> tuple[Offset, ...]:
    try:
        return parse_offsets(sub.offsets) or rules.default_offsets
    except ValueError:
        log.warning(
            "subscription %s: unreadable offsets %r, using defaults", sub.user_id, sub.offsets
        )
        return rules.default_offsets


def _view(sub: Subscription, area: Area, rules: ReminderRules) -> SubscriptionView:
    return SubscriptionView(sub.user_id, sub.active, _kinds_of(sub), _offsets_of(sub, rules), area)


async def get_subscription(
    session: AsyncSession, user_id: int, rules: ReminderRules
) -> SubscriptionView | None:
    sub = await session.get(Subscription, user_id)
    if sub is None:
        return None
    return _view(sub, (await areas_of(session, [sub]))[user_id], rules)


async def _ensure_user(session: AsyncSession, user_id: int, now: datetime) -> None:
    if await session.get(User, user_id) is None:
        session.add(User(id=user_id, first_seen=now, last_seen=now))
        await session.flush()


async def subscribe(
    session: AsyncSession,
    user_id: int,
    rules: ReminderRules,
    now: datetime,
    *,
    kinds: Iterable[str] | None = None,
) -> SubscriptionView:
    """Follow deadlines (all kinds unless `kinds`); keeps earlier choices. Commits."""
    await _ensure_user(session, user_id, now)
    sub = await session.get(Subscription, user_id)
    if sub is None:
        sub = Subscription(
            user_id=user_id,
            offsets=offsets_to_text(rules.default_offsets),
            kinds="",
            created_at=now,
        )
        session.add(sub)
    sub.active = True
    sub.stopped_at = None
    sub.stop_reason = None
    if kinds is not None:
        sub.kinds = _kinds_text(kinds)
    sub.updated_at = now
    await session.flush()
    await replan_users(session, [user_id], rules, now)
    await session.commit()
    return _view(sub, (await areas_of(session, [sub]))[user_id], rules)


def _kinds_text(kinds: Iterable[str]) -> str:
    chosen = set(kinds)
    unknown = chosen - set(KINDS)
    if unknown:
        raise ValueError(f"unknown deadline kinds: {sorted(unknown)}")
    return "" if chosen >= set(KINDS) else ",".join(k for k in KINDS if k in chosen)


async def _update(
    session: AsyncSession, user_id: int, rules: ReminderRules, now: datetime, **values: Any
) -> SubscriptionView:
    sub = await session.get(Subscription, user_id)
    if sub is None:
        await subscribe(session, user_id, rules, now)
        sub = await session.get(Subscription, user_id)
        assert sub is not None
    for name, value in values.items():
        setattr(sub, name, value)
    sub.updated_at = now
    await session.flush()
    await replan_users(session, [user_id], rules, now)
    await session.commit()
    return _view(sub, (await areas_of(session, [sub]))[user_id], rules)


async def set_kinds(
    session: AsyncSession,
    user_id: int,
    kinds: Iterable[str],
    rules: ReminderRules,
    now: datetime,
) -> SubscriptionView:
    """Follow only `kinds` (every kind when all or none are given). Commits."""
    return await _update(session, user_id, rules, now, kinds=_kinds_text(kinds))


async def set_offsets(
    session: AsyncSession,
    user_id: int,
    offsets: Iterable[Offset],
    rules: ReminderRules,
    now: datetime,
) -> SubscriptionView:
    """Change one person's reminder times (at least one). Commits."""
    chosen = tuple(offsets)
    if not chosen:
        raise ValueError("at least one reminder time is needed")
    return await _update(session, user_id, rules, now, offsets=offsets_to_text(chosen))


async def set_area(
    session: AsyncSession,
    user_id: int,
    rules: ReminderRules,
    now: datetime,
    *,
    centre_id: int | None,
    directorate: str | None,
) -> SubscriptionView:
    """Record the area asked in chat (both None: back to the school of fault reports)."""
    return await _update(
        session, user_id, rules, now, centre_id=centre_id, directorate=directorate
    )


async def stop(session: AsyncSession, user_id: int, now: datetime, reason: str = "user") -> bool:
    """Stop every reminder of `user_id`; False if they followed nothing. Commits."""
    sub = await session.get(Subscription, user_id)
    if sub is None or not sub.active:
        return False
    sub.active = False
    sub.stopped_at = now
    sub.stop_reason = reason
    sub.updated_at = now
    await session.execute(
        delete(ReminderDelivery).where(
            ReminderDelivery.user_id == user_id, ReminderDelivery.status == PENDING
        )
    )
    await session.commit()
    return True


# --- what a person follows ------------------------------------------------------


@dataclass(frozen=True)
class FollowedDeadline:
    deadline: DeadlineView
    next_reminder: datetime | None  # UTC; None when no reminder is left before it


async def followed_deadlines(
    session: AsyncSession,
    user_id: int,
    rules: ReminderRules,
    *,
    since: datetime,
    limit: int | None = None,
) -> list[FollowedDeadline]:
    """Deadlines after `since` that `user_id` follows, soonest first, with their next reminder."""
    sub = await session.get(Subscription, user_id)
    if sub is None or not sub.active:
        return []
    area = (await areas_of(session, [sub]))[user_id]
    kinds = _kinds_of(sub)
    deadlines = await session.scalars(
        select(Deadline).where(Deadline.due_at > since).order_by(Deadline.due_at, Deadline.id)
    )
    chosen = [d for d in deadlines if concerns(d, area, kinds)]
    if limit is not None:
        chosen = chosen[:limit]
    pending = await session.execute(
        select(ReminderDelivery.deadline_id, ReminderDelivery.due_at)
        .where(
            ReminderDelivery.user_id == user_id,
            ReminderDelivery.status == PENDING,
            ReminderDelivery.deadline_id.in_([d.id for d in chosen]),
        )
        .order_by(ReminderDelivery.due_at)
    )
    first: dict[int, datetime] = {}
    for deadline_id, due in pending:
        first.setdefault(deadline_id, due)
    return [FollowedDeadline(DeadlineView.of(d), first.get(d.id)) for d in chosen]


# --- planning -----------------------------------------------------------------


@dataclass
class PlanChanges:
    """What a re-plan did to the pending rows (for logs and tests)."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    notices: int = 0


async def replan_deadline(
    session: AsyncSession,
    deadline: Deadline,
    rules: ReminderRules,
    now: datetime,
    *,
    announced: bool = False,
    moved: bool = False,
) -> PlanChanges:
    """Re-plan one deadline for every subscriber (does not commit).

    `announced`: the deadline is new, so followers who would get no reminder
    at all before it (short notice) get one at once. `moved`: its date changed,
    so every follower gets one notice of the new date.
    """
    subs = list(await session.scalars(select(Subscription).where(Subscription.active)))
    existing = await session.scalars(
        select(ReminderDelivery).where(ReminderDelivery.deadline_id == deadline.id)
    )
    return await _reconcile(
        session,
        [deadline],
        subs,
        list(existing),
        rules,
        now,
        catch_up={deadline.id} if announced else set(),
        moved={deadline.id} if moved else set(),
    )


async def replan_users(
    session: AsyncSession, user_ids: Sequence[int], rules: ReminderRules, now: datetime
) -> PlanChanges:
    """Re-plan every future deadline for `user_ids` (does not commit)."""
    subs = list(
        await session.scalars(select(Subscription).where(Subscription.user_id.in_(user_ids)))
    )
    deadlines = list(await session.scalars(select(Deadline).where(Deadline.due_at > now)))
    existing: list[ReminderDelivery] = []
    for chunk in _chunks(list(user_ids), 5000):
        existing.extend(
            await session.scalars(
                select(ReminderDelivery).where(
                    ReminderDelivery.user_id.in_(chunk), ReminderDelivery.status == PENDING
                )
            )
        )
        existing.extend(
            await session.scalars(
                select(ReminderDelivery).where(
                    ReminderDelivery.user_id.in_(chunk),
                    ReminderDelivery.status != PENDING,
                    ReminderDelivery.deadline_id.in_([d.id for d in deadlines]),
                )
            )
        )
    changes = await _reconcile(session, deadlines, subs, existing, rules, now)
    # A stopped subscription keeps no pending rows, also for deadlines already past.
    stale = [r.id for r in existing if r.status == PENDING and r.deadline_id not in
             {d.id for d in deadlines}]  # fmt: skip
    if stale:
        changes.deleted += await _delete_pending(session, stale)
    return changes


async def replan_all(session: AsyncSession, rules: ReminderRules, now: datetime) -> PlanChanges:
    """Re-plan everything (at start, and for changes made elsewhere, e.g. a school). No commit."""
    total = PlanChanges()
    deadlines = list(await session.scalars(select(Deadline).where(Deadline.due_at > now)))
    subs = list(await session.scalars(select(Subscription)))
    for deadline in deadlines:
        existing = await session.scalars(
            select(ReminderDelivery).where(ReminderDelivery.deadline_id == deadline.id)
        )
        changes = await _reconcile(session, [deadline], subs, list(existing), rules, now)
        total.inserted += changes.inserted
        total.updated += changes.updated
        total.deleted += changes.deleted
    return total


async def _reconcile(
    session: AsyncSession,
    deadlines: Sequence[Deadline],
    subs: Sequence[Subscription],
    existing: Sequence[ReminderDelivery],
    rules: ReminderRules,
    now: datetime,
    *,
    catch_up: set[int] | frozenset[int] = frozenset(),
    moved: set[int] | frozenset[int] = frozenset(),
) -> PlanChanges:
    """Make the pending rows of (subs × deadlines) match the plan; leave handled rows alone."""
    changes = PlanChanges()
    areas = await areas_of(session, subs)
    rows_of: dict[tuple[int, int], dict[tuple[int, str], ReminderDelivery]] = defaultdict(dict)
    for row in existing:
        rows_of[(row.user_id, row.deadline_id)][(row.revision, row.offset_code)] = row
    to_delete: list[int] = []
    to_move: list[dict[str, Any]] = []
    to_insert: list[dict[str, Any]] = []
    for deadline in deadlines:
        future = deadline.due_at > now
        for sub in subs:
            rows = rows_of.get((sub.user_id, deadline.id), {})
            relevant = (
                future and sub.active and concerns(deadline, areas[sub.user_id], _kinds_of(sub))
            )
            if not relevant:
                to_delete.extend(r.id for r in rows.values() if r.status == PENDING)
                continue
            offsets = _offsets_of(sub, rules)
            wanted = {
                p.offset.code: p
                for p in plan(
                    deadline.due_at,
                    offsets,
                    rules.schedule,
                    not_before=now,
                    catch_up=deadline.id in catch_up and sub.created_at <= deadline.created_at,
                )
            }
            chosen = {o.code for o in offsets}
            for (revision, code), row in rows.items():
                if row.status != PENDING:
                    continue
                if revision != deadline.revision:
                    to_delete.append(row.id)  # planned for a date that has moved
                elif code == MOVED:
                    continue
                elif code in wanted:
                    if row.due_at != wanted[code].due_at:
                        to_move.append({"rid": row.id, "new_due": wanted[code].due_at})
                elif not (code in chosen and row.due_at <= now):
                    # Still chosen and already due means a sender is about to take it.
                    to_delete.append(row.id)
            for code, planned in wanted.items():
                if (deadline.revision, code) not in rows:
                    to_insert.append(_new_row(sub.user_id, deadline, code, planned.due_at))
            if deadline.id in moved and (deadline.revision, MOVED) not in rows:
                notice_at = apply_quiet_hours(now, deadline.due_at, rules.schedule.quiet, rules.tz)
                to_insert.append(_new_row(sub.user_id, deadline, MOVED, notice_at))
                changes.notices += 1
    if to_delete:
        changes.deleted += await _delete_pending(session, to_delete)
    if to_move:
        stmt = (
            update(DELIVERIES)
            .where(DELIVERIES.c.id == bindparam("rid"), DELIVERIES.c.status == PENDING)
            .values(due_at=bindparam("new_due"))
        )
        await session.execute(stmt, to_move)
        changes.updated += len(to_move)
    if to_insert:
        changes.inserted += await _insert_ignoring_duplicates(session, to_insert)
    return changes


def _new_row(user_id: int, deadline: Deadline, code: str, due: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "deadline_id": deadline.id,
        "revision": deadline.revision,
        "offset_code": code,
        "due_at": due,
        "status": PENDING,
        "attempts": 0,
    }


async def _delete_pending(session: AsyncSession, ids: Sequence[int]) -> int:
    deleted = 0
    for chunk in _chunks(list(ids), 5000):
        result = await session.execute(
            delete(ReminderDelivery)
            .where(ReminderDelivery.id.in_(chunk), ReminderDelivery.status == PENDING)
            .execution_options(synchronize_session=False)
        )
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


async def _insert_ignoring_duplicates(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert planned rows; one that another process planned meanwhile is left as it is."""
    table = DELIVERIES
    dialect = session.get_bind().dialect.name
    inserted = 0  # rows offered: drivers do not all report how many were skipped
    for chunk in _chunks(rows, 2000):
        if dialect == "postgresql":
            stmt: Any = postgresql.insert(table).on_conflict_do_nothing(
                constraint="uq_reminder_deliveries_claim"
            )
        elif dialect == "sqlite":
            stmt = sqlite.insert(table).on_conflict_do_nothing()
        else:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
            stmt = table.insert()
        await session.execute(stmt, chunk)
        inserted += len(chunk)
    return inserted


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def choosable_offsets() -> tuple[Offset, ...]:
    """The reminder times offered in chat."""
    return tuple(Offset(code) for code in OFFSET_CHOICES)


def pending_filter(now: datetime) -> Any:
    """SQL condition: a pending row that may be sent at `now`."""
    return (
        (ReminderDelivery.status == PENDING)
        & (ReminderDelivery.due_at <= now)
        & or_(ReminderDelivery.next_attempt_at.is_(None), ReminderDelivery.next_attempt_at <= now)
    )


async def choose_area(
    session: AsyncSession,
    user_id: int,
    choice: AreaChoice | None,
    rules: ReminderRules,
    now: datetime,
) -> SubscriptionView:
    """Record the area picked in chat (None: back to the school of fault reports). Commits."""
    if choice is None:
        return await set_area(session, user_id, rules, now, centre_id=None, directorate=None)
    if choice.kind == "d":
        row = await session.get(CentreDirectorate, choice.id)
        if row is None:
            raise LookupError(f"directorate {choice.id}")
        return await set_area(
            session, user_id, rules, now, centre_id=row.centre_id, directorate=row.name
        )
    if await session.get(SupportCentre, choice.id) is None:
        raise LookupError(f"centre {choice.id}")
    return await set_area(session, user_id, rules, now, centre_id=choice.id, directorate=None)


async def followers_of(session: AsyncSession, deadline: AnyDeadline) -> int:
    """How many people follow `deadline` (active, the right kind and area)."""
    subs = list(await session.scalars(select(Subscription).where(Subscription.active)))
    areas = await areas_of(session, subs)
    return sum(concerns(deadline, areas[s.user_id], _kinds_of(s)) for s in subs)
