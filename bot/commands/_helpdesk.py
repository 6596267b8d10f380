"""What the helpdesk sub-commands share: a migrated database with its default centre."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db import create_engine, session_factory, upgrade_schema
from bot.i18n import Translator
from bot.services.helpdesk import schools
from bot.services.helpdesk.schools import CentreInfo, Unroutable


@asynccontextmanager
async def helpdesk_sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on DATABASE_URL, upgraded to the newest schema, default centre in place."""
    await upgrade_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            await schools.ensure_default_centre(session, settings)
        yield sessions
    finally:
        await engine.dispose()


async def find_centre(
    session: AsyncSession, slug: str, tr: Translator
) -> tuple[CentreInfo | None, str]:
    """The centre `slug`, or None and a message listing the centres there are."""
    centre = await schools.centre_by_slug(session, slug)
    if centre is not None:
        return centre, ""
    known = ", ".join(c.slug for c in await schools.list_centres(session))
    return None, tr.gettext("Unknown centre «{slug}». Centres: {known}").format(
        slug=slug, known=known
    )


def parse_day(value: str, settings: Settings) -> datetime:
    """`2026-03-01` as the start of that day in the bot's time zone, in UTC."""
    day = date.fromisoformat(value)
    return datetime(day.year, day.month, day.day, tzinfo=settings.tz).astimezone(UTC)


def unroutable_lines(tr: Translator, groups: list[Unroutable]) -> list[str]:
    """One line per group of schools whose fault reports would reach no one."""
    lines = []
    for group in groups:
        n = len(group.schools)
        if group.centre is None:
            line = tr.ngettext(
                "{n} school is served by no support centre, so its fault reports would reach "
                "no one (directorates: {directorates}). Add a centre for them, or a default "
                "centre.",
                "{n} schools are served by no support centre, so their fault reports would "
                "reach no one (directorates: {directorates}). Add a centre for them, or a "
                "default centre.",
                n,
            ).format(n=n, directorates="; ".join(group.directorates))
        else:
            line = tr.ngettext(
                "{n} school of {centre} ({slug}) would reach no one: the centre has no staff "
                "chat. Bind one with /staffchat in its group, or set its chat id.",
                "{n} schools of {centre} ({slug}) would reach no one: the centre has no staff "
                "chat. Bind one with /staffchat in its group, or set its chat id.",
                n,
            ).format(n=n, centre=group.centre.name, slug=group.centre.slug)
        lines.append(line)
    return lines
