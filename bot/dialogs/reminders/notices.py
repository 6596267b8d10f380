"""The reminders' sender: each due reminder worded in its reader's language and delivered
through a `Notifier` (the messaging channel's adapter), one attempt per call.

The dispatcher (`bot.services.reminders.delivery`) acts on the outcome: `Delivered`
is recorded as sent with its message id; the Notifier port's errors mean stop
sending to that person (`RecipientGone`), pause everything (`RetryLater`), retry
with backoff (`TemporaryFailure`) or give up (`PermanentFailure`).
"""

from __future__ import annotations

from typing import Protocol

from bot.config import Settings
from bot.dialogs.reminders.screens import reminder_screen
from bot.i18n import get_translator, pick_locale
from bot.services.reminders.delivery import DueReminder
from bot.ui import Address, Delivered, Screen


class Deliverer(Protocol):
    """What the reminders use of a `bot.ui.Notifier`: its `deliver` (a protocol of its own,
    because `Notifier.channel` is a settable attribute and Telegram's adapter has it Final)."""

    async def deliver(self, to: Address, screen: Screen) -> Delivered: ...


class ReminderNotices:
    """A `Sender` for the dispatcher: words the reminder, hands it to the notifier."""

    def __init__(self, notifier: Deliverer, settings: Settings) -> None:
        self.notifier = notifier
        self.settings = settings

    async def __call__(self, reminder: DueReminder) -> Delivered:
        # The person's choice ("en"), else their client's language, which may carry a
        # region ("en-US" from Teams, "pt-br" from Telegram): normalised, not dropped.
        locale = reminder.locale
        tr = get_translator(pick_locale(locale, locale, self.settings.default_locale))
        screen = reminder_screen(tr, reminder, self.settings.tz)
        # The person's private chat: their user id (another channel's person is routed to
        # their conversation there by the notifier, `bot.routing`).
        return await self.notifier.deliver(Address.telegram(reminder.user_id), screen)
