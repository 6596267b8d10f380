"""Reminders on Telegram: following deadlines (`chat`), the delivery job (`delivery`),
managing the deadlines (`deadlines`, staff) and the calendar (`calendar`).

Thin adapters: they unpack the update, call `bot.dialogs.reminders` and the
services, and show the screens with `handlers.render`.
"""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.reminders import ReminderRules


def rules_of(runtime: Runtime) -> ReminderRules:
    """The reminder rules of the running bot's settings."""
    return ReminderRules.from_settings(runtime.settings)
