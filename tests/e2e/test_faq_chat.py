"""The FAQ in chat, as teachers see it: the topics menu, typed questions, buttons, votes.

Greek and English; questions typed without accents, in Greeklish and in English;
"Did you mean" and its buttons; no answer (fault report, contacts, kept for the
staff); 👍/👎 stored and shown by `keplibot faq stats`; text inside flows left to
the flows; groups only when asked.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.cli import main
from bot.db import create_engine, session_factory
from bot.emulator.sim import SimClient, SimUser
from bot.models import FaqFeedback, FaqView
from bot.services.faq import log as faq_log
from bot.services.faq.log import Miss, MissKind
from handlers.common import PRIVATE, keyboard, reply
from handlers.context import Context, KepliApp
from handlers.flows import flow
from tests.e2e.conftest import ALICE, BOB, BotHarness, Launch, data_of, labels
from tests.e2e.helpdesk_e2e import png
from tests.e2e.test_flows import survey

JSON = dict[str, Any]

CONTACTS = {
    "centre_name": "ΚΕ.ΠΛΗ.ΝΕ.Τ. Ηρακλείου",
    "centre_phone": "2810 000000",
    "centre_email": "keplinet@example.org",
}
GROUP = -1001234500000


async def stored_misses(database_url: str) -> list[Miss]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await faq_log.list_misses(session)
    finally:
        await engine.dispose()


async def stored_votes(database_url: str) -> list[tuple[str, bool, int | None]]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(select(FaqFeedback).order_by(FaqFeedback.id))
            return [(row.entry_id, row.helpful, row.user_id) for row in rows]
    finally:
        await engine.dispose()


async def stored_views(bot: BotHarness) -> list[tuple[str, str]]:
    """The answers shown, once the running bot has written those it counted (`ViewLog`)."""
    if bot.app is not None and bot.app.bot_data.runtime.faq_views is not None:
        await bot.app.bot_data.runtime.faq_views.flush()
    engine = create_engine(bot.database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(select(FaqView).order_by(FaqView.id))
            return [(row.entry_id, row.source) for row in rows]
    finally:
        await engine.dispose()


async def open_faq_menu(bot: BotHarness, user: SimUser) -> JSON:
    [menu] = await bot.send(user, "/start")
    pressed = await bot.press(user, menu, "menu:faq")
    assert pressed.new == []  # the menu message itself becomes the topics
    return pressed.message


# --- the menu ---------------------------------------------------------------------------------


async def test_greek_menu_topic_question_answer_and_back(bot: BotHarness) -> None:
    topics = await open_faq_menu(bot, ALICE)
    assert topics["text"] == (
        "❓ Συχνές ερωτήσεις\nΕπιλέξτε θέμα ή απλώς γράψτε την ερώτησή σας με δικά σας λόγια."
    )
    assert labels(topics) == [
        "ΚΕ.ΠΛΗ.ΝΕ.Τ.",
        "Υπεύθυνος εργαστηρίου",
        "Μόρια υπευθύνου εργαστηρίου",
        "Το bot",
        "« Κύριο μενού",
    ]

    topic = (await bot.press(ALICE, topics, data_of(topics, "Μόρια υπευθύνου"))).message
    assert topic["text"] == "Μόρια υπευθύνου εργαστηρίου\nΕπιλέξτε ερώτηση:"
    assert labels(topic)[:3] == [
        "Κριτήρια και μόρια",
        "Μέγιστα μόρια",
        "Ισοβαθμία υποψηφίων",
    ]
    assert labels(topic)[-2:] == ["« Θέματα", "« Κύριο μενού"]

    answer = (await bot.press(ALICE, topic, data_of(topic, "Κριτήρια και μόρια"))).message
    assert answer["text"].startswith(
        "Με ποια κριτήρια και πόσα μόρια επιλέγεται ο/η Υ.Σ.Ε.Π.Ε.Η.Υ.;\n\n"
    )
    assert answer["text"].endswith("Σας βοήθησε αυτή η απάντηση;")
    assert labels(answer) == [
        "↪ Δικαιολογητικά για τα μόρια",
        "↪ Διδακτορικό, μεταπτυχιακό, πτυχίο",
        "↪ Μέγιστα μόρια",
        "🧮 Υπολογισμός μορίων",
        "👍 Ναι",
        "👎 Όχι",
        "« Μόρια υπευθύνου εργαστηρίου",
        "« Κύριο μενού",
    ]
    # The question is in bold (HTML), the rest is the content's own formatting.
    question = answer["text"].split("\n")[0]
    bold = {"type": "bold", "offset": 0, "length": len(question.encode("utf-16-le")) // 2}
    assert bold in answer["entities"]

    back = (await bot.press(ALICE, answer, data_of(answer, "« Μόρια υπευθύνου"))).message
    assert back["text"] == topic["text"]
    topics_again = (await bot.press(ALICE, back, data_of(back, "« Θέματα"))).message
    assert labels(topics_again) == labels(topics)
    assert await stored_views(bot) == [("ysepehy-criteria", "menu")]


async def test_english_menu_topic_question_answer(bot: BotHarness) -> None:
    topics = await open_faq_menu(bot, BOB)
    assert topics["text"].startswith("❓ Frequently asked questions\nChoose a topic")
    assert labels(topics) == [
        "ΚΕ.ΠΛΗ.ΝΕ.Τ. support centres",
        "Lab manager",
        "Lab manager points",
        "This bot",
        "« Main menu",
    ]
    topic = (await bot.press(BOB, topics, data_of(topics, "ΚΕ.ΠΛΗ.ΝΕ.Τ. support"))).message
    answer = (await bot.press(BOB, topic, data_of(topic, "How to ask for support"))).message
    assert answer["text"].startswith("How do I ask the ΚΕ.ΠΛΗ.ΝΕ.Τ. for help or support?\n\n")
    assert answer["text"].endswith("Was this helpful?")
    assert labels(answer) == [
        "↪ Reporting a fault in the bot",
        "↪ What the support covers",
        "↪ Repairs and maintenance",
        "🛠 Report a fault",
        "👍 Yes",
        "👎 No",
        "« ΚΕ.ΠΛΗ.ΝΕ.Τ. support centres",
        "« Main menu",
    ]


async def test_the_action_button_starts_what_the_main_menu_starts(bot: BotHarness) -> None:
    [menu] = await bot.send(ALICE, "/start")
    from_menu = await bot.press(ALICE, menu, "menu:report")
    await bot.send(ALICE, "/cancel")

    [answer] = await bot.send(ALICE, "πως ζηταω βοηθεια απο το κεπληνετ")
    assert data_of(answer, "🛠 Αναφορά βλάβης") == "menu:report"
    from_faq = await bot.press(ALICE, answer, "menu:report")
    assert from_faq.message["text"] == from_menu.message["text"]
    assert labels(from_faq.message) == labels(from_menu.message)


async def test_a_related_question_comes_as_a_new_message(bot: BotHarness) -> None:
    [answer] = await bot.send(BOB, "how do I ask the keplinet for help")
    pressed = await bot.press(BOB, answer, data_of(answer, "What the support covers"))
    assert pressed.message["text"] == answer["text"]  # the first answer stays
    [related] = pressed.new
    assert related["text"].startswith(
        "What matters and which units does the ΚΕ.ΠΛΗ.ΝΕ.Τ. support?"
    )
    assert "👍 Yes" in labels(related)
    assert await stored_views(bot) == [
        ("support-request", "search"),
        ("support-scope", "related"),
    ]


# --- typed questions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "question", "expected"),
    [
        # Greek without accents, Greeklish, English: a Greek teacher gets Greek.
        (ALICE, "πως ζηταω βοηθεια απο το κεπληνετ", "Πώς ζητάω βοήθεια ή υποστήριξη"),
        (ALICE, "pws zitao voitheia", "Πώς ζητάω βοήθεια ή υποστήριξη"),
        (ALICE, "how do I ask for support", "Πώς ζητάω βοήθεια ή υποστήριξη"),
        (ALICE, "ποσα χρονια κραταει η θητεια του υπευθυνου", "Πόσο διαρκεί η θητεία"),
        (ALICE, "poios syntonizei ta keplinet", "Σε ποιον υπάγονται και ποιος συντονίζει"),
        (BOB, "how do I ask for support", "How do I ask the ΚΕ.ΠΛΗ.ΝΕ.Τ. for help"),
        (BOB, "pws zitao voitheia", "How do I ask the ΚΕ.ΠΛΗ.ΝΕ.Τ. for help"),
        (BOB, "who coordinates the keplinet", "Whom do the ΚΕ.ΠΛΗ.ΝΕ.Τ. report to"),
    ],
)
async def test_a_typed_question_gets_its_answer_in_the_users_language(
    bot: BotHarness, user: SimUser, question: str, expected: str
) -> None:
    [answer] = await bot.send(user, question)
    assert answer["text"].startswith(expected)
    assert answer["text"].count("\n\n") >= 2  # question, answer, "Was this helpful?"
    assert any(label.startswith("👍") for label in labels(answer))


async def test_the_answer_quotes_the_centres_contacts_from_the_settings(launch: Launch) -> None:
    bot = await launch(settings=CONTACTS)
    [answer] = await bot.send(ALICE, "πως ζηταω βοηθεια απο το κεπληνετ")
    assert "ΚΕ.ΠΛΗ.ΝΕ.Τ. Ηρακλείου\n☎️ 2810 000000\n✉️ keplinet@example.org" in answer["text"]


async def test_an_ambiguous_question_offers_choices_that_work(bot: BotHarness) -> None:
    [choices] = await bot.send(ALICE, "υπευθυνος εργαστηριου")
    assert choices["text"] == "🤔 Δεν είμαι σίγουρος τι ρωτάτε. Μήπως εννοείτε:"
    assert labels(choices) == [
        "Καθήκοντα του/της Υ.Σ.Ε.Π.Ε.Η.Υ.",
        "Ποιος μπορεί να γίνει Υ.Σ.Ε.Π.Ε.Η.Υ.",
        "Υ.Σ.Ε.Π.Ε.Η.Υ. σε δύο σχολεία",
        "✖ Κανένα από αυτά",
    ]
    pressed = await bot.press(ALICE, choices, data_of(choices, "Ποιος μπορεί"))
    assert pressed.new == []
    assert pressed.message["text"].startswith("Ποιος/ποια εκπαιδευτικός μπορεί να οριστεί")
    assert "👍 Ναι" in labels(pressed.message)
    assert await stored_views(bot) == [("ysepehy-who", "suggestion")]
    assert await stored_misses(bot.database_url) == []


async def test_none_of_the_suggestions_offers_help_and_keeps_the_question(
    bot: BotHarness,
) -> None:
    [choices] = await bot.send(BOB, "lab manager")
    assert choices["text"] == "🤔 I am not sure what you are asking. Did you mean:"
    pressed = await bot.press(BOB, choices, data_of(choices, "None of these"))
    assert pressed.message["text"].startswith("Sorry that I could not find it.\n")
    assert "🛠 Report a fault" in labels(pressed.message)
    [miss] = await stored_misses(bot.database_url)
    assert (miss.text, miss.locale, miss.kind) == ("lab manager", "en", MissKind.REJECTED)
    assert miss.hits[0].id == "ysepehy-duties"


async def test_nonsense_gets_no_answer_the_report_button_and_contacts_and_is_kept(
    launch: Launch,
) -> None:
    bot = await launch(settings=CONTACTS)
    [reply_] = await bot.send(ALICE, "κουλουράκια με κανέλα")
    assert reply_["text"] == (
        "Λυπάμαι, δεν βρήκα απάντηση σε αυτό.\n"
        "Δοκιμάστε να ρωτήσετε με άλλα λόγια ή δείτε τις ερωτήσεις ανά θέμα.\n\n"
        "Αν κάτι δεν λειτουργεί στο εργαστήριο του σχολείου σας, δηλώστε τη βλάβη και το "
        "ΚΕ.ΠΛΗ.ΝΕ.Τ. θα την αναλάβει. Μπορείτε επίσης να επικοινωνήσετε μαζί του:\n"
        "ΚΕ.ΠΛΗ.ΝΕ.Τ. Ηρακλείου\n☎ 2810 000000\n✉ keplinet@example.org"
    )
    assert labels(reply_) == ["🛠 Αναφορά βλάβης", "❓ Ερωτήσεις ανά θέμα", "« Κύριο μενού"]
    assert data_of(reply_, "Αναφορά βλάβης") == "menu:report"
    [miss] = await stored_misses(bot.database_url)
    assert (miss.text, miss.locale, miss.kind) == (
        "κουλουράκια με κανέλα",
        "el",
        MissKind.NO_MATCH,
    )
    topics = await bot.press(ALICE, reply_, data_of(reply_, "Ερωτήσεις ανά θέμα"))
    assert labels(topics.message)[0] == "ΚΕ.ΠΛΗ.ΝΕ.Τ."


async def test_without_contacts_the_centre_is_named_generically(bot: BotHarness) -> None:
    [reply_] = await bot.send(BOB, "banana bread recipe")
    assert reply_["text"].endswith(
        "You can also contact them:\nthe ΚΕ.ΠΛΗ.ΝΕ.Τ. of your directorate"
    )


async def test_thanks_and_greetings_are_not_questions(bot: BotHarness) -> None:
    [thanks] = await bot.send(ALICE, "ευχαριστω πολυ!")
    assert thanks["text"] == "Παρακαλώ! 😊 Ρωτήστε με ό,τι άλλο θέλετε, όποτε θέλετε."
    [hello] = await bot.send(BOB, "hi there")
    assert hello["text"].startswith("Hello! 👋 Ask me your question in your own words")
    assert "❓ Frequently asked questions" in labels(hello)
    [emoji] = await bot.send(BOB, "🙂")
    assert emoji["text"] == "Type your question in a few words, or choose a topic."
    assert await stored_misses(bot.database_url) == []


# --- 👍 / 👎 --------------------------------------------------------------------------------


async def test_votes_are_stored_once_changed_and_shown_by_the_stats_command(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    [answer] = await bot.send(ALICE, "pws zitao voitheia")
    up = await bot.press(ALICE, answer, data_of(answer, "👍"))
    assert up.answer is not None
    assert up.answer["text"] == "Ευχαριστώ που μου το είπατε!"
    assert "✓ 👍 Ναι" in labels(up.message)
    assert up.new == []

    again = await bot.press(ALICE, up.message, data_of(up.message, "👍"))
    assert again.answer is not None
    assert again.answer["text"] == "Μου το έχετε ήδη πει. Ευχαριστώ!"
    assert again.message == up.message

    down = await bot.press(ALICE, up.message, data_of(up.message, "👎"))
    assert "✓ 👎 Όχι" in labels(down.message)
    assert "👍 Ναι" in labels(down.message)
    [sorry] = down.new
    assert sorry["text"].startswith("Λυπάμαι που αυτό δεν σας βοήθησε.\n")
    assert labels(sorry)[0] == "🛠 Αναφορά βλάβης"
    assert await stored_votes(bot.database_url) == [("support-request", False, ALICE.id)]

    # Another answer message of the same entry is another vote.
    [second] = await bot.send(ALICE, "πως ζηταω βοηθεια")
    await bot.press(ALICE, second, data_of(second, "👍"))
    # The answers shown are counted in memory and written in batches; a clean stop writes
    # every one of them.
    await bot.stop()

    monkeypatch.setenv("DATABASE_URL", bot.database_url)
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    assert await asyncio.to_thread(main, ["faq", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    row = next(e for e in stats["entries"] if e["id"] == "support-request")
    assert row == {"id": "support-request", "views": 2, "helpful": 1, "unhelpful": 1}
    assert await asyncio.to_thread(main, ["faq", "stats"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1].split()[:5] == ["2", "1", "1", "50%", "support-request"]


# --- flows and groups -------------------------------------------------------------------------

PICKING = 0


async def ask_pick(update: Update, context: Context) -> int:
    await reply(update, context, "Pick one:", reply_markup=keyboard([[("A", "pick:a")]]))
    return PICKING


async def picked(update: Update, context: Context) -> int:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await reply(update, context, "Picked.")
    return ConversationHandler.END


def button_flow(app: KepliApp) -> None:
    """A test-only flow with a step that waits for a button, not for text."""
    app.add_handler(
        flow(
            "test_faq_pick",
            entry_points=[CommandHandler("pick", ask_pick, filters=PRIVATE)],
            states={PICKING: [CallbackQueryHandler(picked, pattern="^pick:")]},
        )
    )


async def test_text_inside_a_flow_is_not_an_faq_question(launch: Launch) -> None:
    def flows(app: KepliApp) -> None:
        survey(app)
        button_flow(app)

    bot = await launch(register=flows)
    # A step that expects text: the flow gets it.
    await bot.send(ALICE, "/survey")
    [next_step] = await bot.send(ALICE, "πως ζηταω βοηθεια")
    assert next_step["text"] == "Your school?"
    await bot.send(ALICE, "/cancel")
    # A step that waits for a button: text is not understood, not searched.
    [prompt] = await bot.send(ALICE, "/pick")
    [during] = await bot.send(ALICE, "πως ζηταω βοηθεια")
    assert during["text"].startswith("Δεν το κατάλαβα αυτό.")
    await bot.press(ALICE, prompt, "pick:a")
    # The flow is over: the same text is a question again.
    [after] = await bot.send(ALICE, "πως ζηταω βοηθεια")
    assert after["text"].startswith("Πώς ζητάω βοήθεια ή υποστήριξη")
    assert await stored_views(bot) == [("support-request", "search")]


async def test_a_photo_inside_another_flow_does_not_open_a_fault_report(
    launch: Launch,
) -> None:
    bot = await launch(register=button_flow)
    [prompt] = await bot.send(ALICE, "/pick")
    sent = await bot.sim.send_photo(ALICE, png())
    await bot.recorder.wait(("message", ALICE.id, int(sent["message_id"])))
    after = await bot.bot_messages(ALICE.id, after=int(sent["message_id"]))
    # No report question (🏫 school) appears, and the flow still takes its button.
    assert not any("🏫" in m.get("text", "") for m in after)
    assert (await bot.press(ALICE, prompt, "pick:a")).new[0]["text"] == "Picked."
    # Outside every flow the same photo does start a report.
    sent = await bot.sim.send_photo(ALICE, png())
    await bot.recorder.wait(("message", ALICE.id, int(sent["message_id"])))
    [first, *_] = await bot.bot_messages(ALICE.id, after=int(sent["message_id"]))
    assert "🏫" in first["text"]


async def test_text_in_the_fault_report_flow_goes_to_the_report(bot: BotHarness) -> None:
    [question] = await bot.send(ALICE, "/report")
    assert question["text"].startswith("🏫")
    [school] = await bot.send(ALICE, "πως ζηταω βοηθεια")
    assert not school["text"].startswith("Πώς ζητάω βοήθεια")
    assert await stored_views(bot) == []
    assert await stored_misses(bot.database_url) == []


async def test_after_language_text_is_a_question_in_the_new_language(bot: BotHarness) -> None:
    [chooser] = await bot.send(ALICE, "/language")
    await bot.press(ALICE, chooser, "lang:en")
    [answer] = await bot.send(ALICE, "πως ζηταω βοηθεια")
    assert answer["text"].startswith("How do I ask the ΚΕ.ΠΛΗ.ΝΕ.Τ. for help")


async def test_in_a_group_the_bot_answers_only_when_asked(bot: BotHarness, sim: SimClient) -> None:
    await sim.add_to_group(ALICE, GROUP, "Καθηγητές ΠΕ86", status="creator")
    await bot.idle()
    assert await bot.send(ALICE, "πως ζηταω βοηθεια απο το κεπληνετ", chat=GROUP) == []

    sent = await sim.send_text(ALICE, "@keplibot_bot πως ζηταω βοηθεια;", chat=GROUP)
    await bot.idle()
    [answer] = await bot.bot_messages(GROUP, after=int(sent["message_id"]))
    assert answer["text"].startswith("Πώς ζητάω βοήθεια ή υποστήριξη")
    assert answer["text"].endswith(
        "Περισσότερες απαντήσεις σε ιδιωτική συνομιλία μαζί μου: "
        "https://t.me/keplibot_bot?start=group"
    )
    assert labels(answer) == []  # no votes or flows for a whole group
    assert answer["reply_to_message_id"] == sent["message_id"]

    [command] = await bot.send(ALICE, "/faq@keplibot_bot pws zitao voitheia", chat=GROUP)
    assert command["text"].startswith("Πώς ζητάω βοήθεια ή υποστήριξη")

    [usage] = await bot.send(ALICE, "/faq", chat=GROUP)
    assert usage["text"].startswith("Ρωτήστε με μετά το /faq ή μετά το όνομά μου")

    [choices] = await bot.send(ALICE, "/faq υπευθυνος εργαστηριου", chat=GROUP)
    pressed = await bot.press(ALICE, choices, data_of(choices, "Καθήκοντα"), chat=GROUP)
    assert pressed.message["text"].startswith("Ποια είναι τα καθήκοντα")
    assert labels(pressed.message) == []

    [nothing] = await bot.send(ALICE, "/faq κουλουράκια", chat=GROUP)
    assert nothing["text"].startswith("Λυπάμαι, δεν βρήκα απάντηση σε αυτό.")
    assert nothing["text"].endswith(
        "σε ιδιωτική συνομιλία μαζί μου, https://t.me/keplibot_bot?start=group"
    )
    assert labels(nothing) == []
    [miss] = await stored_misses(bot.database_url)
    assert miss.text == "κουλουράκια"


async def test_faq_command_in_private_shows_the_topics_or_answers(bot: BotHarness) -> None:
    [topics] = await bot.send(BOB, "/faq")
    assert topics["text"].startswith("❓ Frequently asked questions")
    [answer] = await bot.send(BOB, "/faq who coordinates the keplinet")
    assert answer["text"].startswith("Whom do the ΚΕ.ΠΛΗ.ΝΕ.Τ. report to")
