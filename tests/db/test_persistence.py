"""SQLAlchemyPersistence on SQLite and PostgreSQL: what is stored comes back after a restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool
from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PersistenceInput,
    filters,
)
from telegram.request import BaseRequest, RequestData

from bot.db import create_engine
from bot.models import (
    PersistedBotData,
    PersistedChatData,
    PersistedConversation,
    PersistedUserData,
)
from bot.persistence import SQLAlchemyPersistence
from tests.conftest import run_in_new_loop

INTERVIEW = "points_interview"


@pytest.fixture
async def second_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Another engine on the same database: what a restarted process would open."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def test_a_new_persistence_sees_everything_the_old_one_stored(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    before = SQLAlchemyPersistence(engine)
    await before.update_user_data(1001, {"answers": {"α": 2, "note": "ΠΕ86"}, "step": 3})
    await before.update_user_data(1002, {"locale": "en", "ids": [1, 2.5, None, True]})
    await before.update_chat_data(-100500, {"topic": 17, "muted": False})
    await before.update_bot_data({"broadcast": {"sent": 12, "rate": 0.5}})
    await before.update_conversation(INTERVIEW, (1001, 1001), 4)
    await before.update_conversation(INTERVIEW, (1002, 1002), "ASK_SCHOOL")
    await before.update_conversation("fault_report", (1001, 1001), 1)
    await before.update_conversation("per_message", (-100500, 1001, "AgAAAB4"), 2)
    await before.update_callback_data(
        ([("4b8f", 1_760_000_000.5, {"0a": "pick:α", "0b": None})], {"42": "4b8f"})
    )
    # No flush(): a crash right now must lose nothing.

    after = SQLAlchemyPersistence(second_engine)
    assert await after.get_user_data() == {
        1001: {"answers": {"α": 2, "note": "ΠΕ86"}, "step": 3},
        1002: {"locale": "en", "ids": [1, 2.5, None, True]},
    }
    assert await after.get_chat_data() == {-100500: {"topic": 17, "muted": False}}
    assert await after.get_bot_data() == {"broadcast": {"sent": 12, "rate": 0.5}}
    assert await after.get_conversations(INTERVIEW) == {
        (1001, 1001): 4,
        (1002, 1002): "ASK_SCHOOL",
    }
    assert await after.get_conversations("fault_report") == {(1001, 1001): 1}
    assert await after.get_conversations("per_message") == {(-100500, 1001, "AgAAAB4"): 2}
    assert await after.get_callback_data() == (
        [("4b8f", 1_760_000_000.5, {"0a": "pick:α", "0b": None})],
        {"42": "4b8f"},
    )


async def test_an_empty_database_gives_empty_data(engine: AsyncEngine) -> None:
    persistence = SQLAlchemyPersistence(engine)
    assert await persistence.get_user_data() == {}
    assert await persistence.get_chat_data() == {}
    assert await persistence.get_bot_data() == {}
    assert await persistence.get_callback_data() is None
    assert await persistence.get_conversations(INTERVIEW) == {}


async def test_later_updates_replace_earlier_ones(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    persistence = SQLAlchemyPersistence(engine)
    await persistence.update_user_data(7, {"step": 1, "draft": "x"})
    await persistence.update_user_data(7, {"step": 2})
    await persistence.update_conversation(INTERVIEW, (7, 7), 1)
    await persistence.update_conversation(INTERVIEW, (7, 7), 2)
    await persistence.update_bot_data({"v": 1})
    await persistence.update_bot_data({"v": 2})

    restarted = SQLAlchemyPersistence(second_engine)
    assert await restarted.get_user_data() == {7: {"step": 2}}
    assert await restarted.get_conversations(INTERVIEW) == {(7, 7): 2}
    assert await restarted.get_bot_data() == {"v": 2}


async def test_an_ended_conversation_is_gone_after_a_restart(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    persistence = SQLAlchemyPersistence(engine)
    await persistence.update_conversation(INTERVIEW, (1, 1), 3)
    await persistence.update_conversation(INTERVIEW, (2, 2), 5)
    await persistence.update_conversation(INTERVIEW, (1, 1), None)

    assert await SQLAlchemyPersistence(second_engine).get_conversations(INTERVIEW) == {(2, 2): 5}


async def test_dropped_user_and_chat_data_are_deleted(
    engine: AsyncEngine, second_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    persistence = SQLAlchemyPersistence(engine)
    await persistence.update_user_data(1, {"a": 1})
    await persistence.update_user_data(2, {"b": 2})
    await persistence.update_chat_data(1, {"c": 3})
    await persistence.drop_user_data(1)
    await persistence.drop_chat_data(1)

    restarted = SQLAlchemyPersistence(second_engine)
    assert await restarted.get_user_data() == {2: {"b": 2}}
    assert await restarted.get_chat_data() == {}

    # Dropped, then the same data again: it must be written, not taken as unchanged.
    await persistence.update_user_data(1, {"a": 1})
    assert (await restarted.get_user_data())[1] == {"a": 1}


async def test_an_empty_dict_keeps_no_row(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    persistence = SQLAlchemyPersistence(engine)
    await persistence.update_user_data(5, {})  # every passer-by gets an empty user_data
    await persistence.update_chat_data(5, {"x": 1})
    await persistence.update_chat_data(5, {})  # emptied by a handler
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PersistedUserData)) == 0
        assert await session.scalar(select(func.count()).select_from(PersistedChatData)) == 0


async def test_unchanged_data_is_not_written_again(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    persistence = SQLAlchemyPersistence(engine)
    await persistence.update_user_data(9, {"step": 1})
    await persistence.update_conversation(INTERVIEW, (9, 9), 1)
    # Change the rows behind its back: only a write from the persistence would undo this.
    async with sessions() as session:
        await session.execute(update(PersistedUserData).values(data={"step": "elsewhere"}))
        await session.execute(update(PersistedConversation).values(state=99))
        await session.commit()

    await persistence.update_user_data(9, {"step": 1})  # the periodic run, nothing changed
    await persistence.update_conversation(INTERVIEW, (9, 9), 1)
    async with sessions() as session:
        assert await session.scalar(select(PersistedUserData.data)) == {"step": "elsewhere"}
        assert await session.scalar(select(PersistedConversation.state)) == 99

    await persistence.update_user_data(9, {"step": 2})
    async with sessions() as session:
        assert await session.scalar(select(PersistedUserData.data)) == {"step": 2}


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"when": datetime(2025, 9, 1, tzinfo=UTC)}, "user_data[3]['when']"),
        ({"pair": (1, 2)}, "user_data[3]['pair']"),
        ({"deep": [{"s": {1, 2}}]}, "user_data[3]['deep'][0]['s']"),
        ({4: "int key"}, "user_data[3]"),
        ({"x": float("nan")}, "user_data[3]['x']"),
    ],
)
async def test_data_that_json_would_change_is_refused_by_name(
    engine: AsyncEngine, data: dict[Any, Any], path: str
) -> None:
    persistence = SQLAlchemyPersistence(engine)
    await persistence.update_user_data(3, {"kept": True})
    with pytest.raises(TypeError) as raised:
        await persistence.update_user_data(3, data)
    assert str(raised.value).startswith(path + ":")
    assert await SQLAlchemyPersistence(engine).get_user_data() == {3: {"kept": True}}


async def test_a_conversation_state_must_be_json(engine: AsyncEngine) -> None:
    with pytest.raises(TypeError, match="points_interview"):
        await SQLAlchemyPersistence(engine).update_conversation(INTERVIEW, (1, 1), object())


async def test_rows_are_readable_json(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    persistence = SQLAlchemyPersistence(engine)
    await persistence.update_conversation(INTERVIEW, (-1001234, 42), "ASK_YEARS")
    await persistence.update_bot_data({"πλήθος": 3})
    async with sessions() as session:
        row = (await session.execute(select(PersistedConversation))).scalar_one()
        bot_row = (await session.execute(select(PersistedBotData))).scalar_one()
    assert (row.name, json.loads(row.key), row.state) == (
        INTERVIEW,
        [-1001234, 42],
        "ASK_YEARS",
    )
    assert (bot_row.name, bot_row.data) == ("bot_data", {"πλήθος": 3})
    assert row.updated_at.tzinfo is UTC


async def test_a_sessionmaker_works_as_well_as_an_engine(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    persistence = SQLAlchemyPersistence(sessions, update_interval=5)
    await persistence.update_user_data(11, {"k": "v"})
    assert await SQLAlchemyPersistence(sessions).get_user_data() == {11: {"k": "v"}}
    assert persistence.update_interval == 5


async def test_a_burst_of_concurrent_updates_all_land(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    """Application.update_persistence runs all of its writes at once (asyncio.gather)."""
    persistence = SQLAlchemyPersistence(engine)
    await asyncio.gather(
        *(persistence.update_user_data(uid, {"n": uid}) for uid in range(1, 41)),
        *(persistence.update_conversation(INTERVIEW, (uid, uid), uid % 3) for uid in range(1, 41)),
        persistence.update_bot_data({"runs": 1}),
    )
    restarted = SQLAlchemyPersistence(second_engine)
    assert await restarted.get_user_data() == {uid: {"n": uid} for uid in range(1, 41)}
    assert await restarted.get_conversations(INTERVIEW) == {
        (uid, uid): uid % 3 for uid in range(1, 41)
    }


def test_one_object_serves_one_event_loop_after_another(sqlite_database_url: str) -> None:
    engine = create_engine(sqlite_database_url, poolclass=NullPool)
    persistence = SQLAlchemyPersistence(engine)

    async def write(start: int) -> None:
        await asyncio.gather(
            *(persistence.update_user_data(uid, {"v": uid}) for uid in range(start, start + 5))
        )

    run_in_new_loop(write(1))
    run_in_new_loop(write(6))

    async def read() -> dict[int, Any]:
        try:
            return await SQLAlchemyPersistence(engine).get_user_data()
        finally:
            await engine.dispose()

    assert run_in_new_loop(read()) == {uid: {"v": uid} for uid in range(1, 11)}


# --- with a real python-telegram-bot Application ------------------------------------


class FakeTelegram(BaseRequest):
    """Answers getMe and sendMessage like the Bot API, and records what was sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result: dict[str, Any]
        if endpoint == "getMe":
            result = {"id": 999, "is_bot": True, "first_name": "keplibot", "username": "kb"}
        elif endpoint == "sendMessage":
            self.sent.append(str(params["text"]))
            result = {
                "message_id": len(self.sent),
                "date": 1_760_000_000,
                "chat": {"id": params["chat_id"], "type": "private"},
                "text": params["text"],
            }
        else:
            return 404, json.dumps({"ok": False, "error_code": 404}).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()


