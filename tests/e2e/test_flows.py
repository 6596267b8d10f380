"""Multi-step flows (`handlers.common.flow`): they survive a restart and /cancel leaves them.

The flow here is test-only, built the way feature flows are: `flow(...)` gives a
named, persistent ConversationHandler with the shared cancel fallbacks.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from handlers.common import PRIVATE, cancel_button, reply
from handlers.context import Context, KepliApp
from handlers.flows import flow
from tests.e2e.conftest import ALICE, BOB, Launch, data_of, labels
from tests.e2e.test_start import ENGLISH_MENU, GREEK_MENU, in_order

NAME, SCHOOL = range(2)
TEXT = filters.TEXT & ~filters.COMMAND


async def ask_name(update: Update, context: Context) -> int:
    markup = InlineKeyboardMarkup([[cancel_button(context.tr)]])
    await reply(update, context, "Your name?", reply_markup=markup)
    return NAME


async def got_name(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    assert context.user_data is not None
    context.user_data["name"] = update.effective_message.text
    await reply(update, context, "Your school?")
    return SCHOOL


async def got_school(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    assert context.user_data is not None
    name = context.user_data.pop("name")
    await reply(update, context, f"Thanks, {name} from {update.effective_message.text}.")
    return ConversationHandler.END


def survey(app: KepliApp) -> None:
    app.add_handler(
        flow(
            "test_survey",
            entry_points=[CommandHandler("survey", ask_name, filters=PRIVATE)],
            states={
                NAME: [MessageHandler(PRIVATE & TEXT, got_name)],
                SCHOOL: [MessageHandler(PRIVATE & TEXT, got_school)],
            },
        )
    )


async def test_a_half_finished_flow_survives_a_restart(launch: Launch) -> None:
    bot = await launch(register=survey)
    assert [m["text"] for m in await bot.send(ALICE, "/survey")] == ["Your name?"]
    assert [m["text"] for m in await bot.send(ALICE, "Αλίκη")] == ["Your school?"]

    await bot.restart()  # a new Application on the same database

    [thanks] = await bot.send(ALICE, "1ο ΓΕΛ Ηρακλείου")
    assert thanks["text"] == "Thanks, Αλίκη from 1ο ΓΕΛ Ηρακλείου."
    # The flow is over: plain text is no longer an answer (it is an FAQ question).
    [after] = await bot.send(ALICE, "κάτι")
    assert after["text"].startswith("Λυπάμαι, δεν βρήκα απάντηση σε αυτό.")


async def test_flows_of_different_users_do_not_mix(launch: Launch) -> None:
    bot = await launch(register=survey)
    await bot.send(ALICE, "/survey")
    await bot.send(BOB, "/survey")
    await bot.send(ALICE, "Αλίκη")
    await bot.send(BOB, "Bob")
    [bob] = await bot.send(BOB, "2nd Lyceum")
    [alice] = await bot.send(ALICE, "1ο ΓΕΛ")
    assert bob["text"] == "Thanks, Bob from 2nd Lyceum."
    assert alice["text"] == "Thanks, Αλίκη from 1ο ΓΕΛ."


async def test_cancel_leaves_the_flow_and_shows_the_menu(launch: Launch) -> None:
    bot = await launch(register=survey)
    await bot.send(ALICE, "/survey")
    [cancelled] = await bot.send(ALICE, "/cancel")
    assert cancelled["text"].startswith("Ακυρώθηκε. Επιστρέψατε στο κύριο μενού.")
    assert in_order(GREEK_MENU, labels(cancelled))
    [after] = await bot.send(ALICE, "Αλίκη")  # no longer an answer: an FAQ question
    assert after["text"].startswith("Λυπάμαι, δεν βρήκα απάντηση σε αυτό.")


async def test_the_cancel_button_leaves_the_flow_and_is_stale_afterwards(
    launch: Launch,
) -> None:
    bot = await launch(register=survey)
    [question] = await bot.send(BOB, "/survey")
    assert labels(question) == ["✖ Cancel"]
    pressed = await bot.press(BOB, question, data_of(question, "Cancel"))
    assert pressed.message["text"].startswith("Cancelled. You are back at the main menu.")
    assert in_order(ENGLISH_MENU, labels(pressed.message))

    [question] = await bot.send(BOB, "/survey")
    await bot.send(BOB, "/cancel")
    again = await bot.press(BOB, question, data_of(question, "Cancel"))
    assert again.answer is not None
    assert again.answer["text"] == "There is nothing to cancel right now."
    assert again.new == []


async def test_start_in_the_middle_of_a_flow_starts_afresh(launch: Launch) -> None:
    bot = await launch(register=survey)
    await bot.send(ALICE, "/survey")
    [greeting] = await bot.send(ALICE, "/start")
    assert greeting["text"].startswith("Γεια σας, Αλίκη!")
    [again] = await bot.send(ALICE, "/survey")  # a new flow, from its first question
    assert again["text"] == "Your name?"
