"""A running `keplibot demo` for tests: free ports, its data in a temporary directory."""

from __future__ import annotations

import asyncio
import contextlib
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.commands.demo import run_demo

START_TIMEOUT = 30.0  # seconds for the demo to start, and to stop


@contextlib.asynccontextmanager
async def running_demo(data_dir: Path, **options: Any) -> AsyncIterator[str]:
    """The URL of the chat page of a demo that runs while inside; stops it on exit.

    `options` go to `run_demo` (`empty`, `reminder_lead`). A demo that fails to start
    raises its own error here instead of a timeout.
    """
    stop = asyncio.Event()
    url: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run_demo("127.0.0.1", 0, data_dir, stop=stop, ready=url.set_result, **options)
    )
    waiting: set[asyncio.Future[Any]] = {url, task}
    done, _ = await asyncio.wait(
        waiting, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    if task in done:
        task.result()  # it failed to start: show why
    if not url.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise TimeoutError(f"the demo did not start within {START_TIMEOUT} s")
    try:
        yield url.result()
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=START_TIMEOUT)


def sample_photo(width: int = 160, height: int = 120) -> bytes:
    """A small PNG that looks like something in a screenshot (a blue-orange gradient)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes((40 + x, 90 + y // 2, 200 - x)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