ASK_NAME, ASK_YEARS = range(2)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, "name?")
    return ASK_NAME


async def got_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.effective_chat is not None
    assert update.message is not None
    assert context.user_data is not None
    context.user_data["name"] = update.message.text
    await context.bot.send_message(update.effective_chat.id, "years?")
    return ASK_YEARS


async def got_years(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.effective_chat is not None
    assert update.message is not None
    assert context.user_data is not None
    text = f"{context.user_data['name']}: {update.message.text} years"
    await context.bot.send_message(update.effective_chat.id, text)
    return ConversationHandler.END


App = Application[Any, Any, Any, Any, Any, Any]


def build_app(engine: AsyncEngine, telegram: FakeTelegram) -> App:
    persistence = SQLAlchemyPersistence(engine, store_data=PersistenceInput(callback_data=False))
    app = (
        Application.builder()
        .token("123:TEST")
        .request(telegram)
        .get_updates_request(FakeTelegram())
        .updater(None)
        .persistence(persistence)
        .build()
    )
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                ASK_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_name)],
                ASK_YEARS: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_years)],
            },
            fallbacks=[],
            name=INTERVIEW,
            persistent=True,
        )
    )
    return app


def message(app: App, update_id: int, text: str) -> Update:
    """An update as Telegram would deliver it: Ελένη writes `text` in her private chat."""
    command = text.split()[0]
    entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    payload = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_760_000_000 + update_id,
            "chat": {"id": 4242, "type": "private", "first_name": "Ελένη"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Ελένη", "language_code": "el"},
            "text": text,
            "entities": entities if text.startswith("/") else [],
        },
    }
    update = Update.de_json(payload, app.bot)
    assert update is not None
    return update


async def test_a_conversation_continues_in_a_restarted_application(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    telegram = FakeTelegram()
    first = build_app(engine, telegram)
    async with first:
        await first.start()
        await first.process_update(message(first, 1, "/start"))
        await first.process_update(message(first, 2, "Ελένη Π."))
        await first.stop()

    second = build_app(second_engine, telegram)
    async with second:
        await second.start()
        await second.process_update(message(second, 3, "12"))
        await second.stop()

    assert telegram.sent == ["name?", "years?", "Ελένη Π.: 12 years"]
    # The conversation ended, so a third start finds nothing left over.
    assert await SQLAlchemyPersistence(second_engine).get_conversations(INTERVIEW) == {}
