"""python-telegram-bot persistence in the application's own database, as JSON.

`SQLAlchemyPersistence` keeps PTB's ``user_data``, ``chat_data``, ``bot_data``,
the callback-data cache and the states of named, persistent
``ConversationHandler``s in the tables of migration ``0001_initial``
(`bot.models`: ``persistence_*``), so a half-finished conversation survives a
restart::

    persistence = SQLAlchemyPersistence(engine)
    app = Application.builder().token(...).persistence(persistence).build()

What can be stored (JSON, never pickle, so that a stored row is readable and
no code runs when it is loaded):

* ``user_data`` / ``chat_data`` / ``bot_data``: dicts whose keys are ``str``
  and whose values are ``str``, ``int``, ``float`` (finite), ``bool``,
  ``None``, lists and dicts of the same. A tuple, a set, a ``datetime`` or an
  object is refused with a ``TypeError`` naming the offending path (PTB hands
  it to the error handlers), rather than coming back changed after a restart.
* conversation states: ``int`` or ``str`` (an ``IntEnum``/``StrEnum`` comes
  back as its plain value, which PTB matches to the same state).
* arbitrary callback data: JSON values as above.

Timing: the Application calls ``update_*`` every ``update_interval`` seconds
(1 s by default) and when it stops; each call writes to the database at once,
in its own transaction, so a crash loses at most the last interval. Unchanged
data is not written again. ``refresh_*`` do nothing: the running Application
holds the live data and the database is its durable copy.

Several processes on one database (webhook workers, `bot.workers`): each update
is processed under its chat's lock, after `load_entries` has read that chat's and
user's rows (and conversation states) again, and the changes are written before
the lock is released. `owner` then says which ids this process may write: a
write for a user or chat whose lock it does not hold (a job touching a stale copy
in memory) is skipped, so it can never overwrite another worker's newer data.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from sqlalchemy import delete, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.db import session_factory
from bot.models import (
    Base,
    PersistedBotData,
    PersistedChatData,
    PersistedConversation,
    PersistedUserData,
    utcnow,
)

log = logging.getLogger(__name__)

Data = dict[Any, Any]

_MISSING: Any = object()


def entity_lock_key(entity_id: int) -> int:
    """The PostgreSQL advisory lock key (signed 64 bits) of a chat or user id, shared by
    the workers (`bot.workers`) and the persistence's merged writes."""
    digest = hashlib.blake2b(f"keplibot:chat:{entity_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


BOT_DATA = "bot_data"
CALLBACK_DATA = "callback_data"


def check_json(value: object, where: str) -> None:
    """Raise TypeError, naming the path, unless `value` survives a JSON round trip unchanged."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{where}: {value!r} cannot be stored as JSON")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"{where}: key {key!r} is a {type(key).__name__}; JSON keys must be str"
                )
            check_json(item, f"{where}[{key!r}]")
        return
    raise TypeError(
        f"{where}: a {type(value).__name__} cannot be stored as JSON "
        "(use str, int, float, bool, None, lists and dicts with str keys)"
    )


def encode(value: object, where: str) -> str:
    """Canonical JSON text of `value` (checked with `check_json`)."""
    check_json(value, where)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def encode_conversation_key(key: ConversationKey) -> str:
    for part in key:
        if isinstance(part, bool) or not isinstance(part, int | str):
            raise TypeError(f"conversation key {key!r}: parts must be int or str")
    return json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))


def decode_conversation_key(text: str) -> ConversationKey:
    return tuple(json.loads(text))


class SQLAlchemyPersistence(BasePersistence[Data, Data, Data]):
    """PTB persistence on SQLAlchemy (async), in the application's database, as JSON.

    Args:
        database: the application's ``AsyncEngine`` or ``async_sessionmaker``; the
            schema must be migrated (``bot.db.upgrade_schema``) before the
            Application is initialised. The caller owns and disposes the engine.
        update_interval: seconds between the Application's persistence runs.
        store_data: which kinds of data to keep; e.g. ``PersistenceInput(bot_data=False)``
            when ``bot_data`` holds live objects.
    """

    def __init__(
        self,
        database: AsyncEngine | async_sessionmaker[AsyncSession],
        *,
        update_interval: float = 1.0,
        store_data: PersistenceInput | None = None,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self._sessions = (
            database if isinstance(database, async_sessionmaker) else session_factory(database)
        )
        # The JSON last written (or read) for each row, so that the periodic run does
        # not rewrite data that has not changed.
        self._written: dict[tuple[str, str], str] = {}
        # SQLite has one writer at a time: queueing our writes here is cheaper than its
        # busy wait. PostgreSQL takes them in parallel.
        bind = database if isinstance(database, AsyncEngine) else database.kw.get("bind")
        self._serialise_writes = not isinstance(bind, AsyncEngine) or bind.dialect.name == "sqlite"
        self._write_lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        # With several workers (bot.workers): whether this process holds the lock of a
        # user or chat id, so may write its rows. None: one process, every write goes.
        self.owner: Callable[[int], bool] | None = None

    def _on_postgres(self) -> bool:
        bind = self._sessions.kw.get("bind")
        return isinstance(bind, AsyncEngine) and bind.dialect.name == "postgresql"

    def _may_write(self, *ids: object) -> bool:
        if self.owner is None:
            return True
        if any(isinstance(i, int) and self.owner(i) for i in ids):
            return True
        log.debug("not written: %s is another worker's (no lock held here)", ids)
        return False

    def _writing(self) -> AbstractAsyncContextManager[object]:
        if not self._serialise_writes:
            return nullcontext()
        # One lock per event loop: tests (and `asyncio.run` callers) may use this object
        # from more than one loop, and an asyncio.Lock belongs to one.
        loop = asyncio.get_running_loop()
        if self._write_lock is None or self._lock_loop is not loop:
            self._write_lock, self._lock_loop = asyncio.Lock(), loop
        return self._write_lock

    # --- storage ----------------------------------------------------------------

    async def _upsert(self, model: type[Base], values: Mapping[str, Any]) -> None:
        keys = [column.name for column in inspect(model).primary_key]
        async with self._writing(), self._sessions() as session:
            dialect = session.get_bind().dialect.name
            if dialect in ("postgresql", "sqlite"):
                insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
                statement = insert(model).values(**values)
                statement = statement.on_conflict_do_update(
                    index_elements=keys,
                    set_={name: statement.excluded[name] for name in values if name not in keys},
                )
                await session.execute(statement)
            else:
                await session.merge(model(**values))
            await session.commit()

    async def _delete(self, model: type[Base], **where: Any) -> None:
        condition = [getattr(model, name) == value for name, value in where.items()]
        async with self._writing(), self._sessions() as session:
            await session.execute(delete(model).where(*condition))
            await session.commit()

    async def _store_document(
        self, model: type[Base], id_column: str, row_id: int | str, data: Any, where: str
    ) -> None:
        cache_key = (model.__tablename__, str(row_id))
        text = encode(data, where)
        if self._written.get(cache_key) == text:
            return
        if data == {} and model is not PersistedBotData:
            # An empty dict is what the Application starts every user and chat with:
            # no row needed (and none kept for every passer-by).
            await self._delete(model, **{id_column: row_id})
        else:
            await self._upsert(
                model, {id_column: row_id, "data": json.loads(text), "updated_at": utcnow()}
            )
        self._written[cache_key] = text

    async def _merge_document(
        self,
        model: type[PersistedUserData] | type[PersistedChatData],
        id_column: str,
        row_id: int,
        data: Data,
    ) -> None:
        """Several workers: a change to the data of a user or chat whose lock another process
        may hold (a job changing this process's copy, which may be stale), merged key by key.

        A top-level key this process changed since it last read or wrote the row is applied
        to the stored data only if nobody else changed that key meanwhile; everything else
        stays as stored. Done under the id's lock, taken only if free at once: while the
        id's update is being handled elsewhere, the change is dropped (logged).
        """
        cache_key = (model.__tablename__, str(row_id))
        mine = json.loads(encode(data, f"{model.__tablename__}[{row_id}]"))
        base = json.loads(self._written.get(cache_key, "{}"))
        changed = {
            k for k in set(base) | set(mine) if base.get(k, _MISSING) != mine.get(k, _MISSING)
        }
        if not changed:
            return
        name = model.__tablename__
        if not self._on_postgres():  # several processes need PostgreSQL: not reached
            log.debug("%s[%s]: not this process's to write", name, row_id)
            return
        table = model.__table__
        async with self._writing(), self._sessions() as session:
            got = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": entity_lock_key(row_id)}
            )
            if not got:
                log.info("%s[%s] is in use elsewhere: a change to it dropped", name, row_id)
                return
            stored = await session.scalar(select(table.c.data).where(table.c[id_column] == row_id))
            theirs = dict(stored) if stored is not None else {}
            merged = dict(theirs)
            for key in changed:
                if theirs.get(key, _MISSING) != base.get(key, _MISSING):
                    log.info("%s[%s][%r] changed elsewhere: kept", name, row_id, key)
                elif key in mine:
                    merged[key] = mine[key]
                else:
                    merged.pop(key, None)
            if merged == theirs:
                await session.commit()
                return
            await session.execute(delete(model).where(table.c[id_column] == row_id))
            if merged:
                session.add(model(**{id_column: row_id, "data": merged, "updated_at": utcnow()}))
            await session.commit()
        self._written[cache_key] = encode(merged, name)

    async def _load_documents(
        self, model: type[PersistedUserData] | type[PersistedChatData], id_column: str
    ) -> dict[int, Data]:
        table = model.__table__
        async with self._sessions() as session:
            rows = (await session.execute(select(table.c[id_column], table.c.data))).all()
        loaded: dict[int, Data] = {}
        for row_id, data in rows:
            loaded[row_id] = dict(data)
            self._written[(model.__tablename__, str(row_id))] = encode(data, model.__tablename__)
        return loaded

    async def _load_bot_document(self, name: str) -> Any:
        async with self._sessions() as session:
            data = await session.scalar(
                select(PersistedBotData.data).where(PersistedBotData.name == name)
            )
        if data is not None:
            self._written[(PersistedBotData.__tablename__, name)] = encode(data, name)
        return data

    # --- user_data --------------------------------------------------------------

    async def get_user_data(self) -> dict[int, Data]:
        return await self._load_documents(PersistedUserData, "user_id")

    async def update_user_data(self, user_id: int, data: Data) -> None:
        if not self._may_write(user_id):
            await self._merge_document(PersistedUserData, "user_id", user_id, data)
            return
        await self._store_document(
            PersistedUserData, "user_id", user_id, data, f"user_data[{user_id}]"
        )

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """Nothing to do: the running Application holds the live user_data."""

    async def drop_user_data(self, user_id: int) -> None:
        if not self._may_write(user_id):
            return
        await self._delete(PersistedUserData, user_id=user_id)
        self._written.pop((PersistedUserData.__tablename__, str(user_id)), None)

    # --- chat_data --------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, Data]:
        return await self._load_documents(PersistedChatData, "chat_id")

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        if not self._may_write(chat_id):
            await self._merge_document(PersistedChatData, "chat_id", chat_id, data)
            return
        await self._store_document(
            PersistedChatData, "chat_id", chat_id, data, f"chat_data[{chat_id}]"
        )

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        """Nothing to do: the running Application holds the live chat_data."""

    async def drop_chat_data(self, chat_id: int) -> None:
        if not self._may_write(chat_id):
            return
        await self._delete(PersistedChatData, chat_id=chat_id)
        self._written.pop((PersistedChatData.__tablename__, str(chat_id)), None)

    # --- bot_data ---------------------------------------------------------------

    async def get_bot_data(self) -> Data:
        data = await self._load_bot_document(BOT_DATA)
        return dict(data) if data is not None else {}

    async def update_bot_data(self, data: Data) -> None:
        await self._store_document(PersistedBotData, "name", BOT_DATA, data, BOT_DATA)

    async def refresh_bot_data(self, bot_data: Data) -> None:
        """Nothing to do: the running Application holds the live bot_data."""

    # --- callback data (arbitrary_callback_data) --------------------------------

    async def get_callback_data(self) -> CDCData | None:
        data = await self._load_bot_document(CALLBACK_DATA)
        if data is None:
            return None
        buttons, messages = data
        return (
            [(str(uuid), float(stamp), dict(payload)) for uuid, stamp, payload in buttons],
            {str(k): str(v) for k, v in messages.items()},
        )

    async def update_callback_data(self, data: CDCData) -> None:
        buttons, messages = data
        document = [[[uuid, stamp, payload] for uuid, stamp, payload in buttons], messages]
        await self._store_document(
            PersistedBotData, "name", CALLBACK_DATA, document, CALLBACK_DATA
        )

    # --- conversations ----------------------------------------------------------

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(PersistedConversation.key, PersistedConversation.state).where(
                        PersistedConversation.name == name
                    )
                )
            ).all()
        conversations: ConversationDict = {}
        for key_text, state in rows:
            conversations[decode_conversation_key(key_text)] = state
            self._written[(f"conversation:{name}", key_text)] = encode(state, name)
        return conversations

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        if not self._may_write(*key):
            return
        key_text = encode_conversation_key(key)
        cache_key = (f"conversation:{name}", key_text)
        if new_state is None:
            await self._delete(PersistedConversation, name=name, key=key_text)
            self._written.pop(cache_key, None)
            return
        text = encode(new_state, f"conversation {name!r} {key!r}")
        if self._written.get(cache_key) == text:
            return
        await self._upsert(
            PersistedConversation,
            {"name": name, "key": key_text, "state": new_state, "updated_at": utcnow()},
        )
        self._written[cache_key] = text

    # --- one chat's entries, read again (several workers) ----------------------

    async def load_entries(
        self,
        user_id: int | None,
        chat_id: int | None,
        conversations: Iterable[tuple[str, ConversationKey]],
    ) -> tuple[Data | None, Data | None, dict[tuple[str, ConversationKey], object | None]]:
        """The stored user_data, chat_data (None: no row) and conversation states of one
        update's user and chat, read in one transaction; what was read becomes what this
        process last wrote, so an unchanged entry is not written back."""
        slots = list(conversations)
        states: dict[tuple[str, ConversationKey], object | None] = {}
        user: Data | None = None
        chat: Data | None = None
        async with self._sessions() as session:
            if user_id is not None:
                user = await session.scalar(
                    select(PersistedUserData.data).where(PersistedUserData.user_id == user_id)
                )
            if chat_id is not None:
                chat = await session.scalar(
                    select(PersistedChatData.data).where(PersistedChatData.chat_id == chat_id)
                )
            by_text = {(name, encode_conversation_key(key)): (name, key) for name, key in slots}
            if by_text:
                rows = await session.execute(
                    select(
                        PersistedConversation.name,
                        PersistedConversation.key,
                        PersistedConversation.state,
                    ).where(PersistedConversation.key.in_({text for _, text in by_text}))
                )
                found = {(name, key): state for name, key, state in rows.all()}
            else:
                found = {}
        for (name, key_text), slot in by_text.items():
            state = found.get((name, key_text))
            states[slot] = state
            cache_key = (f"conversation:{name}", key_text)
            if state is None:
                self._written.pop(cache_key, None)
            else:
                self._written[cache_key] = encode(state, name)
        for model, row_id, data in (
            (PersistedUserData, user_id, user),
            (PersistedChatData, chat_id, chat),
        ):
            if row_id is None:
                continue
            cache_key = (model.__tablename__, str(row_id))
            # No row is what an empty dict is written as (see _store_document).
            self._written[cache_key] = encode(data if data is not None else {}, "loaded")
        return (
            dict(user) if user is not None else None,
            dict(chat) if chat is not None else None,
            states,
        )

    # --- shutdown ---------------------------------------------------------------

    async def flush(self) -> None:
        """Nothing is buffered (every update is written at once); the engine is the caller's."""
