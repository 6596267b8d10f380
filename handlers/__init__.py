"""The bot's handlers, one module per flow, registered in order by `register(app)`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from handlers import command_scopes, common, replays, start
from handlers import points as points_handlers
from handlers import privacy as privacy_handlers
from handlers.context import KepliApp
from handlers.faq import chat as faq_handlers
from handlers.helpdesk import outbox as helpdesk_outbox
from handlers.helpdesk import report
from handlers.helpdesk import staff as helpdesk_staff
from handlers.helpdesk import tickets as helpdesk_tickets
from handlers.reminders import calendar as calendar_handlers
from handlers.reminders import chat as reminder_handlers
from handlers.reminders import deadlines as deadline_handlers
from handlers.reminders import delivery as reminder_delivery


def register(app: KepliApp) -> None:
    """Add every handler to `app`. Order matters; see the comments."""
    # Group -10, first of all: an update whose update_id was already handled (a replay,
    # or Telegram sending it again after a crash) stops here and changes nothing.
    app.add_handler(TypeHandler(Update, replays.skip_replays), group=replays.GROUP)
    # Group -1 runs before every other group: it records the user and picks the
    # translator that all handlers below read from `context.tr`.
    app.add_handler(TypeHandler(Update, common.remember_user), group=-1)
    # Group -2, before it: a staff member's or administrator's command list that could not
    # be published at start (their chat did not exist yet) is published on their first message.
    command_scopes.register(app)

    # --- features (group 0) -------------------------------------------------------
    # Feature flows come before start.register: a /start, /cancel or menu button sent
    # in the middle of a flow must reach the flow's fallbacks (which end it) first.

    # Privacy, first of all: /privacy, /mydata and /delete are answered even in the middle
    # of a flow (erasure ends it); also the audit's author of each update (group -2) and
    # the daily retention job.
    privacy_handlers.register(app)
    # Helpdesk, next: an invite's "/start staff-..." must not reach another flow's
    # /start fallback, and a reply to a bot message about a ticket (or a ticket's button)
    # must reach the ticket even in the middle of another flow.
    helpdesk_staff.register(app)
    helpdesk_tickets.register(app)
    # Helpdesk: the outbox worker, and a staff group that became a supergroup.
    helpdesk_outbox.register(app)
    # Points: /points, /mypoints, the "Points calculation" menu entry (a persistent flow).
    # Before the fault report: a JSON file sent outside any flow is a points declaration
    # to score, not the start of a fault report.
    points_handlers.register(app)
    # Helpdesk: the fault report flow (/report, the "Report a fault" menu entry, and a
    # photo, file or voice note sent outside any flow).
    report.register(app)
    # Deadlines (a flow, for administrators and centre staff): /deadlines, "dl:" buttons.
    deadline_handlers.register(app)
    # Reminders: /reminders, the "Reminders" menu entry, "rem:" buttons, the delivery job.
    reminder_handlers.register(app)
    reminder_delivery.register(app)
    # Calendar: /calendar, "cal:" buttons (the feed itself is served by bot.calendar_feed).
    calendar_handlers.register(app)

    # Generic commands and buttons: /start, /menu, /help, /language, /cancel, groups.
    start.register(app)
    # FAQ: /faq, the "FAQ" menu entry, "faq:" buttons, and any other text as a question.
    # After every flow: in group 0 the first handler that matches wins, so text that a
    # running flow expects (and a flow's text entry point) reaches the flow first. Keep
    # flows above this line, in group 0: a flow in a later group would see the same
    # text as the FAQ. The FAQ's text handler also skips users who are inside any flow
    # (in a step that waits for a button): their text goes on to "not understood" below.
    faq_handlers.register(app)
    # Last in group 0: menu entries no feature answers ("coming soon"), stale buttons,
    # and private messages nothing expected.
    start.register_fallbacks(app)
