"""The send helpers against the strict emulator: long texts, unchanged edits, old messages."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers.common import PRIVATE, answer_query, edit_text, keyboard, reply
from handlers.context import Context, KepliApp
from tests.e2e.conftest import BOB, Launch, labels

LONG = "\n\n".join(f"Παράγραφος {n}: " + "λέξη " * 300 for n in range(1, 7))  # ~11,000


async def long_answer(update: Update, context: Context) -> None:
    await reply(update, context, LONG, reply_markup=keyboard([[("OK", "test:same")]]))


async def edit_same(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    assert isinstance(query.message, Message)
    await answer_query(query, "done")
    # The same text and buttons again: Telegram answers "message is not modified".
    await edit_text(
        context, query, query.message.text or "", reply_markup=keyboard([[("OK", "test:same")]])
    )


async def edit_long(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    await edit_text(context, query, LONG, reply_markup=keyboard([[("again", "test:same")]]))


async def short_answer(update: Update, context: Context) -> None:
    markup = keyboard([[("same", "test:same"), ("long", "test:long")]])
    await reply(update, context, "short", reply_markup=markup)


def sending_handlers(app: KepliApp) -> None:
    app.add_handlers(
        [
            CommandHandler("long", long_answer, filters=PRIVATE),
            CommandHandler("short", short_answer, filters=PRIVATE),
            CallbackQueryHandler(edit_same, pattern="^test:same$"),
            CallbackQueryHandler(edit_long, pattern="^test:long$"),
        ]
    )


def words(text: str) -> list[str]:
    return text.split()


async def test_a_text_over_4096_characters_arrives_in_parts_with_the_buttons_last(
    launch: Launch,
) -> None:
    bot = await launch(register=sending_handlers)
    parts = await bot.send(BOB, "/long")
    assert len(parts) == 3
    assert all(len(p["text"]) <= 4096 for p in parts)
    assert words(" ".join(p["text"] for p in parts)) == words(LONG)
    assert [labels(p) for p in parts] == [[], [], ["OK"]]
    assert parts[1]["text"].startswith("Παράγραφος")  # cut between paragraphs


async def test_an_edit_that_changes_nothing_is_not_an_error(launch: Launch) -> None:
    bot = await launch(register=sending_handlers)
    [message] = await bot.send(BOB, "/short")
    pressed = await bot.press(BOB, message, "test:same")
    assert pressed.answer is not None
    assert pressed.answer["text"] == "done"
    assert pressed.new == []  # no apology
    assert pressed.message["text"] == "short"


async def test_an_edit_over_4096_characters_continues_in_new_messages(launch: Launch) -> None:
    bot = await launch(register=sending_handlers)
    [message] = await bot.send(BOB, "/short")
    pressed = await bot.press(BOB, message, "test:long")
    texts = [pressed.message["text"], *(m["text"] for m in pressed.new)]
    assert words(" ".join(texts)) == words(LONG)
    assert labels(pressed.message) == []
    assert labels(pressed.new[-1]) == ["again"]
