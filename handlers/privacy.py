"""Privacy in chat: /privacy (the notice), /mydata (everything kept, as JSON), /delete (erasure).

Also the two things every update and every day need:

- `remember_actor` (group -2): the author of the audited changes this update makes
  (`bot.services.audit`), the Telegram user who sent it;
- the daily retention job (`bot.services.retention`), at RETENTION_HOUR local time.

The commands work in private chats only: a person's data is never shown in a group.
They are registered before every flow, so that /delete or /mydata typed in the middle
of a points interview or a fault report is answered (and erasure ends that flow).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import time
from typing import Final, cast

from telegram import InputFile, Update
from telegram.constants import ChatType
from telegram.error import Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler, TypeHandler

from bot.config import Settings
from bot.dialogs import privacy as privacy_dialog
from bot.dialogs.common import DeleteMyData, EraseMyData, ExportMyData, KeepMyData
from bot.dialogs.common import privacy as privacy_codec
from bot.i18n import N_
from bot.runtime import Runtime
from bot.services import audit, privacy, retention
from bot.services.exclusive import run_alone
from bot.services.helpdesk import tickets
from bot.ui.actions import pack
from handlers.common import MENU_DATA, PRIVATE, answer_query, edit_text, keyboard, show_screen
from handlers.context import CommandSpec, Context, KepliApp, MenuEntry
from handlers.flows import end_all_conversations
from handlers.helpdesk.shared import refresh_post

log = logging.getLogger(__name__)

COMMANDS: Final = (
    CommandSpec("privacy", N_("How your data is kept, and your rights"), order=85),
    CommandSpec("mydata", N_("Everything I keep about you, as a file"), order=86),
    CommandSpec("delete", N_("Erase everything I keep about you"), order=87),
)
MENU: Final = MenuEntry("privacy", N_("Your data"), order=95, icon="🔒")

EXPORT_DATA: Final = pack(ExportMyData())
DELETE_DATA: Final = pack(DeleteMyData())
ERASE_DATA: Final = pack(EraseMyData())
KEEP_DATA: Final = pack(KeepMyData())
EXPORT_FILENAME: Final = "keplibot-my-data.json"
RETENTION_JOB: Final = "privacy-retention"


# --- who acts (audit) --------------------------------------------------------------------


async def remember_actor(update: object, context: Context) -> None:
    """The Telegram user of this update is the author of the changes it makes."""
    if isinstance(update, Update) and update.effective_user is not None:
        user = update.effective_user
        audit.set_actor(audit.Actor("telegram", user.id, user.full_name))


# --- the notice ------------------------------------------------------------------------


def notice_text(context: Context) -> str:
    _ = context.tr.gettext
    what_i_keep = _(
        "What I keep: your Telegram name and language; the school you chose for fault "
        "reports; your last points declaration, only if you agreed; your reminder "
        "settings; your fault reports and what you wrote in them; questions I could not "
        "answer (numbers that look like a phone, ΑΦΜ or ΑΜΚΑ are masked)."
    )
    return privacy_dialog.notice_text(context.tr, context.runtime.settings, what_i_keep)


async def privacy_command(update: Update, context: Context) -> None:
    _ = context.tr.gettext
    markup = keyboard(
        [
            [("📥 " + _("My data"), EXPORT_DATA), ("🗑 " + _("Delete my data"), DELETE_DATA)],
            [("« " + _("Main menu"), MENU_DATA)],
        ]
    )
    await show_screen(update, context, notice_text(context), markup)


# --- export ------------------------------------------------------------------------------


def _private(update: Update) -> bool:
    """A person's data goes to their private chat only (a forged button in a group: no)."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def mydata(update: Update, context: Context) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or not _private(update):
        return
    if update.callback_query is not None:
        await answer_query(update.callback_query)
    # What the application holds in memory (user_data, conversation states) is written
    # to the database every few seconds: write it now, so that the export has it.
    await context.application.update_persistence()
    async with context.runtime.sessions() as session:
        document = await privacy.export(session, user.id, now=context.runtime.clock())
    data = privacy.to_json(document).encode("utf-8")
    caption = context.tr.gettext(
        "Everything I keep about you, in JSON. /delete erases it; /privacy says why and how "
        "long I keep it."
    )
    try:
        await context.bot.send_document(
            chat.id, InputFile(io.BytesIO(data), filename=EXPORT_FILENAME), caption=caption
        )
    except Forbidden:
        log.info("chat %s blocked the bot: data export not sent", chat.id)


# --- erasure ------------------------------------------------------------------------------


