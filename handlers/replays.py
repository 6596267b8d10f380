"""Replayed updates (an update_id already handled) go no further than this handler.

Registered in the first group, before anything reads or changes data, for every
update in polling and webhook mode alike. See bot.services.update_ledger.
"""

from __future__ import annotations

import logging
from typing import Final

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.services import update_ledger
from bot.services.storage import is_storage_failure
from handlers.context import Context

log = logging.getLogger(__name__)

GROUP: Final = -10  # first of all: before every other middleware (groups -3 to -1)


async def skip_replays(update: object, context: Context) -> None:
    if not isinstance(update, Update):
        return
    runtime = context.runtime
    now = runtime.clock()
    try:
        fresh = await runtime.ledger.claim(update.update_id, now=now)
        if fresh and update.update_id % update_ledger.PRUNE_EVERY == 0:
            async with runtime.sessions() as session:
                await update_ledger.prune(session, now=now)
    except Exception as exc:
        if not is_storage_failure(exc):
            raise
        # The database takes no writes right now: the update goes on unrecorded (the
        # handlers that need to write say so to the user) rather than unanswered.
        log.warning("could not record update %s: %s", update.update_id, exc)
        return
    if not fresh:
        log.info("update %s was already handled: replay ignored", update.update_id)
        raise ApplicationHandlerStop
