"""Counting an answer shown, on any channel: in memory and written in batches when the
process runs the view log (`bot.services.faq.log.ViewLog`), else in a commit of its own."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.faq import log as faq_log
from bot.services.faq.log import Source


async def record_view(runtime: Runtime, entry_id: str, locale: str, source: Source) -> None:
    views, now = runtime.faq_views, runtime.clock()
    if views is not None:  # counted in memory, written in batches
        views.add(entry_id=entry_id, locale=locale, source=source, now=now)
        return
    async with runtime.sessions() as session:
        await faq_log.record_view(
            session, entry_id=entry_id, locale=locale, source=source, now=now
        )
