"""What a teacher sees: /start, the menu, /help, /language, /cancel; and the bot in groups."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import create_engine, session_factory
from bot.emulator.sim import SimClient
from bot.i18n import N_
from bot.services import users
from handlers.context import KepliApp, MenuEntry
from tests.e2e.conftest import ALICE, BOB, HANS, BotHarness, Launch, data_of, labels

GREEK_MENU = [
    "🧮 Υπολογισμός μορίων",
    "❓ Συχνές ερωτήσεις",
    "🛠 Αναφορά βλάβης",
    "⏰ Υπενθυμίσεις",
    "🌐 Γλώσσα / Language",
]


def in_order(expected: list[str], seen: list[str]) -> bool:
    """`expected` appear in `seen` in this order (features may add entries in between)."""
    remaining = iter(seen)
    return all(any(label == item for item in remaining) for label in expected)


ENGLISH_MENU = [
    "🧮 Points calculation",
    "❓ Frequently asked questions",
    "🛠 Report a fault",
    "⏰ Reminders",
    "🌐 Language / Γλώσσα",
]


async def stored_user(database_url: str, user_id: int) -> users.User | None:
    engine = create_engine(database_url)
    try:
        sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        async with sessions() as session:
            return await users.get_user(session, user_id)
    finally:
        await engine.dispose()


async def test_start_greets_in_greek_and_shows_the_main_menu(bot: BotHarness) -> None:
    [reply] = await bot.send(ALICE, "/start")
    assert reply["text"].startswith("Γεια σας, Αλίκη! 👋")
    assert "Υ.Σ.Ε.Π.Ε.Η.Υ." in reply["text"]
    assert in_order(GREEK_MENU, labels(reply))


async def test_start_speaks_english_to_an_english_telegram(bot: BotHarness) -> None:
    [reply] = await bot.send(BOB, "/start")
    assert reply["text"].startswith("Hello, Bob! 👋")
    assert in_order(ENGLISH_MENU, labels(reply))


async def test_other_telegram_languages_get_the_default_greek(bot: BotHarness) -> None:
    [reply] = await bot.send(HANS, "/start")
    assert reply["text"].startswith("Γεια σας, Hans!")


async def test_start_records_the_user(bot: BotHarness) -> None:
    await bot.send(ALICE, "/start")
    user = await stored_user(bot.database_url, ALICE.id)
    assert user is not None
    assert (user.first_name, user.last_name, user.username) == ("Αλίκη", "Παπαδοπούλου", "alice_p")
    assert user.telegram_language == "el"
    assert user.locale is None  # no choice made yet


def library(app: KepliApp) -> None:
    """A menu entry whose feature is not built, as points/FAQ/... were at first."""
    app.bot_data.menu.add(MenuEntry("library", N_("School library"), order=50, icon="📚"))


async def test_a_menu_entry_not_built_yet_says_so_honestly(launch: Launch) -> None:
    bot = await launch(register=library)
    [menu] = await bot.send(BOB, "/start")
    assert "📚 School library" in labels(menu)
    pressed = await bot.press(BOB, menu, "menu:library")
    assert pressed.answer is not None  # the spinner stops
    assert pressed.message["text"] == (
        "«School library» is not available yet: it is coming soon.\n"
        "Meanwhile, choose something else from the menu."
    )
    assert labels(pressed.message) == ["« Main menu"]
    back = await bot.press(BOB, pressed.message, data_of(pressed.message, "Main menu"))
    assert in_order(ENGLISH_MENU, labels(back.message))
    assert back.new == []  # the same message turned back into the menu


async def test_coming_soon_in_greek(launch: Launch) -> None:
    bot = await launch(register=library)
    [menu] = await bot.send(ALICE, "/start")
    pressed = await bot.press(ALICE, menu, "menu:library")
    # Untranslated test label, translated sentence around it.
    assert pressed.message["text"].startswith(
        "Η λειτουργία «School library» δεν είναι ακόμη διαθέσιμη: έρχεται σύντομα."
    )
    assert labels(pressed.message) == ["« Κύριο μενού"]


async def test_help_lists_every_command_with_its_description(bot: BotHarness) -> None:
    [reply] = await bot.send(BOB, "/help")
    text = reply["text"]
    for line in [
        "/start — Greeting and the main menu",
        "/menu — Show the main menu",
        "/help — What I can do and how to use me",
        "/language — Speak Greek or English",
        "/cancel — Stop what you are doing",
    ]:
        assert line in text
    [greek] = await bot.send(ALICE, "/help")
    assert "/language — Ελληνικά ή αγγλικά" in greek["text"]


async def test_the_command_lists_are_published_in_greek_and_english(
    bot: BotHarness, sim: SimClient
) -> None:
    await bot.send(ALICE, "/start")
    await bot.send(BOB, "/start")
    greek = {c["command"]: c["description"] for c in await sim.commands(ALICE.id, ALICE)}
    english = {c["command"]: c["description"] for c in await sim.commands(BOB.id, BOB)}
    assert greek["language"] == "Ελληνικά ή αγγλικά"
    assert english["language"] == "Speak Greek or English"
    assert next(iter(greek)) == "start"
    assert in_order(["start", "menu", "help", "language", "cancel"], list(greek))


async def test_language_switch_is_stored_and_survives_a_restart(bot: BotHarness) -> None:
    [chooser] = await bot.send(ALICE, "/language")
    assert chooser["text"] == "Επιλέξτε σε ποια γλώσσα θα σας μιλάω:"
    assert labels(chooser) == ["✓ Ελληνικά", "English", "« Κύριο μενού"]
    pressed = await bot.press(ALICE, chooser, "lang:en")
    assert pressed.answer is not None
    assert pressed.answer["text"] == "English"
    assert pressed.message["text"].startswith(
        "Language: English. You can change it at any time with /language."
    )
    assert in_order(ENGLISH_MENU, labels(pressed.message))
    user = await stored_user(bot.database_url, ALICE.id)
    assert user is not None
    assert user.locale == "en"
    # Her Telegram app is Greek, yet her command menu now speaks English too.
    commands = {c["command"]: c["description"] for c in await bot.sim.commands(ALICE.id, ALICE)}
    assert commands["language"] == "Speak Greek or English"

    await bot.restart()
    [reply] = await bot.send(ALICE, "/start")  # her Telegram is still Greek
    assert reply["text"].startswith("Hello, Αλίκη!")


async def test_language_from_the_menu_and_back_to_greek(bot: BotHarness) -> None:
    [menu] = await bot.send(BOB, "/start")
    chooser = await bot.press(BOB, menu, "menu:language")
    assert chooser.message["text"] == "Choose the language I speak with you:"
    assert labels(chooser.message) == ["Ελληνικά", "✓ English", "« Main menu"]
    chosen = await bot.press(BOB, chooser.message, "lang:el")
    assert chosen.message["text"].startswith("Γλώσσα: Ελληνικά.")
    assert in_order(GREEK_MENU, labels(chosen.message))
    [help_text] = await bot.send(BOB, "/help")
    assert "Εντολές:" in help_text["text"]


async def test_cancel_outside_a_flow_says_there_is_nothing_to_cancel(bot: BotHarness) -> None:
    [reply] = await bot.send(ALICE, "/cancel")
    assert reply["text"].startswith("Δεν υπάρχει κάτι για ακύρωση αυτή τη στιγμή.")
    assert in_order(GREEK_MENU, labels(reply))


async def test_a_command_nobody_knows_gets_a_pointer_to_the_menu(bot: BotHarness) -> None:
    # Free text outside a flow is an FAQ question (tests/e2e/test_faq_chat.py).
    [unknown] = await bot.send(BOB, "/frobnicate")
    assert unknown["text"] == "I do not know that command. /help lists the ones I know."
    assert in_order(ENGLISH_MENU, labels(unknown))


GROUP = -1001234567890


async def test_the_bot_introduces_itself_when_added_to_a_group(
    bot: BotHarness, sim: SimClient
) -> None:
    await sim.add_to_group(ALICE, GROUP, "Καθηγητές ΠΕ86", status="creator")
    await bot.idle()
    [intro] = await bot.bot_messages(GROUP)
    assert intro["text"].startswith("Γεια σας! Είμαι το keplibot")
    assert "https://t.me/keplibot_bot?start=group" in intro["text"]


async def test_in_a_group_start_and_help_point_to_the_private_chat(
    bot: BotHarness, sim: SimClient
) -> None:
    await sim.add_to_group(BOB, GROUP, "Staff", status="creator")
    await bot.idle()
    [reply] = await bot.send(BOB, "/start", chat=GROUP)
    assert reply["text"].startswith("I talk with teachers in a private chat")
    assert reply["text"].endswith("https://t.me/keplibot_bot?start=group")
    assert labels(reply) == []
    [help_reply] = await bot.send(BOB, "/help@keplibot_bot", chat=GROUP)
    assert help_reply["text"].startswith("I talk with teachers in a private chat")


async def test_help_in_a_group_lists_only_the_commands_that_work_there(
    bot: BotHarness, sim: SimClient
) -> None:
    await sim.add_to_group(ALICE, GROUP, "Καθηγητές ΠΕ86", status="creator")
    await bot.idle()
    [reply] = await bot.send(ALICE, "/help", chat=GROUP)
    text = reply["text"]
    assert "https://t.me/keplibot_bot?start=group" in text
    assert "Εντολές σε αυτή την ομάδα:" in text
    listed = [line.split(" — ")[0] for line in text.splitlines() if line.startswith("/")]
    assert listed[0] == "/start"
    assert "/help" in listed
    assert "/help — Τι μπορώ να κάνω και πώς να με χρησιμοποιήσετε" in text
    # Private flows are not offered where they do not answer.
    assert not {"/language", "/cancel", "/menu"} & set(listed)
    assert labels(reply) == []


async def test_in_a_group_the_bot_ignores_chatter_and_private_commands(
    bot: BotHarness, sim: SimClient
) -> None:
    await sim.add_to_group(ALICE, GROUP, "Καθηγητές", status="creator")
    await bot.idle()
    assert await bot.send(ALICE, "Καλημέρα σε όλους!", chat=GROUP) == []
    assert await bot.send(ALICE, "/language", chat=GROUP) == []
    assert await bot.send(ALICE, "/cancel", chat=GROUP) == []
    # Chatting in a group does not enrol the member as a user.
    assert await stored_user(bot.database_url, ALICE.id) is None


async def test_blocking_and_unblocking_the_bot_is_recorded(
    bot: BotHarness, sim: SimClient
) -> None:
    await bot.send(ALICE, "/start")
    await sim.block(ALICE.id)
    await bot.idle()
    user = await stored_user(bot.database_url, ALICE.id)
    assert user is not None
    assert user.blocked_bot is True
    await sim.block(ALICE.id, blocked=False)
    await bot.idle()
    user = await stored_user(bot.database_url, ALICE.id)
    assert user is not None
    assert user.blocked_bot is False
