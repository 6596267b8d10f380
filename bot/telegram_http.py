"""PTB's HTTP requests to the Bot API made with aiohttp instead of httpx.

PTB's `HTTPXRequest` costs a bot more CPU per request than anything keplibot does with
an FAQ question (`bench/bench_updates.py`): httpx, httpcore and anyio build each request
in several layers, and httpcore checks every pooled connection's socket on every request.
aiohttp, which keplibot already serves its web pages with, parses HTTP in C and keeps its
pool in a dict. `AiohttpRequest` is a `telegram.request.BaseRequest`, so PTB's handling
of Telegram's answers (status codes, `retry_after`, `migrate_to_chat_id`) is unchanged;
only the transport is. It fails as `HTTPXRequest` does: `TimedOut` for a timeout,
`NetworkError` raised from the aiohttp error for everything else, which
`bot.ratelimit.unanswered` reads to decide whether the request may be sent again.
"""

from __future__ import annotations

import io
import json
import re
from typing import Final

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# aiohttp errors after which Telegram may not have acted on the request (the connection
# could not be made or broke before the whole answer came): the request may be retried.
TRANSPORT_ERRORS: Final = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)

# HTTP statuses PTB turns into errors of their own (400 BadRequest, 401/404 InvalidToken,
# 403 Forbidden, 409 Conflict; 429 RetryAfter from the answer's parameters) and server
# errors (5xx: Telegram did not act). Any other status that is not a success is an answer
# all the same (413 Request Entity Too Large, ...): see `Answered`.
_PTB_STATUSES: Final = frozenset({400, 401, 403, 404, 409, 429})

# A file name in a multipart header, written as httpx (and so PTB until now) writes it:
# the HTML5 form encoding, so that a quote or a line break cannot end the header (aiohttp
# escapes a backslash itself).
_FORM_ESCAPES: Final = {'"': "%22"} | {chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}
_FORM_ESCAPE_RE: Final = re.compile("|".join(re.escape(c) for c in _FORM_ESCAPES))


class Answered(NetworkError):
    """Telegram answered with an HTTP status PTB has no error of its own for (413, ...):
    an answer, so the request is never sent again (`bot.ratelimit.unanswered`)."""


def form_filename(name: str) -> str:
    """`name` as it may stand in a multipart Content-Disposition header."""
    return _FORM_ESCAPE_RE.sub(lambda match: _FORM_ESCAPES[match.group(0)], name)


class AiohttpRequest(BaseRequest):
    """Bot API requests over an aiohttp session of at most `connections` connections.

    Timeouts (seconds, None: none) mean what they mean for `HTTPXRequest`: waiting for a
    free connection (`pool_timeout`), opening one (`connect_timeout`), sending the request
    (`write_timeout`, `media_write_timeout` when files are uploaded) and waiting for the
    answer (`read_timeout`, between two reads). aiohttp has no timeout of its own for
    sending, so the whole request is also bounded by the sum of the four.
    """

    __slots__ = (
        "_connect_timeout",
        "_connections",
        "_media_write_timeout",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connections: int = 16,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connections < 1:
            raise ValueError("connections must be at least 1")
        self._connections = connections
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
                # Telegram's answers are read as bytes and parsed by PTB.
                auto_decompress=True,
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        else:
            write = write_timeout
        parts = (pool, connect, write, read)
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        body: aiohttp.FormData | dict[str, str] | None = fields
        if files:
            form = aiohttp.FormData(quote_fields=False)
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                if isinstance(content, bytes):  # aiohttp streams a file object, not bytes
                    content = io.BytesIO(content)
                form.add_field(
                    name, content, filename=form_filename(filename), content_type=mime_type
                )
            body = form
        try:
            async with session.request(method, url, data=body, timeout=timeout) as response:
                status, payload = response.status, await response.read()
        except TimeoutError as err:  # asyncio.TimeoutError too, and aiohttp's timeouts
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
        if 300 <= status < 500 and status not in _PTB_STATUSES:
            raise Answered(f"{_description(payload) or response.reason} ({status})")
        return status, payload


def _description(payload: bytes) -> str | None:
    """Telegram's `description` of an error answer, if the answer has one."""
    try:
        answer = json.loads(payload)
    except ValueError:
        return None
    description = answer.get("description") if isinstance(answer, dict) else None
    return description if isinstance(description, str) else None
