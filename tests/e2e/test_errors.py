"""When something fails: the user gets an apology, the administrators a notice, nothing crashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.emulator.sim import SimClient
from handlers.common import PRIVATE, keyboard, reply, send_text
from handlers.context import Context, KepliApp
from tests.e2e.conftest import ADMIN, ALICE, BOB, FAST_FAULT_RETRY_DELAYS, TOKEN, Launch, labels
from tests.e2e.test_start import stored_user

APOLOGY_EL = (
    "Λυπάμαι, κάτι πήγε στραβά από τη δική μου πλευρά. Δεν χάθηκε τίποτα από όσα "
    "καταχωρίσατε: δοκιμάστε ξανά ή στείλτε /cancel για να ξεκινήσετε από την αρχή."
)
APOLOGY_EN = (
    "Sorry, something went wrong on my side. Nothing you entered is lost: please try "
    "again, or send /cancel to start over."
)
ADMIN_GROUP = -1009000


async def boom(update: Update, context: Context) -> None:
    # What an unlucky library might put in an exception: the URL with the token.
    raise RuntimeError(f"request to https://api.telegram.org/bot{TOKEN}/sendMessage failed")


async def show_boom_button(update: Update, context: Context) -> None:
    await reply(update, context, "press", reply_markup=keyboard([[("boom", "test:boom")]]))


async def poke(update: Update, context: Context) -> None:
    """Send a message to another user (as notifications to colleagues will)."""
    assert context.args is not None
    delivered = await send_text(context, int(context.args[0]), "poke")
    await reply(update, context, "delivered" if delivered else "not delivered")


async def poke_raw(update: Update, context: Context) -> None:
    assert context.args is not None
    await context.bot.send_message(int(context.args[0]), "poke")


def failing_handlers(app: KepliApp) -> None:
    app.add_handlers(
        [
            CommandHandler("boom", boom, filters=PRIVATE),
            CommandHandler("boombutton", show_boom_button, filters=PRIVATE),
            CallbackQueryHandler(boom, pattern="^test:boom$"),
            CommandHandler("poke", poke, filters=PRIVATE),
            CommandHandler("pokeraw", poke_raw, filters=PRIVATE),
        ]
    )


async def test_a_failing_handler_gets_the_user_an_apology_and_admins_a_notice(
    launch: Launch,
) -> None:
    bot = await launch(register=failing_handlers, settings={"admin_ids": [ADMIN.id]})
    await bot.send(ADMIN, "/start")  # the administrator has a chat with the bot
    [apology] = await bot.send(ALICE, "/boom")
    assert apology["text"] == APOLOGY_EL
    [notice] = await bot.bot_messages(ADMIN.id, after=2)
    assert notice["text"].startswith("⚠️ keplibot: σφάλμα κατά την επεξεργασία μιας ενημέρωσης")
    assert f"command /boom, from user {ALICE.id}" in notice["text"]
    assert "Σφάλμα: RuntimeError: request to https://api.telegram.org/bot" in notice["text"]
    # The token, and its secret half alone, never leave the process.
    assert TOKEN not in notice["text"]
    assert TOKEN.split(":")[1] not in notice["text"]
    # The bot goes on working.
    [menu] = await bot.send(ALICE, "/start")
    assert menu["text"].startswith("Γεια σας, Αλίκη!")


async def test_the_admin_chat_gets_the_notice_in_the_default_language(
    launch: Launch, sim: SimClient
) -> None:
    bot = await launch(register=failing_handlers, settings={"admin_chat_id": ADMIN_GROUP})
    await sim.add_to_group(ADMIN, ADMIN_GROUP, "Διαχείριση keplibot", status="creator")
    await bot.idle()
    [apology] = await bot.send(BOB, "/boom")
    assert apology["text"] == APOLOGY_EN
    notices = [m for m in await bot.bot_messages(ADMIN_GROUP) if "⚠️" in m["text"]]
    assert len(notices) == 1
    assert "Οι λεπτομέρειες είναι στο αρχείο καταγραφής." in notices[0]["text"]


async def test_the_same_error_is_reported_once_in_five_minutes(
    launch: Launch, sim: SimClient
) -> None:
    now = [datetime(2026, 9, 1, 9, 0, tzinfo=UTC)]
    bot = await launch(
        register=failing_handlers,
        settings={"admin_chat_id": ADMIN_GROUP},
        clock=lambda: now[0],
    )
    await sim.add_to_group(ADMIN, ADMIN_GROUP, "Admins", status="creator")
    await bot.idle()

    async def notices() -> int:
        return sum("⚠️" in m["text"] for m in await bot.bot_messages(ADMIN_GROUP))

    await bot.send(ALICE, "/boom")
    await bot.send(ALICE, "/boom")
    assert await notices() == 1
    now[0] += timedelta(minutes=6)
    [apology] = await bot.send(ALICE, "/boom")
    assert apology["text"] == APOLOGY_EL  # every time, to the user
    assert await notices() == 2


async def test_a_failing_button_stops_the_spinner_and_apologises(launch: Launch) -> None:
    bot = await launch(register=failing_handlers)
    [message] = await bot.send(BOB, "/boombutton")
    pressed = await bot.press(BOB, message, "test:boom")
    assert pressed.answer is not None
    assert [m["text"] for m in pressed.new] == [APOLOGY_EN]
    assert labels(pressed.message) == ["boom"]  # the message itself is left alone


async def test_a_telegram_failure_while_replying_is_survived(
    launch: Launch, sim: SimClient
) -> None:
    bot = await launch()
    # One more failure than the rate limiter retries (as many as bot.ratelimit's).
    await sim.inject_fault("sendMessage", "5xx", count=len(FAST_FAULT_RETRY_DELAYS) + 1)
    [apology] = await bot.send(ALICE, "/start")  # the greeting was lost on the way
    assert apology["text"] == APOLOGY_EL
    [menu] = await bot.send(ALICE, "/start")
    assert menu["text"].startswith("Γεια σας, Αλίκη!")


async def test_a_reply_telegram_did_not_answer_is_sent_again_once(
    launch: Launch, sim: SimClient
) -> None:
    bot = await launch()
    await sim.inject_fault("sendMessage", "5xx")
    await sim.inject_fault("sendMessage", "reset")
    [menu] = await bot.send(ALICE, "/start")
    assert menu["text"].startswith("Γεια σας, Αλίκη!")
    transcript = await sim.messages(ALICE.id)
    assert sum(m["text"].startswith("Γεια σας") for m in transcript) == 1


async def test_a_blocked_recipient_is_marked_and_the_sender_told(
    launch: Launch, sim: SimClient
) -> None:
    bot = await launch(register=failing_handlers, settings={"admin_ids": [ADMIN.id]})
    await bot.send(ADMIN, "/start")
    await bot.send(ALICE, "/start")
    await sim.block(ALICE.id)
    await bot.idle()
    [answer] = await bot.send(BOB, f"/poke {ALICE.id}")
    assert answer["text"] == "not delivered"
    user = await stored_user(bot.database_url, ALICE.id)
    assert user is not None
    assert user.blocked_bot is True


async def test_an_unhandled_forbidden_is_not_reported_as_a_fault(
    launch: Launch, sim: SimClient
) -> None:
    bot = await launch(register=failing_handlers, settings={"admin_ids": [ADMIN.id]})
    admin_start = await bot.send(ADMIN, "/start")
    await bot.send(ALICE, "/start")
    await sim.block(ALICE.id)
    await bot.idle()
    [apology] = await bot.send(BOB, f"/pokeraw {ALICE.id}")
    assert apology["text"] == APOLOGY_EN  # Bob's request did fail
    assert await bot.bot_messages(ADMIN.id, after=admin_start[-1]["message_id"]) == []
    bob = await stored_user(bot.database_url, BOB.id)
    assert bob is not None
    assert bob.blocked_bot is False  # the Forbidden was not about Bob
