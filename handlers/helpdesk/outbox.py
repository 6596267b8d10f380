"""The helpdesk's messages to others: planned in the outbox with each change, then sent.

Everything the helpdesk tells someone other than the person who just pressed or
wrote (the ticket's staff post, notices to teachers and staff, the e-mail copy,
the weekly summary, administrator alerts) is an outbox row written in the same
database transaction as the change it reports (`plan_*` below, passed to the
ticket services as their `outbox=` argument). The `OutboxDispatcher`
(`bot.services.helpdesk.outbox_delivery`) sends them with `HelpdeskSender`:

- at once, from the update that made the change (`flush`), so people hear of it
  straight away and the one who acted is told what really happened;
- and from a job every OUTBOX_POLL_SECONDS: retries with backoff, and whatever a
  crash left behind.

What the sender learns is recorded and acted on: a staff post's message id
(the ticket↔post link lives in the database), "your report reached the centre"
to the teacher only once the post went out, the teacher and the administrators
told when it never can, the staff told when a teacher has blocked the bot, a
staff group that became a supergroup followed to its new id.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Final, cast

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import MessageHandler, filters

from bot.dialogs.helpdesk import notices, screens
from bot.dialogs.helpdesk.planning import (
    plan_admin_alert,
    plan_media,
    plan_staff_notice,
    staff_tr,
    teacher_tr,
)
from bot.runtime import Runtime
from bot.services import channels, users
from bot.services.helpdesk import mail as helpdesk_mail
from bot.services.helpdesk import outbox as service
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import ticket_links, tickets
from bot.services.helpdesk.outbox import OutboxKind
from bot.services.helpdesk.outbox_delivery import OutboxDispatcher, OutboxItem, Sent
from bot.services.helpdesk.ticket_types import (
    MessagePurpose,
    TicketView,
)
from bot.services.transaction import Transaction
from bot.ui import Address, Notifier, Screen, escape
from bot.ui.notifier import PermanentFailure, TemporaryFailure
from handlers.context import Context, KepliApp
from handlers.notifier import TelegramNotifier
from handlers.render import markup
from handlers.shown import digest

log = logging.getLogger(__name__)

JOB_NAME: Final = "helpdesk-outbox"


# --- planning: bot.dialogs.helpdesk.planning; here only what needs the running bot --------


async def alert_no_centre(context: Context, school_name: str, school_code: str) -> None:
    """A teacher could not report: no centre serves the school (and there is no default)."""
    runtime = context.runtime
    body = notices.no_centre(staff_tr(runtime.settings), school_name, school_code)
    async with runtime.sessions() as session:
        rows = await plan_admin_alert(session, runtime, body)
        await session.commit()
    await flush(context, ids=rows)


# --- sending ---------------------------------------------------------------------------------


class NoStaffChat(PermanentFailure):
    """The ticket's centre has no staff chat (any more)."""


