"""The wording of what the helpdesk's outbox carries, and the screens it delivers.

An outbox row is written in the transaction of the change it reports; its payload
holds the notice as the recipient will read it (translated when planned: text in
the `bot.ui` markup subset, buttons as packed actions, files by the channel's own
ids). At delivery `screen_of` turns the payload back into a `Screen` for the
`Notifier`, so neither the outbox nor its worker knows the channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogs.helpdesk import actions, text
from bot.i18n import Translator
from bot.services.helpdesk.schools import CentreInfo
from bot.services.helpdesk.ticket_summary import Summary
from bot.services.helpdesk.ticket_types import (
    AttachmentKind,
    AttachmentView,
    NewAttachment,
    TicketView,
)
from bot.ui import Button, File, Screen
from bot.ui.actions import pack

Attachment = AttachmentView | NewAttachment

FILE_KINDS = {
    AttachmentKind.PHOTO: "photo",
    AttachmentKind.DOCUMENT: "document",
    AttachmentKind.VOICE: "voice",
}


# --- payloads ↔ screens ---------------------------------------------------------------------


def rows_of(screen: Screen) -> list[list[tuple[str, str]]] | None:
    """A screen's buttons as JSON-able rows of (label, packed action)."""
    if not screen.buttons:
        return None
    return [
        [(b.label, pack(b.action)) for b in row if b.action is not None] for row in screen.buttons
    ]


def media_item(a: Attachment, caption: str) -> dict[str, Any]:
    return {"kind": a.kind.value, "file_id": a.file_id, "caption": caption}


def caption(prefix: str, a: Attachment) -> str:
    return prefix + (f"\n{escape(a.caption)}" if a.caption else "")


def screen_of(payload: Mapping[str, Any]) -> Screen:
    """The screen an outbox row's payload describes: a text with buttons, or files.

    A button whose data no helpdesk codec reads any more is left out (never sent as
    something that would answer "no longer active"). A payload without text or
    files (erased) raises KeyError: the worker retries it and then gives up.
    """
    if "media" in payload:
        return Screen(
            "",
            files=tuple(_file(m) for m in payload["media"]),
            markup=True,
        )
    rows = []
    for row in payload.get("markup") or ():
        buttons = []
        for label, data in row:
            action = actions.parse(str(data))
            if action is not None:
                buttons.append(Button(str(label), action))
        rows.append(buttons)
    return Screen.of(str(payload["text"]), rows, markup=True)


def _file(item: Mapping[str, Any]) -> File:
    kind = FILE_KINDS[AttachmentKind(item["kind"])]
    return File(name=kind, ref=str(item["file_id"]), caption=str(item["caption"]), kind=kind)


def split_media(attachments: Sequence[Attachment]) -> list[list[Attachment]]:
    """The calls that pass attachments on: photos as albums of up to 10, the rest one by one
    (a single photo goes alone)."""
    photos = [a for a in attachments if a.kind is AttachmentKind.PHOTO]
    others = [a for a in attachments if a.kind is not AttachmentKind.PHOTO]
    calls: list[list[Attachment]] = []
    if len(photos) == 1:
        others.insert(0, photos[0])
    elif photos:
        calls += [photos[i : i + 10] for i in range(0, len(photos), 10)]
    calls += [[a] for a in others]
    return calls


# --- contacts and alerts ----------------------------------------------------------------------


def contacts_text(tr: Translator, centre: CentreInfo | None) -> str:
    """The centre's other ways in: phone and e-mail, or that there are none on record."""
    parts = []
    if centre is not None and centre.phone:
        parts.append(f"☎️ {escape(centre.phone)}")
    if centre is not None and centre.email:
        parts.append(f"✉️ {escape(centre.email)}")
    if not parts:
        return tr.gettext("(no phone or e-mail of the centre is on record)")
    return " · ".join(parts)


def staff_message_lost(tr: Translator, ticket: TicketView) -> str:
    return "⚠️ " + tr.gettext(
        "{ref}: a message for the staff of {centre} reaches no one: the centre has no staff chat."
    ).format(ref=escape(ticket.reference), centre=escape(ticket.centre_name))


def no_centre(tr: Translator, school_name: str, school_code: str) -> str:
    return "⚠️ " + tr.gettext(
        "A teacher could not report a fault at {school}: no support centre serves it. "
        "Add a centre for its directorate, or a default centre."
    ).format(school=escape(f"{school_name} ({school_code})"))


