"""Mount the Teams channel on keplibot's aiohttp server (`bot.web` calls `add_routes` when
TEAMS_APP_ID is set): `POST /api/messages` and the file links of `teams.files`."""

from __future__ import annotations

from typing import Final

import aiohttp
from aiohttp import web

from bot.runtime import Runtime
from teams.auth import require_teams
from teams.bot import TeamsAdapter

ADAPTER: Final = web.AppKey("teams", TeamsAdapter)


def add_routes(web_app: web.Application, runtime: Runtime) -> None:
    """The Teams endpoint on `web_app`; its HTTP client opens and closes with the server.

    Raises SettingsError at once for a missing TEAMS_APP_PASSWORD or PUBLIC_BASE_URL.
    """
    require_teams(runtime.settings)
    http = aiohttp.ClientSession()
    adapter = TeamsAdapter(runtime, http)
    web_app[ADAPTER] = adapter
    adapter.add_routes(web_app)

    async def close(_app: web.Application) -> None:
        await http.close()

    web_app.on_cleanup.append(close)
