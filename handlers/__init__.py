"""The bot's handlers, one module per flow, registered in order by `register(app)`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from handlers import common, start
from handlers import reminders as reminder_handlers
from handlers.context import KepliApp


def register(app: KepliApp) -> None:
    """Add every handler to `app`. Order matters; see the comments."""
    # Group -1 runs before every other group: it records the user and picks the
    # translator that all handlers below read from `context.tr`.
    app.add_handler(TypeHandler(Update, common.remember_user), group=-1)

    # --- features (group 0) -------------------------------------------------------
    # Feature flows come before start.register: a /start, /cancel or menu button sent
    # in the middle of a flow must reach the flow's fallbacks (which end it) first.

    # Reminders: /reminders, the "Reminders" menu entry, "rem:" buttons, the delivery job.
    reminder_handlers.register(app)

    # Generic commands and buttons: /start, /menu, /help, /language, /cancel, groups.
    start.register(app)
    # Last in group 0: menu entries no feature answers ("coming soon"), stale buttons,
    # and private messages nothing expected.
    start.register_fallbacks(app)
