"""The async engine, sessions and schema upgrades (SQLite by default, PostgreSQL in production).

The schema belongs to Alembic (`migrations/`). Feature revisions branch from
`0001_initial`, so the database may sit at several heads at once: upgrades go to
`heads`, a full downgrade to `base`. The application calls `upgrade_schema` at
every start (a no-op when the schema is current); `keplibot db upgrade` does the
same by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Any fixed 64-bit number: processes starting at the same time on one PostgreSQL
# database take turns to migrate instead of racing to create the same tables.
_MIGRATION_LOCK_KEY = 0x6B65706C69626F74  # "keplibot"


class DatabaseUnavailable(Exception):
    """The database of DATABASE_URL cannot be reached or used.

    The message is one line naming the database, its password hidden.
    """

    @classmethod
    def of(cls, url: str, exc: BaseException) -> DatabaseUnavailable:
        """The failure `exc` (a DBAPIError or OSError) of the database at `url`, in one line."""
        reason = getattr(exc, "orig", None) or exc
        first_line = (str(reason).strip().splitlines() or [""])[0]
        shown = make_url(url).render_as_string(hide_password=True)
        return cls(f"cannot use the database {shown}: {type(reason).__name__}: {first_line}")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout."""
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"timeout": 30})
    engine = _create_async_engine(url, pool_pre_ping=not is_sqlite(url), **kwargs)
    if is_sqlite(url):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Changes to staff, centres, schools and deadlines are audited by session events.
    from bot.services import audit, known

    audit.install()
    known.install()  # what the per-update path remembers is forgotten at each change
    return async_sessionmaker(engine, expire_on_commit=False)


# --- schema (Alembic) ---------------------------------------------------------


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for `migrations/` that needs no alembic.ini and no cwd."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # In attributes, not in sqlalchemy.url: that option is %-interpolated, and
        # a password may contain "%".
        config.attributes["url"] = url
    return config


def script_heads() -> tuple[str, ...]:
    """The head revisions of the migration scripts (the schema the code expects)."""
    return tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))


def _migration_engine(url: str) -> AsyncEngine:
    # Not create_engine(): SQLite must migrate with foreign keys OFF. Batch mode
    # rebuilds a table by dropping it, and with foreign keys on, that DROP would
    # run the ON DELETE CASCADE of every table that refers to it.
    connect_args: dict[str, Any] = {"timeout": 30} if is_sqlite(url) else {}
    return _create_async_engine(url, poolclass=NullPool, connect_args=connect_args)


def _ensure_sqlite_directory(url: str) -> None:
    database = make_url(url).database
    if is_sqlite(url) and database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


async def _run_alembic(url: str, action: Callable[[Config], None]) -> None:
    """Run a synchronous Alembic command on a connection of our own async engine.

    Alembic is synchronous; `run_sync` lends it the async connection, so this works
    inside a running event loop without a thread.
    """
    _ensure_sqlite_directory(url)
    engine = _migration_engine(url)

    def invoke(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        action(config)

    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # Held until commit; the whole upgrade is one transaction on PostgreSQL.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(invoke)
            if connection.dialect.name == "sqlite":
                problems = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if problems:
                    raise RuntimeError(f"migration left rows with broken foreign keys: {problems}")
            await connection.commit()
    finally:
        await engine.dispose()


async def upgrade_schema(url: str, revision: str = "heads") -> None:
    """Upgrade the database at `url` to `revision` (every head by default).

    Safe to call at every start: a current schema is left as it is.
    """
    await _run_alembic(url, lambda config: command.upgrade(config, revision))


async def check_writable(url: str) -> None:
    """Raise (a DBAPIError) unless the database at `url` accepts writes.

    A read-only SQLite file (or `mode=ro`), a full disk or a PostgreSQL in read-only
    mode lets a current schema be read, and the bot would then fail at its first
    write; this tries one (a no-op UPDATE of Alembic's row) and rolls it back.
    """
    engine = _migration_engine(url)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # SQLite skips an UPDATE that matches no row without writing anything;
                # creating a table must write (and fails on a read-only file).
                await connection.exec_driver_sql(
                    "CREATE TABLE IF NOT EXISTS keplibot_write_check (x INTEGER)"
                )
                await connection.exec_driver_sql("DROP TABLE keplibot_write_check")
            else:
                # PostgreSQL refuses any UPDATE in a read-only transaction, even of no row.
                await connection.execute(
                    text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0")
                )
            await connection.rollback()
    finally:
        await engine.dispose()


async def downgrade_schema(url: str, revision: str = "base") -> None:
    """Downgrade the database at `url` to `revision`; `base` drops every table."""
    await _run_alembic(url, lambda config: command.downgrade(config, revision))


async def current_revisions(url: str) -> tuple[str, ...]:
    """The revisions the database at `url` is at, sorted; empty for an unmigrated database."""
    _ensure_sqlite_directory(url)
    engine = _migration_engine(url)

    def read(connection: Connection) -> tuple[str, ...]:
        return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()
