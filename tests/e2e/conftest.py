"""End-to-end harness: the real Application, over HTTP, against the Bot API emulator.

Fixtures
--------
``emulator``
    A running `EmulatorServer` (flood limits off) on a free port.
``sim``
    A `SimClient` of it: act as Telegram users (send text, press buttons, block).
``launch``
    ``await launch(**options) -> BotHarness``: build the bot with
    `bot.app.build_application` against the emulator, on the test's database
    (the ``database_url`` fixture: SQLite, and PostgreSQL when configured), and
    start it polling. Options: ``register`` (test-only handlers, added before
    `handlers.register`'s, where feature flows go), ``settings`` (overrides such as ``admin_ids``),
    ``rate_limiter`` (a factory; the default allows 100 messages a second per
    chat, so that tests do not wait on Telegram's limits), ``clock``. Stopped
    cleanly at the end of the test.
``bot``
    ``await launch()`` with the defaults.

Talking to the bot (`BotHarness`), with no sleeps: every call returns once the
bot has *finished* handling the update (a last handler group records each
processed update), so "the bot said nothing" is a real observation.

- ``await bot.send(user, "/start")`` → the bot messages it sent in reply.
- ``await bot.press(user, message, "menu:points")`` → `Pressed`: the callback
  answer, the pressed message as it is now, and new bot messages.
- ``await bot.idle()``: wait until every update the emulator holds is handled
  (after `sim.block`, `sim.add_to_group`, ...).
- ``await bot.restart()``: stop and build a new Application on the same database.
- ``labels(message)`` / ``data_of(message, "Language")``: the inline buttons.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import pytest
from telegram import Update
from telegram.ext import BaseRateLimiter, TypeHandler

import handlers
from bot.app import build_application
from bot.config import Settings, load_settings
from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimClient, SimUser
from bot.ratelimit import FAULT_RETRY_DELAYS, TelegramRateLimiter
from handlers.context import Context, KepliApp

JSON = dict[str, Any]
TOKEN = "123456:e2e-TEST-token_keplibot"
WAIT = 10.0  # seconds: generous, only reached when something is broken
# The last handler group: reached once every other group has handled the update.
RECORDER_GROUP = 1000
# As many tries of a request Telegram did not answer as in production, a tenth as far apart:
# the tests count the tries and what reaches the chat, not the seconds between them.
FAST_FAULT_RETRY_DELAYS = tuple(delay / 10 for delay in FAULT_RETRY_DELAYS)

ALICE = SimUser(1001, "Αλίκη", "Παπαδοπούλου", "alice_p", language_code="el")
BOB = SimUser(1002, "Bob", "Smith", "bob_s", language_code="en")
HANS = SimUser(1003, "Hans", language_code="de")
ADMIN = SimUser(9001, "Διαχειριστής", language_code="el")


def labels(message: JSON) -> list[str]:
    """The visible labels of a message's inline buttons, row by row, flattened."""
    markup = message.get("reply_markup") or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


def data_of(message: JSON, label: str) -> str:
    """The callback_data of the button whose label contains `label`."""
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if label in button["text"]:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {labels(message)}")


def fast_rate_limiter() -> TelegramRateLimiter:
    """Telegram's limits are Telegram's; the emulator enforces none unless asked.

    Tests that are not about flood limits should not wait a second after every
    third message; `test_flood.py` runs the production limiter against the
    emulator's flood control. Nor wait seconds between the tries of a request
    Telegram did not answer (`FAST_FAULT_RETRY_DELAYS`).
    """
    return TelegramRateLimiter(
        private_per_second=100, private_burst=100, fault_retry_delays=FAST_FAULT_RETRY_DELAYS
    )


class Recorder:
    """Which updates the application has finished handling."""

    def __init__(self) -> None:
        self.seen: set[Hashable] = set()
        self.changed = asyncio.Condition()

    async def __call__(self, update: object, context: Context) -> None:
        if not isinstance(update, Update):
            return
        keys: list[Hashable] = [("update", update.update_id)]
        if update.callback_query is not None:
            keys.append(("callback", update.callback_query.id))
        elif update.message is not None:
            keys.append(("message", update.message.chat_id, update.message.message_id))
        async with self.changed:
            self.seen.update(keys)
            self.changed.notify_all()

    async def wait(self, key: Hashable) -> None:
        async with asyncio.timeout(WAIT), self.changed:
            await self.changed.wait_for(lambda: key in self.seen)


@dataclass
class Pressed:
    answer: JSON | None
    message: JSON
    new: list[JSON]


class Register(Protocol):
    def __call__(self, app: KepliApp) -> None: ...


