"""One process polls Telegram per database: the polling lease.

Telegram gives each update to one `getUpdates` caller; two processes polling with
the same token answer each other's 409 Conflict and share the updates at random, so
a teacher's conversation would hop between processes. `keplibot run` therefore
holds a lease on its database while it polls:

- **PostgreSQL**: a session-level advisory lock, held on a connection of its own for
  as long as the process polls. A second `keplibot run` on the same database waits
  as a *standby*, trying again every few seconds, and takes over as soon as the lock
  is free. PostgreSQL frees the lock when the holder's connection closes, which the
  kernel does at once when the process dies (even by `kill -9`), so the standby does
  not wait for an expiry. The standby builds nothing and loads no conversation until
  it holds the lock; then it starts like a fresh process, from the shared
  persistence.
- **SQLite**: an exclusive `flock` on a file beside the database. A SQLite file can
  only be shared by processes on one machine, and the kernel drops the lock when the
  holder dies, so a restart right after a crash is never refused. A second process is
  refused at once with one line (there is no standby on SQLite: the file lock could
  be waited for, but two processes writing one SQLite file is not a service that
  survives anything).

A leader that loses its lease (its PostgreSQL connection breaks) stops polling at
once and ends with `LeaseLost`: a standby may already have taken over, and a
supervisor (systemd, compose) starts the process again, as a standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from bot.db import DatabaseUnavailable, create_engine, is_sqlite

log = logging.getLogger(__name__)

# The advisory lock's key: one fixed 31-bit number for "keplibot polls this database".
LOCK_KEY = zlib.crc32(b"keplibot:polling") & 0x7FFFFFFF
# Seconds between a standby's tries, and between the leader's checks of its connection.
RETRY_SECONDS = 2.0
CHECK_SECONDS = 5.0


class LeaseHeld(Exception):
    """Another process polls with this (SQLite) database; the message is one line."""


class LeaseLost(Exception):
    """The leader's hold on the database broke while it polled; the message is one line."""


def lock_path(url: str) -> Path | None:
    """The lock file of a SQLite database URL (None for an in-memory database)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database).resolve().with_name(Path(database).name + ".polling.lock")


@contextlib.asynccontextmanager
async def sqlite_lease(url: str) -> AsyncIterator[None]:
    """Hold the SQLite database's polling lock, or raise `LeaseHeld` at once."""
    import fcntl  # POSIX only; imported here so that importing this module stays portable

    path = lock_path(url)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LeaseHeld(
                f"another keplibot ({holder}) is already running with the database "
                f"{path.with_suffix('').with_suffix('')}; stop it first (a standby that "
                "takes over needs PostgreSQL)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file drops the lock


class PostgresLease:
    """The advisory lock on its own connection; `watch()` returns when it is lost."""

    def __init__(self, url: str) -> None:
        # No pool: the lock lives exactly as long as this one connection.
        self._engine = create_engine(url, poolclass=NullPool)
        self._url = url
        self._conn: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        try:
            conn = await self._engine.connect()
        except (OSError, DBAPIError) as exc:
            raise DatabaseUnavailable.of(self._url, exc) from exc
        try:
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
            ).scalar_one()
            await conn.commit()  # a session-level lock outlives the transaction
        except BaseException:
            await conn.close()
            raise
        if got:
            self._conn = conn
            return True
        await conn.close()
        return False

    async def watch(self) -> None:
        """Return once the connection that holds the lock no longer answers."""
        assert self._conn is not None
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            try:
                await asyncio.wait_for(self._conn.execute(text("SELECT 1")), CHECK_SECONDS)
                await self._conn.commit()
            except (OSError, DBAPIError, TimeoutError) as exc:
                log.error("lost the database connection that holds the polling lease: %s", exc)
                return

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError, DBAPIError):
                await self._conn.close()  # PostgreSQL frees the lock with the session
            self._conn = None
        await self._engine.dispose()


@contextlib.asynccontextmanager
async def polling_lease(url: str, stop: asyncio.Event) -> AsyncIterator[asyncio.Event]:
    """Hold the polling lease of the database at `url` while the block runs.

    Yields an event that is set if the lease is lost while held (PostgreSQL only);
    the caller stops polling when it is set. On PostgreSQL this waits as a standby
    until the lease is free, or until `stop` is set: then the block runs without the
    lease and the caller, seeing `stop` set, returns at once. On SQLite a held lease
    raises `LeaseHeld`.
    """
    lost = asyncio.Event()
    if is_sqlite(url):
        async with sqlite_lease(url):
            yield lost
        return
    lease = PostgresLease(url)
    try:
        told = False
        while not await lease.try_acquire():
            if not told:
                log.warning(
                    "another keplibot is polling with this database: waiting as a standby "
                    "(trying every %.0f s)",
                    RETRY_SECONDS,
                )
                told = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY_SECONDS)
            if stop.is_set():
                yield lost
                return
        if told:
            log.warning("the other keplibot is gone: taking over")
        watcher = asyncio.create_task(lease.watch())
        watcher.add_done_callback(lambda _task: lost.set())
        try:
            yield lost
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
    finally:
        await lease.close()
