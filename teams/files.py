"""Files too large to send inline (a PDF summary): offered at an unguessable link.

A Teams message is at most 28 KB, so a file above `teams.render.INLINE_FILE_BYTES` is an
attachment whose `contentUrl` is `PUBLIC_BASE_URL/teams/files/<token>/<name>`, served
from this process's memory for `KEPT_FOR` (then it is gone: the button makes it again).
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from typing import Final
from urllib.parse import quote

from aiohttp import web

from bot.ui import File

KEPT_FOR: Final = 3600.0  # seconds
MAX_FILES: Final = 500
ROUTE: Final = "/teams/files/{token}/{name}"


class FileStore:
    """Files offered by link, in memory, the oldest dropped first."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._files: OrderedDict[str, tuple[float, File]] = OrderedDict()

    def link(self, file: File) -> str:
        token = secrets.token_urlsafe(24)
        self._files[token] = (time.monotonic() + KEPT_FOR, file)
        while len(self._files) > MAX_FILES:
            self._files.popitem(last=False)
        return f"{self.base_url}/teams/files/{token}/{quote(file.name)}"

    def get(self, token: str) -> File | None:
        kept = self._files.get(token)
        if kept is None or kept[0] < time.monotonic():
            self._files.pop(token, None)
            return None
        return kept[1]

    async def serve(self, request: web.Request) -> web.Response:
        file = self.get(request.match_info["token"])
        if file is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=file.data,
            content_type=file.mime,
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file.name)}"},
        )
