"""The calendar feed route of the aiohttp server: `GET /calendar/<token>.ics`.

Listed in `bot.web.ROUTE_MODULES`. An unknown or revoked token is a plain 404,
the same answer as a path that never existed, so tokens cannot be probed.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from aiohttp import web

from bot.dialogs.reminders.calendar import FILE_NAME, render_feed
from bot.runtime import Runtime
from bot.services.reminders import calendar as calendar_service

log = logging.getLogger(__name__)

TOKEN_RE: Final = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def add_routes(web_app: web.Application, runtime: Runtime) -> None:
    async def feed(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if not TOKEN_RE.match(token):
            raise web.HTTPNotFound()
        async with runtime.sessions() as session:
            user_id = await calendar_service.user_of_token(session, token, runtime.clock())
        if user_id is None:
            raise web.HTTPNotFound()
        body = await render_feed(runtime, user_id)
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Content-Disposition": f'inline; filename="{FILE_NAME}"',
                # Personal data: no shared cache may keep it.
                "Cache-Control": "private, max-age=300",
            },
        )

    web_app.router.add_get("/calendar/{token}.ics", feed)
