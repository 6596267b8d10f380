"""The typed context: how handlers reach long-lived objects, their user's language, the menu.

`Context` is the `context` argument of every handler (python-telegram-bot's
`ContextTypes(context=Context, bot_data=BotData)`, as in PTB's
`contexttypesbot.py` example). Through it a handler gets

- `context.runtime`: the `Runtime` (settings, database sessions, clock and the
  feature services), created by `bot.app` and started before the first update;
- `context.tr`: the `Translator` of the user of this update, chosen by the
  locale middleware (`handlers.common.remember_user`);
- `context.bot_data.menu` / `.commands`: the main-menu and command registries,
  which feature modules extend in their `register(app)`.

Nothing here is persisted: `bot_data` holds live objects (engine, indexes), so
the application persists only user data, chat data and conversations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeAlias

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.config import Settings
from bot.i18n import Translator, get_translator
from bot.services.faq import FaqIndex
from bot.services.outbox_delivery import OutboxDispatcher
from bot.services.reminders.delivery import ReminderDispatcher
from bot.services.tickets import LinkIndex
from handlers.shown import ShownContent

UserData: TypeAlias = dict[Any, Any]
ChatData: TypeAlias = dict[Any, Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """The long-lived objects of one running bot.

    `clock` returns the current time as an aware UTC datetime; tests pass a fake.
    Feature services are optional fields (None until the feature's startup hook,
    registered with `BotData.on_startup`, creates them).
    """

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime] = utc_now
    # --- feature services: one optional field per feature, set by its startup hook ----
    # helpdesk: which bot messages are about tickets (a reply to one reaches the ticket)
    helpdesk_links: LinkIndex | None = None
    # helpdesk: sends the outbox (handlers.helpdesk_outbox starts it and its job)
    outbox: OutboxDispatcher | None = None
    # Reminders: sends due reminders (handlers.reminders starts it and its job).
    reminders: ReminderDispatcher | None = None
    # FAQ: the validated content and its search index (handlers.faq loads it at start).
    faq: FaqIndex | None = None
    # What each bot message shows, so that an edit that changes nothing is not sent.
    shown: ShownContent = field(default_factory=ShownContent)


StartupHook: TypeAlias = Callable[[Runtime], Awaitable[None]]


@dataclass(frozen=True)
class MenuEntry:
    """One button of the main menu.

    `label` is an English message id marked with `N_` (translated when the menu is
    shown); pressing the button sends `callback_data` = "menu:<key>", which the
    feature handles with a `CallbackQueryHandler(pattern="^menu:<key>$")`.
    Entries without a handler answer that the feature is coming.
    """

    key: str
    label: str
    order: int
    icon: str = ""

    @property
    def callback_data(self) -> str:
        return f"menu:{self.key}"


@dataclass(frozen=True)
class CommandSpec:
    """A bot command: shown in /help and in Telegram's command list (setMyCommands).

    `description` is an English message id marked with `N_`, at most 256 characters
    once translated. `chats` says where the command works: "private" (teacher
    flows) or "all" (also in groups). `audience` names the roles it is for
    (`bot.services.roles`: "admin", "staff"); such a command is listed (in /help
    and Telegram's menu) only to people with one of them. Empty: everyone.
    """

    name: str
    description: str
    order: int
    chats: Literal["private", "all"] = "private"
    audience: frozenset[str] = frozenset()

    def is_for(self, roles: frozenset[str]) -> bool:
        return not self.audience or bool(self.audience & roles)


class MenuRegistry:
    """The main menu's entries, ordered by `MenuEntry.order`."""

    def __init__(self) -> None:
        self._entries: dict[str, MenuEntry] = {}

    def add(self, entry: MenuEntry) -> None:
        if entry.key in self._entries:
            raise ValueError(f"menu entry {entry.key!r} is already registered")
        if len(entry.callback_data.encode()) > 64:
            raise ValueError(f"menu key {entry.key!r} is too long for callback_data")
        self._entries[entry.key] = entry

    def get(self, key: str) -> MenuEntry | None:
        return self._entries.get(key)

    def entries(self) -> list[MenuEntry]:
        return sorted(self._entries.values(), key=lambda e: (e.order, e.key))


class CommandRegistry:
    """The bot's commands, ordered by `CommandSpec.order`."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}

    def add(self, command: CommandSpec) -> None:
        if command.name in self._commands:
            raise ValueError(f"command /{command.name} is already registered")
        self._commands[command.name] = command

    def all(self) -> list[CommandSpec]:
        return sorted(self._commands.values(), key=lambda c: (c.order, c.name))

    def for_chat(
        self, chat_type: Literal["private", "group"], roles: frozenset[str] = frozenset()
    ) -> list[CommandSpec]:
        """The commands of a chat type for a person with `roles` (none: everyone's only)."""
        return [
            c
            for c in self.all()
            if (chat_type == "private" or c.chats == "all") and c.is_for(roles)
        ]


class BotData:
    """`context.bot_data`: the runtime, the registries and the lifecycle hooks."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None
        self.menu = MenuRegistry()
        self.commands = CommandRegistry()
        self.startup_hooks: list[StartupHook] = []
        self.shutdown_hooks: list[StartupHook] = []
        # When each distinct error was last reported to the administrators.
        self.error_notices: dict[str, datetime] = {}
        # Administrators and staff whose command list could not be set at start (their
        # private chat did not exist yet): set on their first message (handlers.command_scopes).
        self.commands_waiting: set[int] = set()

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the runtime is not set: build the app with bot.app")
        return self._runtime

    @runtime.setter
    def runtime(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def on_startup(self, hook: StartupHook) -> None:
        """Run `hook(runtime)` when the application starts, before the first update.

        Features create their long-lived objects here (and store them on the Runtime).
        """
        self.startup_hooks.append(hook)

    def on_shutdown(self, hook: StartupHook) -> None:
        """Run `hook(runtime)` when the application stops (in reverse order of registration)."""
        self.shutdown_hooks.append(hook)


class Context(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    """The `context` of every handler, error handler and job callback."""

    def __init__(
        self,
        application: Application[ExtBot[None], Context, UserData, ChatData, BotData, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._translator: Translator | None = None

    @property
    def runtime(self) -> Runtime:
        return self.bot_data.runtime

    @property
    def tr(self) -> Translator:
        """The translator of this update's user (the default locale when unknown)."""
        if self._translator is None:
            self._translator = get_translator(self.runtime.settings.default_locale)
        return self._translator

    @property
    def locale(self) -> str:
        return self.tr.locale

    def use_locale(self, locale: str) -> Translator:
        """Answer this update in `locale` from now on (e.g. after /language)."""
        self._translator = get_translator(locale)
        return self._translator


KepliApp: TypeAlias = Application[
    ExtBot[None], Context, UserData, ChatData, BotData, JobQueue[Context]
]
"""The type of the bot's `Application`, for `register(app: KepliApp)` functions."""


def bot_data(app: KepliApp) -> BotData:
    """The application's `BotData` (registries, hooks), e.g. inside `register(app)`."""
    return app.bot_data
