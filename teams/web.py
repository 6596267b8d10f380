"""Mount the Teams channel on keplibot's aiohttp server (`bot.web` calls `add_routes` when
TEAMS_APP_ID is set): `POST /api/messages` and the file links of `teams.files`; while
it serves, its notifier is the runtime's for Teams people (`Runtime.notifiers`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

import aiohttp
from aiohttp import web

from bot.runtime import Runtime
from bot.services.exclusive import run_alone
from teams import points
from teams.bot import TeamsAdapter, check_settings
from teams.turn import CHANNEL

log = logging.getLogger(__name__)

ADAPTER: Final = web.AppKey("teams", TeamsAdapter)
PURGE: Final = web.AppKey("teams_purge", asyncio.Task[None])


def add_routes(web_app: web.Application, runtime: Runtime) -> None:
    """The Teams endpoint on `web_app`; its HTTP client opens and closes with the server.

    Raises SettingsError at once for a missing TEAMS_APP_PASSWORD or PUBLIC_BASE_URL.
    """
    check_settings(runtime.settings)  # before anything is opened
    http = aiohttp.ClientSession()
    adapter = TeamsAdapter(runtime, http)
    web_app[ADAPTER] = adapter
    adapter.add_routes(web_app)

    async def start(_app: web.Application) -> None:
        # Notices to Teams people (the helpdesk outbox, reminders) go out through the
        # adapter while its HTTP client is open (`Runtime.route`).
        runtime.notifiers[CHANNEL] = adapter.notifier
        web_app[PURGE] = asyncio.create_task(purge_regularly(runtime))

    async def close(_app: web.Application) -> None:
        if runtime.notifiers.get(CHANNEL) is adapter.notifier:
            del runtime.notifiers[CHANNEL]
        web_app[PURGE].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await web_app[PURGE]
        await http.close()

    web_app.on_startup.append(start)
    web_app.on_cleanup.append(close)


async def purge_regularly(runtime: Runtime) -> None:
    """Every PURGE_EVERY, the expired points results of Teams conversations are dropped."""
    while True:
        await asyncio.sleep(points.PURGE_EVERY)
        try:
            async with run_alone(runtime.engine, "teams-points-purge") as alone:
                if alone:
                    await points.purge_expired(runtime)
        except Exception:  # the database may be away for a while: try again next time
            log.warning("teams: the purge of expired results failed", exc_info=True)