class HelpdeskSender:
    """Sends outbox rows through the `Notifier` (each row's screen built by the dialogs);
    records and follows up what happened."""

    def __init__(self, app: KepliApp, notifier: Notifier) -> None:
        self.app = app
        self.notifier = notifier

    @property
    def runtime(self) -> Runtime:
        return self.app.bot_data.runtime

    # --- send ---------------------------------------------------------------------

    async def send(self, item: OutboxItem) -> Sent:
        if item.kind is OutboxKind.MAIL_COPY:
            return await self._mail(item)
        to = await self._where(item)
        if item.kind is OutboxKind.STAFF_POST:
            screen = await self._post(item)
        else:
            screen = notices.screen_of(item.payload)
        if screen.files:  # a photo a teacher sent from Teams: its bytes, uploaded
            async with self.runtime.sessions() as session:
                screen = await channels.with_stored_files(session, screen)
            if channels.is_channel_user(_number_of(to)):
                screen = await self._downloaded(screen)
        delivered = await self.notifier.deliver(to, screen)
        if item.kind is OutboxKind.STAFF_POST and delivered.message is not None:
            # What the post shows, so that refresh_post edits it only when that changes.
            self.runtime.shown.remember(
                int(to.chat),
                int(delivered.message),
                digest(screen.text, ParseMode.HTML, markup(screen)),
            )
        ids = [m for m in (delivered.message, *delivered.extra) if m is not None]
        return Sent(int(to.chat), tuple(int(m) for m in ids))

    async def _downloaded(self, screen: Screen) -> Screen:
        """A Telegram file id means nothing on another channel (a staff photo for a Teams
        teacher): the file's bytes instead, fetched from Telegram."""
        files = []
        for file in screen.files:
            if file.ref is not None and not file.data:
                try:
                    found = await self.app.bot.get_file(file.ref)
                    data = bytes(await found.download_as_bytearray())
                except BadRequest as error:  # the file id is not Telegram's (any more)
                    raise PermanentFailure(f"file not found on Telegram: {error}") from error
                except TelegramError as error:
                    raise TemporaryFailure(f"file not fetched from Telegram: {error}") from error
                mime = _sniffed(data) if file.mime == "application/octet-stream" else file.mime
                file = dataclasses.replace(file, data=data, ref=None, mime=mime)
            files.append(file)
        return dataclasses.replace(screen, files=tuple(files))

    async def _where(self, item: OutboxItem) -> Address:
        """The recipient as it is now: chat, forum topic, the message to reply to."""
        if item.kind not in service.STAFF_CHAT_KINDS:
            assert item.chat_id is not None
            return Address.telegram(item.chat_id)
        async with self.runtime.sessions() as session:
            centre = (
                await schools_service.get_centre(session, item.centre_id)
                if item.centre_id is not None
                else None
            )
            ticket = (
                await tickets.get_ticket(session, item.ticket_id)
                if item.ticket_id is not None
                else None
            )
        chat_id = item.chat_id or (centre.staff_chat_id if centre else None)
        if chat_id is None:
            raise NoStaffChat("the centre has no staff chat")
        reply_to = None
        if (
            item.payload.get("reply_to_post")
            and ticket is not None
            and ticket.staff_chat_id == chat_id
        ):
            reply_to = ticket.staff_message_id
        thread = centre.staff_thread_id if centre else None
        return Address.telegram(chat_id, reply_to=reply_to, thread=thread)

    async def _post(self, item: OutboxItem) -> Screen:
        """The staff post, drawn from the ticket as it is now."""
        assert item.ticket_id is not None
        async with self.runtime.sessions() as session:
            ticket = await tickets.get_ticket(session, item.ticket_id)
        tr = staff_tr(self.runtime.settings)
        return screens.staff_post(tr, ticket, self.runtime.settings.tz)

    async def _mail(self, item: OutboxItem) -> Sent:
        p = item.payload
        try:
            await helpdesk_mail.send_copy(
                self.runtime.settings,
                to=str(p["to"]),
                subject=str(p["subject"]),
                body=str(p["body"]),
                reference=str(p["reference"]),
            )
        except helpdesk_mail.MailError as exc:
            raise TemporaryFailure(str(exc)) from exc
        return Sent(None)

    # --- what follows ------------------------------------------------------------------

    async def sent(self, session: Transaction, item: OutboxItem, delivered: Sent) -> None:
        runtime = self.runtime
        now = runtime.clock()
        purpose = item.payload.get("link")
        if item.kind is OutboxKind.STAFF_POST:
            assert item.ticket_id is not None
            assert delivered.chat_id is not None
            post_id = delivered.message_ids[0]
            await ticket_links.record_staff_post(
                session, item.ticket_id, delivered.chat_id, post_id, now=now
            )
            self._index(delivered.chat_id, post_id)
            await self._after_post(session, item.ticket_id, item.id)
        elif purpose is not None and item.ticket_id is not None and delivered.chat_id is not None:
            for message_id in delivered.message_ids:
                await ticket_links.add_link(
                    session,
                    item.ticket_id,
                    delivered.chat_id,
                    message_id,
                    MessagePurpose(purpose),
                    now=now,
                )
                self._index(delivered.chat_id, message_id)

    async def moved(self, session: Transaction, item: OutboxItem, new: Address) -> None:
        """A staff group became a supergroup: its centres follow it."""
        old = await self._where(item)
        moved = await schools_service.move_staff_chat(session, int(old.chat), int(new.chat))
        log.warning("outbox: chat %s became %s (%d centres moved)", old.chat, new.chat, moved)

    def _index(self, chat_id: int, message_id: int) -> None:
        index = self.runtime.helpdesk_links
        if index is not None:
            index.add(chat_id, message_id)

    async def _after_post(self, session: Transaction, ticket_id: int, post_row: int) -> None:
        """The post is out: its photos follow it, and the teacher may now be told."""
        runtime = self.runtime
        ticket = await tickets.get_ticket(session, ticket_id)
        await plan_media(
            session,
            OutboxKind.STAFF_MEDIA,
            ticket.attachments,
            prefix=f"📎 {escape(ticket.reference)}",
            now=runtime.clock(),
            ticket_id=ticket.id,
            centre_id=ticket.centre_id,
            after_id=post_row,
        )
        tr = await teacher_tr(
            session, runtime.settings, ticket.reporter_id, ticket.reporter_locale
        )
        await service.enqueue(
            session,
            OutboxKind.TEACHER_NOTICE,
            now=runtime.clock(),
            payload={"text": notices.reached(tr, ticket), "link": MessagePurpose.TEACHER.value},
            ticket_id=ticket.id,
            chat_id=ticket.reporter_id,
        )

    async def gave_up(
        self, session: Transaction, item: OutboxItem, error: str, *, gone: bool
    ) -> None:
        runtime = self.runtime
        tr = staff_tr(runtime.settings)
        ticket = (
            await tickets.get_ticket(session, item.ticket_id)
            if item.ticket_id is not None
            else None
        )
        if item.kind is OutboxKind.ADMIN_ALERT:
            log.error("an alert to the administrators could not be sent: %s", error)
            return
        if ticket is None:
            await plan_admin_alert(session, runtime, notices.not_sent(tr, item.kind.value, error))
            return
        if item.kind is OutboxKind.STAFF_POST:
            await plan_admin_alert(
                session,
                runtime,
                notices.post_failed(tr, ticket, item.attempts, error),
                ticket_id=ticket.id,
            )
            await self._tell_reporter_not_delivered(session, ticket, uncertain=False)
        elif item.kind in (OutboxKind.TEACHER_NOTICE, OutboxKind.TEACHER_MEDIA) and gone:
            if item.kind is OutboxKind.TEACHER_NOTICE:
                await plan_staff_notice(
                    session, runtime, ticket, notices.teacher_blocked(tr, ticket)
                )
            if item.chat_id is not None:
                await users.mark_blocked(session, item.chat_id, True)  # commits: the last step
        else:
            await plan_admin_alert(
                session,
                runtime,
                notices.ticket_message_not_sent(tr, ticket, item.kind.value, error),
                ticket_id=ticket.id,
            )

    async def uncertain(self, session: Transaction, item: OutboxItem) -> None:
        if item.kind is not OutboxKind.STAFF_POST or item.ticket_id is None:
            log.warning("outbox %s (%s): may or may not have been sent", item.id, item.kind)
            return
        runtime = self.runtime
        ticket = await tickets.get_ticket(session, item.ticket_id)
        tr = staff_tr(runtime.settings)
        await plan_admin_alert(
            session, runtime, notices.post_uncertain(tr, ticket), ticket_id=ticket.id
        )
        await self._tell_reporter_not_delivered(session, ticket, uncertain=True)

    async def _tell_reporter_not_delivered(
        self, session: Transaction, ticket: TicketView, *, uncertain: bool
    ) -> None:
        runtime = self.runtime
        centre = await schools_service.get_centre(session, ticket.centre_id)
        tr = await teacher_tr(
            session, runtime.settings, ticket.reporter_id, ticket.reporter_locale
        )
        await service.enqueue(
            session,
            OutboxKind.TEACHER_NOTICE,
            now=runtime.clock(),
            payload={
                "text": notices.not_delivered(tr, ticket, centre, uncertain=uncertain),
                "link": MessagePurpose.TEACHER.value,
            },
            ticket_id=ticket.id,
            chat_id=ticket.reporter_id,
        )


