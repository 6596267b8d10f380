"""Tickets in chat, after they are opened: both sides of the conversation.

Teachers: /mytickets (paged), a ticket's details and history, replying (to any
message about the ticket, or with the Reply button), adding photos, closing,
"✅ Solved" / "🔁 Reopen" after a resolution. They hear of every change.

Staff: the ticket's post in the centre's staff chat (group or forum topic),
edited to show status and assignee, with buttons Take / In progress / Waiting
for school / Resolved / Reply to teacher / Internal note / History; /tickets
(mine, unassigned, all; paged). Every action is authorised by the service:
staff of the ticket's centre only; a forged or stale button changes nothing
and says why.

The handlers live beside this module: `teacher` (/mytickets and a teacher's
buttons), `staff_tickets` (the post's buttons and /tickets), `replies` (replies to
ticket messages), `summary` (the weekly summary), `shared` (their plumbing); the
screens and callback data (one codec per namespace: tk, hd, st) are
`bot.dialogs.helpdesk`'s. This module registers them.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Final

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.dialogs.helpdesk import actions as act
from bot.i18n import N_
from bot.runtime import Runtime
from bot.services import roles
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk.ticket_links import LinkIndex
from handlers.common import (
    PRIVATE,
)
from handlers.context import CommandSpec, KepliApp
from handlers.helpdesk.replies import linked_reply
from handlers.helpdesk.shared import LinkedReply, look_up_link, refresh_post_with
from handlers.helpdesk.staff_tickets import staff_button, staff_list_button, tickets_command
from handlers.helpdesk.summary import plan_weekly_summaries, schedule_weekly_summary
from handlers.helpdesk.teacher import my_tickets, teacher_button

LINKS_KEPT: Final = timedelta(days=365)  # replies to older messages are not routed

COMMANDS: Final = (
    CommandSpec("mytickets", N_("My fault reports and their status"), order=31),
    CommandSpec(
        "tickets",
        N_("Support staff: the centre's open tickets"),
        order=32,
        chats="all",
        audience=frozenset({roles.STAFF}),
    ),
)


LINKS_GROUP: Final = -4

# --- registration --------------------------------------------------------------------------


def register(app: KepliApp) -> None:
    """Ticket handlers. Register before the flows: a reply to a ticket message reaches
    the ticket even in the middle of another flow, and a button of a ticket always works."""
    data = app.bot_data
    for command in COMMANDS:
        data.commands.add(command)
    index = LinkIndex()

    async def startup(runtime: Runtime) -> None:
        runtime.helpdesk_links = index
        runtime.refresh_staff_post = partial(refresh_post_with, app.bot, runtime)
        async with runtime.sessions() as session:
            await schools_service.ensure_default_centre(session, runtime.settings)
            await index.load(session, since=runtime.clock() - LINKS_KEPT)
        schedule_weekly_summary(app, runtime.settings)
        await plan_weekly_summaries(runtime, catching_up=True)  # the worker sends them

    data.on_startup(startup)
    # Group LINKS_GROUP, before the features: a reply to a bot message that this worker has
    # not linked itself is looked up in the database (several webhook workers).
    app.add_handler(
        MessageHandler(filters.REPLY & ~filters.COMMAND, look_up_link), group=LINKS_GROUP
    )
    app.add_handlers(
        [
            MessageHandler(LinkedReply(index) & ~filters.COMMAND, linked_reply),
            CommandHandler("mytickets", my_tickets, filters=PRIVATE),
            CommandHandler("tickets", tickets_command),
            CallbackQueryHandler(teacher_button, pattern=act.teacher.pattern),
            CallbackQueryHandler(staff_button, pattern=act.staff.pattern),
            CallbackQueryHandler(staff_list_button, pattern=act.staff_list.pattern),
        ]
    )
