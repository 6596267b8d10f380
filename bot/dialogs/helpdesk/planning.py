"""Planning the helpdesk's notices: outbox rows written inside the change's transaction.

Every change to a ticket that someone else must hear of is planned here, in the same
database transaction as the change (the ticket services take these planners as their
`outbox=` argument): the ticket's staff post, notices to the ticket's teachers and to
the staff chat, photos and files passed on, the e-mail copy, administrator alerts. A
planner words the notice in its reader's language (`bot.dialogs.helpdesk.notices`) and
stores what to send and to whom; a channel's sender delivers it later through the
`Notifier` port. Channel-neutral: any adapter (Telegram's `handlers/helpdesk/`, or a
second channel's) plans through these same functions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.dialogs.helpdesk import notices, screens, text
from bot.i18n import Translator, get_translator, pick_locale
from bot.runtime import Runtime
from bot.services import users
from bot.services.helpdesk import mail as helpdesk_mail
from bot.services.helpdesk import outbox as service
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk.outbox import OutboxKind
from bot.services.helpdesk.schools import CentreInfo
from bot.services.helpdesk.ticket_types import (
    AttachmentView,
    Change,
    MessagePurpose,
    NewAttachment,
    TicketView,
)
from bot.services.transaction import Transaction
from bot.ui import escape

log = logging.getLogger(__name__)


def staff_tr(settings: Settings) -> Translator:
    """Staff chats and administrators read the deployment's default language."""
    return get_translator(settings.default_locale)


async def teacher_tr(
    session: Transaction, settings: Settings, user_id: int, fallback: str | None
) -> Translator:
    stored = await users.get_locale(session, user_id)
    return get_translator(pick_locale(stored, fallback, settings.default_locale))


def contacts_text(tr: Translator, centre: CentreInfo | None) -> str:
    """The centre's other ways in (the wording is the dialogs')."""
    return notices.contacts_text(tr, centre)


async def plan_media(
    session: Transaction,
    kind: OutboxKind,
    attachments: Sequence[AttachmentView | NewAttachment],
    *,
    prefix: str,
    now: datetime,
    ticket_id: int,
    centre_id: int | None = None,
    chat_id: int | None = None,
    after_id: int | None,
) -> None:
    """Photos as albums (one row a call), documents and voice notes one by one."""
    for call in notices.split_media(attachments):
        media = [notices.media_item(a, notices.caption(prefix, a)) for a in call]
        await service.enqueue(
            session,
            kind,
            now=now,
            payload={"media": media, "reply_to_post": True},
            ticket_id=ticket_id,
            centre_id=centre_id,
            chat_id=chat_id,
            after_id=after_id,
        )


async def plan_staff_notice(
    session: Transaction,
    runtime: Runtime,
    ticket: TicketView,
    body: str,
    *,
    attachments: Sequence[AttachmentView | NewAttachment] = (),
) -> int | None:
    """A message to the ticket's centre's staff chat, replying to the post (HTML).

    None when the centre has no staff chat: then the administrators are alerted.
    """
    centre = await schools_service.get_centre(session, ticket.centre_id)
    if centre is None or centre.staff_chat_id is None:
        tr = staff_tr(runtime.settings)
        await plan_admin_alert(
            session, runtime, notices.staff_message_lost(tr, ticket), ticket_id=ticket.id
        )
        return None
    now = runtime.clock()
    post = await service.pending_of_ticket(session, ticket.id, OutboxKind.STAFF_POST)
    after = post[0] if post else None
    row = await service.enqueue(
        session,
        OutboxKind.STAFF_NOTICE,
        now=now,
        payload={"text": body, "reply_to_post": True, "link": MessagePurpose.POST.value},
        ticket_id=ticket.id,
        centre_id=ticket.centre_id,
        after_id=after,
    )
    if attachments:
        await plan_media(
            session,
            OutboxKind.STAFF_MEDIA,
            attachments,
            prefix=f"📎 {escape(ticket.reference)}",
            now=now,
            ticket_id=ticket.id,
            centre_id=ticket.centre_id,
            after_id=row,
        )
    return row


