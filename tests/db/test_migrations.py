"""Every Alembic revision, on SQLite and PostgreSQL: up, down, up again; models match.

These tests cover every team's revisions: a feature migration that cannot be
downgraded, that leaves a type behind, that needs another feature's tables
without saying so, or that disagrees with `bot.models`, fails here.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, MetaData, String, insert, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import (
    alembic_config,
    create_engine,
    current_revisions,
    downgrade_schema,
    script_heads,
    upgrade_schema,
)
from bot.models import Base, User
from tests.conftest import _PostgresSnapshot, _restore_snapshot

MODEL_TABLES = set(Base.metadata.tables)


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


async def schema_objects(url: str) -> dict[str, set[str]]:
    """Tables, and on PostgreSQL also sequences and enum types, in the default schema."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
            objects = {"tables": tables}
            if conn.dialect.name == "postgresql":
                sequences = await conn.execute(
                    text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
                )
                types = await conn.execute(
                    text(
                        "SELECT t.typname FROM pg_type t JOIN pg_namespace n "
                        "ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'"
                    )
                )
                objects["sequences"] = set(sequences.scalars())
                objects["enum types"] = set(types.scalars())
            return objects
    finally:
        await engine.dispose()


async def assert_empty(url: str) -> None:
    objects = await schema_objects(url)
    assert objects.pop("tables") <= {"alembic_version"}
    assert all(not leftovers for leftovers in objects.values()), objects
    assert await current_revisions(url) == ()


async def test_every_migration_runs_up_down_and_up_again(empty_database_url: str) -> None:
    url = empty_database_url
    await assert_empty(url)

    for _ in range(2):
        await upgrade_schema(url)
        assert await current_revisions(url) == script_heads()
        assert (await schema_objects(url))["tables"] == MODEL_TABLES | {"alembic_version"}

        await downgrade_schema(url)
        await assert_empty(url)

    await upgrade_schema(url)
    assert await current_revisions(url) == script_heads()


async def test_each_branch_migrates_alone_one_step_at_a_time(empty_database_url: str) -> None:
    """A feature's revisions apply and revert with no other feature's branch present."""
    url = empty_database_url
    for head in script_heads():
        chain = [rev.revision for rev in scripts().iterate_revisions(head, "base")][::-1]
        for revision in chain:
            await upgrade_schema(url, revision)
            assert revision in await current_revisions(url)
        assert await current_revisions(url) == (head,)
        for _ in chain:
            await downgrade_schema(url, "-1")
        await assert_empty(url)


def test_revision_graph_is_one_tree_rooted_at_0001_initial() -> None:
    revisions = list(scripts().walk_revisions())
    bases = [rev.revision for rev in revisions if rev.down_revision is None]
    assert bases == ["0001_initial"]
    for rev in revisions:
        # alembic_version.version_num is VARCHAR(32) on PostgreSQL.
        assert len(rev.revision) <= 32, rev.revision
        assert Path(rev.path).stem == rev.revision, f"{rev.path} holds {rev.revision}"


async def schema_differences(engine: AsyncEngine, metadata: MetaData) -> list[Any]:
    """What `alembic revision --autogenerate` would write to turn the database into `metadata`."""

    def compare(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        return await conn.run_sync(compare)


async def test_models_match_the_migrated_schema(engine: AsyncEngine) -> None:
    assert await schema_differences(engine, Base.metadata) == []


async def test_the_comparison_sees_a_column_no_migration_created(engine: AsyncEngine) -> None:
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["users"].append_column(Column("nickname", String(40)))
    differences = await schema_differences(engine, drifted)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "users", "nickname")]


async def test_upgrading_a_current_schema_keeps_its_data(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(User),
                {
                    "id": 7,
                    "first_name": "Μαρία",
                    "first_seen": datetime(2025, 9, 1, tzinfo=UTC),
                    "last_seen": datetime(2025, 9, 1, tzinfo=UTC),
                    "blocked_bot": False,
                },
            )
        await upgrade_schema(database_url)
        async with engine.connect() as conn:
            names = (await conn.execute(text("SELECT first_name FROM users"))).scalars().all()
        assert names == ["Μαρία"]
    finally:
        await engine.dispose()
    assert await current_revisions(database_url) == script_heads()


# PostgreSQL only: the migration lock is an advisory lock.
@pytest.mark.postgres
@pytest.mark.parametrize("empty_database_url", ["postgresql"], indirect=True)
async def test_processes_starting_together_migrate_in_turn(empty_database_url: str) -> None:
    await asyncio.gather(*(upgrade_schema(empty_database_url) for _ in range(3)))
    assert await current_revisions(empty_database_url) == script_heads()


async def test_upgrade_creates_the_directory_of_a_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"
    await upgrade_schema(url)
    assert (tmp_path / "data" / "bot.sqlite3").is_file()
    assert await current_revisions(url) == script_heads()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_postgres_fixture_resets_rows_and_sequences(
    database_url: str, postgres_snapshot: _PostgresSnapshot
) -> None:
    """What every PostgreSQL test relies on: a reset undoes rows and sequence moves."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(User),
                {
                    "id": 1,
                    "first_name": "Νίκος",
                    "first_seen": datetime(2025, 9, 1, tzinfo=UTC),
                    "last_seen": datetime(2025, 9, 1, tzinfo=UTC),
                    "blocked_bot": False,
                },
            )
            for name, _value, _called in postgres_snapshot.sequences:
                await conn.execute(text("SELECT nextval(CAST(:n AS text))"), {"n": name})
        await _restore_snapshot(postgres_snapshot)
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM users")) == 0
            for name, value, called in postgres_snapshot.sequences:
                row = (await conn.execute(text(f"SELECT last_value, is_called FROM {name}"))).one()
                assert tuple(row) == (value, called), name
    finally:
        await engine.dispose()
