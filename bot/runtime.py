"""The long-lived objects of one running bot: settings, database sessions, clock, services.

`Runtime` is channel-neutral: the Telegram handlers reach it as `context.runtime`
(`handlers.context`), the web server, the metrics and the CLI get it from the
composition root (`bot.app`). Feature services are optional fields, set by the
feature's startup hook (`StartupHook`, registered with `BotData.on_startup`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, TypeAlias

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.routing import ChannelRouter
from bot.services.faq import CentreContacts, FaqIndex
from bot.services.faq.log import ViewLog
from bot.services.helpdesk.outbox_delivery import OutboxDispatcher
from bot.services.helpdesk.ticket_links import LinkIndex
from bot.services.helpdesk.ticket_types import TicketView
from bot.services.known import Remembered
from bot.services.reminders.delivery import ReminderDispatcher
from bot.services.update_ledger import Ledger
from bot.services.users import SeenUsers
from bot.ui import Notifier

MAX_REMEMBERED: Final = 20_000


def utc_now() -> datetime:
    return datetime.now(UTC)


class ShownContent:
    """(chat id, message id) → digest of its content, the most recently used kept.

    What each bot message shows now, so that an edit is made only when it changes
    something (the digest itself is the channel adapter's: `handlers.shown.digest`).
    In memory and bounded: after a restart, or for a message no longer remembered,
    the edit is simply made.
    """

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self._limit = limit
        self._digests: OrderedDict[tuple[int, int], str] = OrderedDict()

    def unchanged(self, chat_id: int, message_id: int, content: str) -> bool:
        """True when the message is known to show exactly `content` already."""
        return self._digests.get((chat_id, message_id)) == content

    def remember(self, chat_id: int, message_id: int, content: str) -> None:
        key = (chat_id, message_id)
        self._digests[key] = content
        self._digests.move_to_end(key)
        while len(self._digests) > self._limit:
            self._digests.popitem(last=False)

    def __len__(self) -> int:
        return len(self._digests)


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
    # helpdesk: sends the outbox (handlers.helpdesk.outbox starts it and its job)
    outbox: OutboxDispatcher | None = None
    # helpdesk: edits a ticket's staff post to show it as it is now, for a change made on
    # another channel (handlers.helpdesk sets it; the Teams adapter calls it)
    refresh_staff_post: Callable[[TicketView], Awaitable[None]] | None = None
    # Reminders: sends due reminders (handlers.reminders starts it and its job).
    reminders: ReminderDispatcher | None = None
    # FAQ: the validated content and its search index (handlers.faq loads it at start).
    faq: FaqIndex | None = None
    # FAQ: answers shown, counted in memory and written in batches (started at start).
    faq_views: ViewLog | None = None
    # What each bot message shows, so that an edit that changes nothing is not sent.
    shown: ShownContent = field(default_factory=ShownContent)
    # The notifiers of the channels besides Telegram, by channel ("teams"), while this
    # process serves them (Teams': registered by its web routes, `teams.web`).
    notifiers: dict[str, Notifier] = field(default_factory=dict)

    # What the per-update path remembers (bot.services.known): each user's row, and the
    # contacts of the centre serving each teacher (None: the default centre's). Off when
    # several processes handle updates (webhook workers).
    seen_users: SeenUsers = field(default_factory=Remembered)
    teacher_centres: Remembered[int, CentreContacts | None] = field(default_factory=Remembered)
    # The update ids taken on (replays ignored), claimed several at a time.
    ledger: Ledger = field(init=False)

    def __post_init__(self) -> None:
        self.ledger = Ledger(self.engine)

    def route(self, telegram: Notifier) -> Notifier:
        """The notifier the queues deliver through: `telegram` for Telegram's chats, the
        person's own channel for a person of another (`bot.routing`)."""
        return ChannelRouter(telegram, self.sessions, self.notifiers)

    def remember_between_updates(self, enabled: bool) -> None:
        """Whether the per-update path may trust what it remembers (one process only)."""
        self.seen_users.enabled = enabled
        self.teacher_centres.enabled = enabled


StartupHook: TypeAlias = Callable[[Runtime], Awaitable[None]]
