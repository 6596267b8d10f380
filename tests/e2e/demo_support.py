"""A running `keplibot demo` for tests: free ports, its data in a temporary directory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.commands.demo import run_demo

START_TIMEOUT = 30.0  # seconds for the demo to start, and to stop


@contextlib.asynccontextmanager
async def running_demo(data_dir: Path) -> AsyncIterator[str]:
    """The URL of the chat page of a demo that runs while inside; stops it on exit.

    A demo that fails to start raises its own error here instead of a timeout.
    """
    stop = asyncio.Event()
    url: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_demo("127.0.0.1", 0, data_dir, stop=stop, ready=url.set_result))
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
