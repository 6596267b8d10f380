"""Shared fixtures. Database fixtures for every team:

``database_url`` (parametrised: ``sqlite``, ``postgresql``)
    The URL of a database migrated to Alembic ``heads`` that holds no rows but
    those the migrations themselves insert. Every test gets a clean one:

    * ``sqlite``: a copy of a template file migrated once per test session,
      in the test's ``tmp_path``.
    * ``postgresql``: the database named by ``KEPLIBOT_TEST_DATABASE_URL``
      (``postgresql+asyncpg://...``). Its ``public`` schema is dropped and
      migrated once per session; before each test every table is emptied and
      the rows and sequence positions the migrations left are put back. Tests
      using it carry the ``postgres`` marker. Without the variable they are
      skipped, except when ``CI`` is set: then they fail, so CI never silently
      skips PostgreSQL. The database is wiped: give the tests a database of
      their own. It is created if it does not exist.

``sqlite_database_url``
    The SQLite variant alone, for slow end-to-end tests that do not need to
    run on both backends.

``postgres_database_url``
    The PostgreSQL variant alone, for what only PostgreSQL does; mark the test
    ``postgres``.

``engine``, ``sessions``
    ``bot.db.create_engine(database_url)`` (disposed after the test) and
    ``bot.db.session_factory(engine)``. Using either runs the test on both
    backends.

``empty_database_url`` (parametrised like ``database_url``)
    A fresh database with no tables at all, for migration tests. On PostgreSQL
    it is a separate database (``<name>_empty``), created and dropped around the
    test. The role needs CREATEDB and access to the ``postgres`` database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import MetaData, Table, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import NullPool

from bot.db import create_engine, session_factory, upgrade_schema

T = TypeVar("T")

POSTGRES_ENV = "KEPLIBOT_TEST_DATABASE_URL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def run_in_new_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion on a fresh event loop in a thread of its own.

    Session-scoped set-up is synchronous (the tests' loops are per function), and
    a thread keeps it clear of whatever loop pytest-asyncio has set.
    """
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def postgres_base_url() -> str:
    """KEPLIBOT_TEST_DATABASE_URL, or skip (fail under CI) when it is not set."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} must be set in CI: the PostgreSQL tests may not be skipped")
    pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")


# --- SQLite -------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db-template") / "template.sqlite3"
    run_in_new_loop(upgrade_schema(sqlite_url(path)))
    return path


def _sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / "keplibot.sqlite3"
    shutil.copyfile(template, target)
    return sqlite_url(target)


# --- PostgreSQL ---------------------------------------------------------------


@dataclass
class _PostgresSnapshot:
    """What the migrations left behind, restored before every test."""

    url: str
    table_names: list[str] = field(default_factory=list)  # quoted, parents first
    seed_rows: list[tuple[Table, list[dict[str, Any]]]] = field(default_factory=list)
    sequences: list[tuple[str, int, bool]] = field(default_factory=list)  # name, value, called


def _admin_engine(url: str) -> AsyncEngine:
    return _create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")


async def _create_database_if_missing(url: str) -> None:
    """Create the database of `url` (through the `postgres` database) unless it exists.

    A fresh CI machine has a server but not the test database.
    """
    target = make_url(url)
    engine = _admin_engine(target.set(database="postgres").render_as_string(hide_password=False))
    try:
        async with engine.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                quoted = conn.dialect.identifier_preparer.quote(str(target.database))
                await conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        await engine.dispose()


async def _recreate_public_schema(url: str) -> None:
    await _create_database_if_missing(url)
    engine = _admin_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def _take_snapshot(url: str) -> _PostgresSnapshot:
    snapshot = _PostgresSnapshot(url=url)
    metadata = MetaData()
    engine = _create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(lambda sync: metadata.reflect(sync, schema="public"))
            quote = conn.dialect.identifier_preparer.quote
            for table in metadata.sorted_tables:
                if table.name == "alembic_version":
                    continue
                snapshot.table_names.append(f"public.{quote(table.name)}")
                rows = [dict(row._mapping) for row in (await conn.execute(table.select())).all()]
                if rows:
                    snapshot.seed_rows.append((table, rows))
            result = await conn.execute(
                text(
                    "SELECT sequencename, start_value, last_value FROM pg_sequences "
                    "WHERE schemaname = 'public'"
                )
            )
            for name, start, last in result.all():
                value, called = (start, False) if last is None else (last, True)
                snapshot.sequences.append((f"public.{quote(name)}", value, called))
    finally:
        await engine.dispose()
    return snapshot


async def _restore_snapshot(snapshot: _PostgresSnapshot) -> None:
    engine = _create_async_engine(snapshot.url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            # DELETE, children first: on a few small tables it is ~10x faster than
            # TRUNCATE, which replaces every table's files and costs ~15 ms a table.
            for name in reversed(snapshot.table_names):
                await conn.execute(text(f"DELETE FROM {name}"))
            for table, rows in snapshot.seed_rows:
                await conn.execute(table.insert(), rows)
            if snapshot.sequences:
                calls = ", ".join(
                    f"setval('{name}', {int(value)}, {'true' if called else 'false'})"
                    for name, value, called in snapshot.sequences
                )
                await conn.execute(text(f"SELECT {calls}"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_snapshot() -> _PostgresSnapshot:
    url = postgres_base_url()

    async def prepare() -> _PostgresSnapshot:
        await _recreate_public_schema(url)
        await upgrade_schema(url)
        return await _take_snapshot(url)

    return run_in_new_loop(prepare())


# --- the fixtures -------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return _sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path)
    snapshot: _PostgresSnapshot = request.getfixturevalue("postgres_snapshot")
    await _restore_snapshot(snapshot)
    return snapshot.url


@pytest.fixture
def sqlite_database_url(_sqlite_template: Path, tmp_path: Path) -> str:
    return _sqlite_copy(_sqlite_template, tmp_path)


@pytest.fixture
async def postgres_database_url(postgres_snapshot: _PostgresSnapshot) -> str:
    """The PostgreSQL variant alone (clean, like ``database_url``'s), for tests of what
    only PostgreSQL does (a standby waiting on its lock)."""
    await _restore_snapshot(postgres_snapshot)
    return postgres_snapshot.url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "empty.sqlite3")
        return
    base = make_url(postgres_base_url())
    url = base.set(database=f"{base.database}_empty")
    quoted = f'"{url.database}"'

    async def recreate(create: bool) -> None:
        maintenance = base.set(database="postgres")
        engine = _admin_engine(maintenance.render_as_string(hide_password=False))
        try:
            async with engine.connect() as conn:
                await conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
                if create:
                    await conn.execute(text(f"CREATE DATABASE {quoted}"))
        finally:
            await engine.dispose()

    run_in_new_loop(recreate(create=True))
    yield url.render_as_string(hide_password=False)
    run_in_new_loop(recreate(create=False))
