"""Bad input gets a clear answer, never the generic apology: odd declaration files, and a
database that stops accepting writes while the bot runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimUser
from handlers.start import LANGUAGE_DATA
from tests.e2e.conftest import ALICE, BOB, BotHarness, Launch, data_of
from tests.e2e.test_errors import APOLOGY_EL
from tests.e2e.test_run_command import environment, keplibot
from tests.e2e.test_start import stored_user

NOT_SAVED_EL = (
    "Λυπάμαι, δεν μπόρεσα να το αποθηκεύσω: η αποθήκευση δεν είναι διαθέσιμη αυτή τη "
    "στιγμή. Δοκιμάστε ξανά σε λίγα λεπτά."
)


async def send_file(bot: BotHarness, user: SimUser, data: bytes, name: str) -> str:
    sent = await bot.sim.send_document(user, data, name, "application/json")
    await bot.recorder.wait(("message", user.id, int(sent["message_id"])))
    [reply] = await bot.bot_messages(user.id, after=int(sent["message_id"]))
    return str(reply["text"])


async def test_odd_declaration_files_are_refused_naming_the_problem(bot: BotHarness) -> None:
    cases: list[tuple[SimUser, bytes, str]] = [
        (
            ALICE,
            b"[" * 50_000 + b"]" * 50_000,
            "Έχει υπερβολικά βαθιά εμφώλευση για να είναι δήλωση (πάνω από 32 επίπεδα αγκυλών).",
        ),
        (
            ALICE,
            b'{"lab_manager_effective_years": ' + b"9" * 5000 + b"}",
            "Περιέχει έναν αριθμό με 5000 ψηφία (999999999999…): υπερβολικά μεγάλο για δήλωση.",
        ),
        (
            BOB,
            b'{"titles": [{"kind": "phd", "years": 1.' + b"5" * 4999 + b"}]}",
            "It has a number with 5000 digits (1.5555555555…): far too long for a declaration.",
        ),
        (
            BOB,
            b'{"nested": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}",
            "It is nested too deeply to be a declaration (more than 32 levels of brackets).",
        ),
    ]
    for user, data, problem in cases:
        text = await send_file(bot, user, data, "δήλωση.json")
        assert problem in text, text
        assert text.startswith(("⚠️ Αυτό το αρχείο δεν είναι δήλωση", "⚠️ This file is not"))
        assert APOLOGY_EL not in text


@contextmanager
def read_only(engine: AsyncEngine) -> Iterator[None]:
    """New connections of `engine` refuse writes, as a read-only file or server would."""
    sqlite = engine.dialect.name == "sqlite"
    statement = "PRAGMA query_only = ON" if sqlite else "SET default_transaction_read_only = on"

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()

    event.listen(engine.sync_engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "connect", on_connect)


async def test_a_database_that_stops_taking_writes_is_survived_and_explained(
    launch: Launch,
) -> None:
    bot = await launch()
    [chooser] = await bot.send(ALICE, "/language")
    assert bot.app is not None
    engine = bot.app.bot_data.runtime.engine
    with read_only(engine):
        await engine.dispose()  # pooled connections were writable
        # Still answered (in her Telegram language), though she cannot be recorded.
        [menu] = await bot.send(ALICE, "/start")
        assert menu["text"].startswith("Γεια σας, Αλίκη!")
        pressed = await bot.press(ALICE, chooser, data_of(chooser, "English"))
        [said] = pressed.new
        assert said["text"] == NOT_SAVED_EL
    await engine.dispose()
    # Writable again: the same press works, nothing was lost meanwhile.
    pressed = await bot.press(ALICE, chooser, f"{LANGUAGE_DATA}en")
    assert pressed.message["text"].startswith("Language: English")
    user = await stored_user(bot.database_url, ALICE.id)
    assert user is not None
    assert user.locale == "en"


async def test_a_read_only_sqlite_file_at_start_is_one_line_and_exit_69(
    sqlite_database_url: str, emulator: EmulatorServer, tmp_path: Path
) -> None:
    """A current schema reads fine from a read-only file; the first write would fail, so the
    start checks that the database takes writes."""
    path = sqlite_database_url.removeprefix("sqlite+aiosqlite:///")
    env = environment(
        tmp_path,
        TELEGRAM_TOKEN="123456:AAH-read-only-test",
        TELEGRAM_BASE_URL=f"{emulator.url}/bot",
    )
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    status, err = await keplibot("run", env, tmp_path)
    assert status == 69, err
    assert err.strip().splitlines()[-1] == (
        f"keplibot: cannot use the database sqlite+aiosqlite:///file%3A{path}?mode=ro&uri=true: "
        "OperationalError: attempt to write a readonly database"
    )
    assert "Traceback" not in err
