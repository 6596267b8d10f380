"""Personal calendar feeds: secret tokens and RFC 5545 (iCalendar) files of deadlines.

A feed URL carries a random token (`/calendar/<token>.ics`); whoever has the URL
sees that person's followed deadlines, so the person can revoke it (the URL
stops working) or renew it (a new URL, the old one stops). Files are built with
`icalendar`, times in the local zone with its VTIMEZONE, so calendar apps show
the right hour on both sides of a daylight-saving change.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import CalendarToken

PRODID: Final = "-//keplibot//deadlines//EL"
TOKEN_BYTES: Final = 24  # 32 URL-safe characters, 192 random bits


# --- tokens -----------------------------------------------------------------------


async def active_token(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(
        select(CalendarToken.token).where(
            CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None)
        )
    )


async def ever_had_token(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(
        select(CalendarToken.id).where(CalendarToken.user_id == user_id).limit(1)
    )
    return found is not None


async def ensure_token(session: AsyncSession, user_id: int, now: datetime) -> str:
    """The person's feed token, created if they have none. Commits."""
    token = await active_token(session, user_id)
    if token is None:
        token = await renew_token(session, user_id, now)
    return token


async def renew_token(session: AsyncSession, user_id: int, now: datetime) -> str:
    """A new token; any earlier one stops working. Commits."""
    await _revoke(session, user_id, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(CalendarToken(user_id=user_id, token=token, created_at=now))
    await session.commit()
    return token


async def revoke_token(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """Stop the person's feed URL; False if there was none. Commits."""
    revoked = await _revoke(session, user_id, now)
    await session.commit()
    return revoked


async def _revoke(session: AsyncSession, user_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(CalendarToken)
        .where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def user_of_token(session: AsyncSession, token: str, now: datetime) -> int | None:
    """Whose feed `token` opens (None if unknown or revoked); notes its use. Commits."""
    if not token or len(token) > 64:
        return None
    row = await session.scalar(
        select(CalendarToken).where(
            CalendarToken.token == token, CalendarToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    row.last_used_at = now
    await session.commit()
    return row.user_id


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/calendar/{token}.ics"


# --- the file ---------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    """One deadline as the reader sees it (texts already in their language)."""

    uid: str
    start: datetime  # aware
    summary: str
    description: str
    categories: str
    url: str | None
    sequence: int  # how often the date moved (RFC 5545 SEQUENCE)
    modified: datetime  # aware


def build_ics(events: Sequence[CalendarEvent], *, name: str, tz: ZoneInfo, now: datetime) -> bytes:
    """An RFC 5545 calendar of `events` in `tz`, with its VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", tz.key)
    # Calendar apps poll feeds; once an hour is plenty for dates announced days ahead.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = now.astimezone(UTC)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.start.astimezone(tz))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        event.add("categories", [item.categories])
        if item.url:
            event.add("url", item.url)
        event.add("sequence", item.sequence)
        event.add("last-modified", item.modified.astimezone(UTC))
        event.add("status", "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
        calendar.add_component(event)
    if events:
        # Only the years the events need: the full 1970-2038 history is 5 kB of RDATEs.
        dates = [e.start.astimezone(tz).date() for e in events]
        calendar.add_missing_timezones(
            first_date=min(dates) - timedelta(days=366), last_date=max(dates) + timedelta(days=366)
        )
    return calendar.to_ical()
