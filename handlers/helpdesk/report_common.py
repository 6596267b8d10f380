"""The fault report's Telegram adapter, shared by its steps and its «Send».

The dialog's environment for this teacher (`env_of`), the typed draft read from and
written to `user_data` (`load_draft`, `store`), and `apply`, which stores a step's
outcome and shows its screen.
"""

from __future__ import annotations

import logging
from functools import partial

from telegram import Update

from bot.dialogs.helpdesk import text
from bot.dialogs.helpdesk.report import screens, steps
from bot.dialogs.helpdesk.report.screens import Env, Result, Step
from bot.services.helpdesk import draft as helpdesk_draft
from bot.services.helpdesk import report as helpdesk_report
from bot.services.helpdesk.draft import ReportDraft, Unreadable
from handlers import render
from handlers.common import answer_query, reply
from handlers.context import Context
from handlers.helpdesk import shared as ticket_handlers

log = logging.getLogger(__name__)


def env_of(context: Context) -> Env:
    """What the report's screens need, for this teacher."""
    tr = context.tr
    settings = context.runtime.settings
    now = context.runtime.clock()
    last = (context.user_data or {}).get(helpdesk_draft.LAB_KEY)
    return Env(
        tr=tr,
        category=partial(text.category, tr),
        urgency=partial(text.urgency, tr),
        duplicate_card=lambda ticket: text.duplicate_card(tr, ticket, now),
        too_large=partial(ticket_handlers.too_large_text, tr),
        description_max=settings.ticket_description_max,
        last_lab=last if isinstance(last, str) and last else None,
    )


async def load_draft(update: Update, context: Context) -> ReportDraft | None:
    """The teacher's draft (a fresh one if there is none); None, after saying so, when the
    stored draft cannot be read (written by a newer version of the bot, or damaged)."""
    try:
        draft = helpdesk_draft.load(context.user_data)
    except Unreadable as error:
        log.warning("dropping a fault-report draft that cannot be read: %s", error)
        helpdesk_draft.drop(context.user_data)
        body = screens.unreadable_draft(context.tr)
        if update.callback_query is not None:
            await answer_query(update.callback_query)
        await reply(update, context, body)
        return None
    return draft if draft is not None else ReportDraft()


def store(context: Context, draft: ReportDraft, lab: str | None = None) -> None:
    data = context.user_data
    assert data is not None
    helpdesk_draft.store(data, draft)
    if lab:
        data[helpdesk_draft.LAB_KEY] = lab


async def apply(update: Update, context: Context, env: Env, result: Result) -> Step:
    """Store the step's draft, show its screen, and return the conversation's state.

    The duplicate offer needs a look at the open tickets first (`FindDuplicate`).
    """
    if isinstance(result, steps.FindDuplicate):
        async with context.runtime.sessions() as session:
            duplicate = await helpdesk_report.find_duplicate(
                session,
                result.draft,
                context.runtime.clock(),
                context.runtime.settings.ticket_duplicate_days,
            )
        result = steps.after_equipment(env, result.draft, duplicate)
    store(context, result.draft, result.lab)
    if result.screen is not None:
        await render.show(update, context, result.screen)
    return result.step