def unroutable(tr: Translator, ticket: TicketView) -> str:
    return "⚠️ " + tr.gettext(
        "{ref} ({school}) reaches no one: {centre} has no staff chat. Bind one "
        "with /staffchat in the centre's group, or have another centre serve "
        "the school's directorate."
    ).format(
        ref=escape(ticket.reference),
        school=escape(f"{ticket.school_name} ({ticket.school_code})"),
        centre=escape(ticket.centre_name),
    )


def reached(tr: Translator, ticket: TicketView) -> str:
    return tr.gettext("📨 {ref} has reached {centre}. You will hear of every change here.").format(
        ref=f"<b>{escape(ticket.reference)}</b>", centre=escape(ticket.centre_name)
    )


def not_sent(tr: Translator, kind: str, error: str) -> str:
    return "⚠️ " + tr.gettext("A helpdesk message ({kind}) could not be sent: {error}").format(
        kind=kind, error=escape(error)
    )


def post_failed(tr: Translator, ticket: TicketView, attempts: int, error: str) -> str:
    return "⚠️ " + tr.gettext(
        "{ref} could not be posted to the staff chat of {centre} ({attempts} attempts): {error}"
    ).format(
        ref=escape(ticket.reference),
        centre=escape(ticket.centre_name),
        attempts=attempts,
        error=escape(error),
    )


def teacher_blocked(tr: Translator, ticket: TicketView) -> str:
    return "⚠️ " + tr.gettext(
        "{ref}: the teacher has blocked the bot and did not get this. "
        "Please contact the school another way."
    ).format(ref=escape(ticket.reference))


def ticket_message_not_sent(tr: Translator, ticket: TicketView, kind: str, error: str) -> str:
    return "⚠️ " + tr.gettext("A message about {ref} ({kind}) could not be sent: {error}").format(
        ref=escape(ticket.reference), kind=kind, error=escape(error)
    )


def post_uncertain(tr: Translator, ticket: TicketView) -> str:
    return "⚠️ " + tr.gettext(
        "{ref}: the bot stopped while posting it to the staff chat of {centre}, so it "
        "may not have arrived. Please check the group; staff also find it in /tickets."
    ).format(ref=escape(ticket.reference), centre=escape(ticket.centre_name))


def not_delivered(
    tr: Translator, ticket: TicketView, centre: CentreInfo | None, *, uncertain: bool
) -> str:
    """To the reporter: their ticket did not (or may not have) reach(ed) the centre."""
    if uncertain:
        body = tr.gettext(
            "⚠️ I could not confirm that {ref} reached {centre}. The administrators "
            "have been told and will check. You can also contact the centre: {contacts}"
        )
    else:
        body = tr.gettext(
            "⚠️ {ref} could not be delivered to {centre}. The administrators have been "
            "told. Please also contact the centre: {contacts}"
        )
    return body.format(
        ref=f"<b>{escape(ticket.reference)}</b>",
        centre=escape(ticket.centre_name),
        contacts=contacts_text(tr, centre),
    )


# --- notices to the staff chat ------------------------------------------------------------


def closed_or_reopened(tr: Translator, ticket: TicketView, name: str, *, closed: bool) -> str:
    if closed:
        notice = tr.gettext("🔒 {name} closed {ref}.")
    else:
        notice = tr.gettext("🔁 {name} reopened {ref}: the fault is back.")
    return notice.format(name=escape(name), ref=escape(ticket.reference))


def teacher_wrote(
    tr: Translator, ticket: TicketView, name: str, body: str, *, status_changed: bool
) -> str:
    """A teacher's message on a ticket, for the staff chat."""
    notice = tr.gettext("💬 {name} on {ref}:").format(
        name=escape(name), ref=escape(ticket.reference)
    )
    if body:
        notice += "\n" + escape(body)
    if status_changed:
        notice += "\n" + tr.gettext("Status: {status}").format(
            status=text.status(tr, ticket.status)
        )
    return notice


def weekly_summary(tr: Translator, tz: ZoneInfo, centre_name: str, report: Summary) -> str:
    """A centre's week, for its staff chat."""
    return "📊 " + escape(text.summary_text(tr, tz, centre_name, report))