async def plan_teacher_notices(
    session: Transaction,
    runtime: Runtime,
    change: Change,
    *,
    actor_id: int,
    attachments: Sequence[NewAttachment] = (),
) -> list[int]:
    """Tell the ticket's teachers (not the one who acted) of a change; the rows planned."""
    ticket = change.ticket
    settings = runtime.settings
    now = runtime.clock()
    planned: list[int] = []
    for teacher_id in ticket.participant_ids:
        if teacher_id == actor_id:
            continue
        fallback = ticket.reporter_locale if teacher_id == ticket.reporter_id else None
        tr = await teacher_tr(session, settings, teacher_id, fallback)
        notice = screens.teacher_notice(tr, change, with_files=bool(attachments))
        if notice is None:
            continue
        row = await service.enqueue(
            session,
            OutboxKind.TEACHER_NOTICE,
            now=now,
            payload={
                "text": notice.text,
                "markup": notices.rows_of(notice),
                "link": MessagePurpose.TEACHER.value,
            },
            ticket_id=ticket.id,
            chat_id=teacher_id,
        )
        assert row is not None
        planned.append(row)
        for attachment in attachments:
            media = [notices.media_item(attachment, notices.caption("📎", attachment))]
            await service.enqueue(
                session,
                OutboxKind.TEACHER_MEDIA,
                now=now,
                payload={"media": media, "link": MessagePurpose.TEACHER.value},
                ticket_id=ticket.id,
                chat_id=teacher_id,
                after_id=row,
            )
    return planned


async def plan_admin_alert(
    session: Transaction, runtime: Runtime, body: str, *, ticket_id: int | None = None
) -> list[int]:
    """An alert (HTML) to the administrators' chat and each administrator."""
    settings = runtime.settings
    chats = ([settings.admin_chat_id] if settings.admin_chat_id is not None else []) + [
        a for a in settings.admin_ids if a != settings.admin_chat_id
    ]
    if not chats:
        log.error("no administrators to alert (ADMIN_IDS, ADMIN_CHAT_ID): %s", body)
    rows = []
    for chat_id in chats:
        row = await service.enqueue(
            session,
            OutboxKind.ADMIN_ALERT,
            now=runtime.clock(),
            payload={"text": body},
            ticket_id=ticket_id,
            chat_id=chat_id,
        )
        assert row is not None
        rows.append(row)
    return rows


@dataclass
class NewTicketPlan:
    """What `plan_new_ticket` found: can the ticket reach a staff chat, and whom else to call."""

    runtime: Runtime
    routable: bool = False
    centre: CentreInfo | None = None
    mailed: bool = False  # an e-mail copy was planned

    async def __call__(self, session: Transaction, ticket: TicketView) -> None:
        runtime = self.runtime
        settings = runtime.settings
        now = runtime.clock()
        self.centre = centre = await schools_service.get_centre(session, ticket.centre_id)
        self.routable = centre is not None and centre.staff_chat_id is not None
        tr = staff_tr(settings)
        if self.routable:
            await service.enqueue(
                session,
                OutboxKind.STAFF_POST,
                now=now,
                ticket_id=ticket.id,
                centre_id=ticket.centre_id,
            )
        else:
            await plan_admin_alert(
                session, runtime, notices.unroutable(tr, ticket), ticket_id=ticket.id
            )
        to = centre.helpdesk_email if centre else None
        if helpdesk_mail.mail_enabled(settings, to):
            self.mailed = True
            await service.enqueue(
                session,
                OutboxKind.MAIL_COPY,
                now=now,
                payload={
                    "to": to,
                    "subject": text.mail_subject(tr, ticket),
                    "body": text.mail_body(tr, ticket, settings.tz),
                    "reference": ticket.reference,
                },
                ticket_id=ticket.id,
                centre_id=ticket.centre_id,
            )