def erasure_text(context: Context) -> str:
    _ = context.tr.gettext
    return "\n".join(
        [
            "🗑 " + _("Erase your data?"),
            "",
            _(
                "I will erase your name and language, your school, your kept points "
                "declaration, your reminders and calendar links, your unanswered questions "
                "and anything you are in the middle of."
            ),
            _(
                "Your fault reports stay with the support centre for its records, but "
                "anonymised: your name, your Telegram account and the texts you wrote in "
                "them are removed."
            ),
            _("This cannot be undone. You can still use me afterwards, as a new user."),
        ]
    )


async def delete_command(update: Update, context: Context) -> None:
    _ = context.tr.gettext
    markup = keyboard(
        [[("🗑 " + _("Yes, erase everything"), ERASE_DATA)], [("✖ " + _("No, keep"), KEEP_DATA)]]
    )
    await show_screen(update, context, erasure_text(context), markup)


def end_conversations(app: KepliApp, user_id: int) -> int:
    """End every conversation (flow) `user_id` is in, and drop the application's copies of
    their user_data and private chat_data; how many conversations ended."""
    ended = end_all_conversations(app, user_id)
    app.drop_user_data(user_id)
    app.drop_chat_data(user_id)  # the private chat's id is the user's id
    return ended


async def erase_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    if user is None or not _private(update):
        return
    await answer_query(query)
    async with context.runtime.sessions() as session:
        reported = await privacy.reported_ticket_ids(session, user.id)
        counts = await privacy.erase(session, user.id)
    ended = end_conversations(cast(KepliApp, context.application), user.id)
    # The tickets' posts in the staff chats showed the reporter's name and description.
    await refresh_posts(context, reported)
    log.info(
        "user %s erased their data (%s; %d conversations ended)",
        user.id,
        ", ".join(f"{k} {v}" for k, v in counts.items()),
        ended,
    )
    _ = context.tr.gettext
    await edit_text(
        context,
        query,
        "✅ "
        + _(
            "Done: I erased everything I kept about you, and your fault reports are "
            "anonymised. If you write to me again, I start from zero."
        ),
    )


async def keep_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    await edit_text(context, query, context.tr.gettext("Nothing was erased."))


# --- retention ------------------------------------------------------------------------------


async def retention_job(context: Context) -> None:
    runtime = context.runtime
    settings = runtime.settings
    # Every webhook worker schedules it: one runs, the others skip (it is idempotent).
    async with run_alone(runtime.engine, RETENTION_JOB) as alone:
        if not alone:
            log.info("retention: another worker is applying it")
            return
        async with runtime.sessions() as session:
            report = await retention.apply(
                session,
                now=runtime.clock(),
                ticket_days=settings.ticket_retention_days,
                declaration_days=settings.declaration_retention_days,
            )
        await refresh_posts(context, report.ticket_ids)


async def refresh_posts(context: Context, ticket_ids: Sequence[int]) -> None:
    """Edit the staff-chat posts of anonymised tickets, which showed the reporter."""
    for ticket_id in ticket_ids:
        async with context.runtime.sessions() as session:
            view = await tickets.get_ticket(session, ticket_id)
        await refresh_post(context, view)


def schedule_retention(app: KepliApp, settings: Settings) -> None:
    if app.job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        log.error("no job queue: the retention job is off")
        return
    for job in app.job_queue.get_jobs_by_name(RETENTION_JOB):
        job.schedule_removal()
    app.job_queue.run_daily(
        retention_job, time=time(settings.retention_hour, tzinfo=settings.tz), name=RETENTION_JOB
    )


# --- registration ---------------------------------------------------------------------------


def register(app: KepliApp) -> None:
    """Before every flow (see the module docstring); `remember_actor` in its own group."""
    data = app.bot_data
    for command in COMMANDS:
        data.commands.add(command)
    data.menu.add(MENU)
    app.add_handler(TypeHandler(Update, remember_actor), group=-2)

    async def startup(runtime: Runtime) -> None:
        schedule_retention(app, runtime.settings)

    data.on_startup(startup)
    app.add_handlers(
        [
            CommandHandler("privacy", privacy_command, filters=PRIVATE),
            CommandHandler("mydata", mydata, filters=PRIVATE),
            CommandHandler("delete", delete_command, filters=PRIVATE),
            CallbackQueryHandler(privacy_command, pattern=f"^{MENU.callback_data}$"),
            CallbackQueryHandler(mydata, pattern=privacy_codec.verb_pattern(ExportMyData)),
            CallbackQueryHandler(delete_command, pattern=privacy_codec.verb_pattern(DeleteMyData)),
            CallbackQueryHandler(erase_pressed, pattern=privacy_codec.verb_pattern(EraseMyData)),
            CallbackQueryHandler(keep_pressed, pattern=privacy_codec.verb_pattern(KeepMyData)),
        ]
    )