# --- the worker ---------------------------------------------------------------------------------


_MAGIC: Final = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def _sniffed(data: bytes) -> str:
    """The type of a file Telegram gave without one (a photo is a JPEG there)."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def _number_of(to: Address) -> int:
    """The chat of a Telegram address as a number (0 for anything else)."""
    try:
        return int(to.chat)
    except ValueError:
        return 0


def dispatcher_for(app: KepliApp) -> OutboxDispatcher:
    runtime = app.bot_data.runtime
    if runtime.outbox is None:
        settings = runtime.settings
        runtime.outbox = OutboxDispatcher(
            runtime.sessions,
            HelpdeskSender(app, runtime.route(TelegramNotifier(app.bot))),
            now=runtime.clock,
            max_attempts=settings.outbox_max_attempts,
        )
    return runtime.outbox


async def deliver_now(app: KepliApp) -> None:
    """Send everything due (the job; tests call it instead of waiting)."""
    await dispatcher_for(app).run()


async def flush(
    context: Context, *, ticket_ids: Sequence[int] = (), ids: Sequence[int] = ()
) -> None:
    """Send now what the current update planned (and what that plans in turn).

    Not the e-mail copy: an SMTP server must not hold up the chat (see `kick`)."""
    await dispatcher_for(cast(KepliApp, context.application)).flush(
        ticket_ids=ticket_ids, ids=ids, skip=(OutboxKind.MAIL_COPY,)
    )


def kick(context: Context) -> None:
    """A delivery pass now, in the background (the e-mail copy of a new ticket)."""
    app = cast(KepliApp, context.application)
    app.create_task(deliver_now(app), name="helpdesk outbox")


async def outcome(context: Context, ids: Sequence[int]) -> list[service.RowState]:
    async with context.runtime.sessions() as session:
        return await service.states(session, list(ids))


async def _job(context: Context) -> None:
    app = cast(KepliApp, context.application)
    try:
        await deliver_now(app)
    except Exception:
        log.exception("outbox: delivery pass failed")
    finally:
        if app.running and app.job_queue is not None:
            poll = app.bot_data.runtime.settings.outbox_poll_seconds
            app.job_queue.run_once(_job, when=poll, name=JOB_NAME)


async def chat_migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its centres follow it, and what waits is sent there."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, int(message.migrate_to_chat_id)
    elif message.migrate_from_chat_id is not None:
        old, new = int(message.migrate_from_chat_id), message.chat_id
    else:
        return
    async with context.runtime.sessions() as session:
        moved = await schools_service.move_staff_chat(session, old, new)
        await session.commit()
    if moved:
        log.warning("staff chat %s became supergroup %s: %d centres follow it", old, new, moved)
        await deliver_now(cast(KepliApp, context.application))


def register(app: KepliApp) -> None:
    data = app.bot_data
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated))

    async def start(runtime: Runtime) -> None:
        dispatcher = dispatcher_for(app)
        dispatcher.stopped = False
        await dispatcher.recover()
        if app.job_queue is not None:
            app.job_queue.run_once(_job, when=timedelta(seconds=0.5), name=JOB_NAME)
        else:  # pragma: no cover - the job-queue extra is a dependency
            log.error("helpdesk: no JobQueue, the outbox is sent only as changes happen")

    async def stop(runtime: Runtime) -> None:
        if runtime.outbox is not None:
            runtime.outbox.stop()
            runtime.outbox = None

    data.on_startup(start)
    data.on_shutdown(stop)
