"""What the FAQ records, on any channel: an answer shown (in memory and written in batches
when the process runs the view log, `bot.services.faq.log.ViewLog`, else in a commit of its
own) and a question it could not answer."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.faq import log as faq_log
from bot.services.faq.log import MissKind, Source


async def record_view(runtime: Runtime, entry_id: str, locale: str, source: Source) -> None:
    views, now = runtime.faq_views, runtime.clock()
    if views is not None:  # counted in memory, written in batches
        views.add(entry_id=entry_id, locale=locale, source=source, now=now)
        return
    async with runtime.sessions() as session:
        await faq_log.record_view(
            session, entry_id=entry_id, locale=locale, source=source, now=now
        )


async def record_miss(
    runtime: Runtime, text: str, locale: str, kind: MissKind, user_id: int | None
) -> None:
    """A question the FAQ could not answer (or whose suggestions were all rejected), with
    the entries it came closest to, for the staff's `keplibot faq stats`."""
    if runtime.faq is None:
        raise RuntimeError("the FAQ is not loaded (bot.app's startup hooks load it)")
    result = runtime.faq.search(text, locale)
    async with runtime.sessions() as session:
        await faq_log.record_miss(
            session,
            text=text,
            locale=locale,
            hits=result.hits,
            kind=kind,
            user_id=user_id,
            now=runtime.clock(),
        )