@dataclass
class BotHarness:
    emulator: EmulatorServer
    sim: SimClient
    database_url: str
    register: Register | None = None
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    rate_limiter: Callable[[], BaseRateLimiter[Any]] | None = None
    clock: Callable[[], datetime] | None = None
    app: KepliApp | None = None
    recorder: Recorder = field(default_factory=Recorder)

    @property
    def settings(self) -> Settings:
        return load_settings(
            telegram_token=TOKEN,
            telegram_base_url=f"{self.emulator.url}/bot",
            telegram_base_file_url=f"{self.emulator.url}/file/bot",
            database_url=self.database_url,
            default_locale="el",
            **self.settings_overrides,
        )

    def build(self) -> KepliApp:
        """A new Application (not started) with the harness' handlers and options."""
        recorder = self.recorder
        extra = self.register

        def register(app: KepliApp) -> None:
            # Test-only handlers go first, where feature flows go in handlers.register.
            if extra is not None:
                extra(app)
            handlers.register(app)
            app.add_handler(TypeHandler(Update, recorder), group=RECORDER_GROUP)

        options: dict[str, Any] = {"register": register}
        options["rate_limiter"] = (self.rate_limiter or fast_rate_limiter)()
        if self.clock is not None:
            options["clock"] = self.clock
        return build_application(self.settings, **options)

    async def start(self) -> KepliApp:
        app = self.build()
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=5))
        self.app = app
        return app

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def restart(self) -> KepliApp:
        await self.stop()
        self.recorder = Recorder()
        return await self.start()

    # --- talking ------------------------------------------------------------------

    async def send(self, user: SimUser, text: str, *, chat: int | None = None) -> list[JSON]:
        """Send `text` as `user`; the bot's messages in that chat once it has handled it."""
        sent = await self.sim.send_text(user, text, chat=chat)
        chat_id = int(sent["chat"]["id"])
        await self.recorder.wait(("message", chat_id, int(sent["message_id"])))
        return await self.bot_messages(chat_id, after=int(sent["message_id"]))

    async def press(
        self, user: SimUser, message: JSON, data: str, *, chat: int | None = None
    ) -> Pressed:
        """Press the button with `data` under `message`, once the bot has handled it."""
        chat_id = int(message["chat_id"])
        before = await self.sim.messages(chat_id)
        last = max((m["message_id"] for m in before), default=0)
        query_id = await self.sim.press(user, int(message["message_id"]), data, chat=chat)
        await self.recorder.wait(("callback", query_id))
        answers = await self.sim.callback_answers(query_id=query_id)
        now = await self.sim.messages(chat_id)
        [pressed] = [m for m in now if m["message_id"] == message["message_id"]]
        new = [m for m in now if m["from_bot"] and m["message_id"] > last]
        return Pressed(answers[0] if answers else None, pressed, new)

    async def bot_messages(self, chat_id: int, *, after: int = 0) -> list[JSON]:
        return [
            m
            for m in await self.sim.messages(chat_id)
            if m["from_bot"] and m["message_id"] > after and not m["deleted"]
        ]

    async def idle(self) -> None:
        """Wait until the bot has handled every update the emulator has for it."""
        pending = await self.sim.pending_updates()
        for update in pending:
            await self.recorder.wait(("update", int(update["update_id"])))
        assert self.app is not None
        async with asyncio.timeout(WAIT):
            await self.app.update_queue.join()


Launch = Callable[..., Awaitable[BotHarness]]


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer() as server:
        yield server


@pytest.fixture(autouse=True)
def no_refused_calls(request: pytest.FixtureRequest) -> Iterator[None]:
    """Helpdesk end-to-end tests: the emulator refused no call of the bot (no "message is
    not modified", no bad request), except calls of the methods a `refusals` marker names
    (a test that makes the emulator fail on purpose)."""
    module = request.node.module.__name__.rsplit(".", 1)[-1]
    if not module.startswith("test_helpdesk"):
        yield
        return
    # Asked for here, so that the emulator is torn down after this check.
    server: EmulatorServer = request.getfixturevalue("emulator")
    yield
    marker = request.node.get_closest_marker("refusals")
    allowed = set(marker.args) if marker else set()
    refused = [
        r
        for r in server.state.stats.refused
        if r["method"] not in allowed
        # A staff member or administrator known before they opened the bot has no private
        # chat yet: Telegram refuses their own command list too, and they get it on their
        # first message (handlers.command_scopes.catch_up).
        and not (r["method"] == "setMyCommands" and "chat not found" in r["description"])
    ]
    assert refused == [], f"the emulator refused calls: {refused}"


@pytest.fixture
async def sim(emulator: EmulatorServer) -> AsyncIterator[SimClient]:
    async with SimClient(emulator.url) as client:
        yield client


@pytest.fixture
async def launch(
    emulator: EmulatorServer, sim: SimClient, database_url: str
) -> AsyncIterator[Launch]:
    started: list[BotHarness] = []

    async def start(**options: Any) -> BotHarness:
        harness = BotHarness(
            emulator,
            sim,
            database_url,
            register=options.pop("register", None),
            settings_overrides=options.pop("settings", {}),
            rate_limiter=options.pop("rate_limiter", None),
            clock=options.pop("clock", None),
        )
        assert not options, f"unknown options {options}"
        started.append(harness)
        await harness.start()
        return harness

    yield start
    for harness in started:
        await harness.stop()


@pytest.fixture
async def bot(launch: Launch) -> BotHarness:
    return await launch()
