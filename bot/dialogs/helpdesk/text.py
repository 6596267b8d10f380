"""Words and cards of the helpdesk: labels, the ticket card, history lines, refusals.

Everything a person reads about a ticket is rendered here, in one place, for
one translator; the texts are HTML (user content is escaped).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Final
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator
from bot.services.helpdesk.ticket_summary import Summary
from bot.services.helpdesk.ticket_types import (
    AttachmentKind,
    Category,
    EventKind,
    EventView,
    TicketView,
    Urgency,
)
from bot.services.helpdesk.ticket_workflow import Refusal, Status

CATEGORY_LABELS: Final[dict[Category, str]] = {
    Category.COMPUTER: N_("Computer"),
    Category.PRINTER: N_("Printer"),
    Category.NETWORK: N_("Network / Internet (ΠΣΔ)"),
    Category.PROJECTOR: N_("Projector / interactive board"),
    Category.SOFTWARE: N_("Software"),
    Category.ACCOUNTS: N_("ΠΣΔ accounts / e-mail"),
    Category.OTHER: N_("Other"),
}
CATEGORY_ICONS: Final[dict[Category, str]] = {
    Category.COMPUTER: "🖥",
    Category.PRINTER: "🖨",
    Category.NETWORK: "🌐",
    Category.PROJECTOR: "📽",
    Category.SOFTWARE: "💿",
    Category.ACCOUNTS: "🔑",
    Category.OTHER: "❔",
}

STATUS_LABELS: Final[dict[Status, str]] = {
    Status.NEW: N_("Pending"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.WAITING: N_("Waiting for the school"),
    Status.RESOLVED: N_("Resolved"),
    Status.CLOSED: N_("Closed"),
}
STATUS_ICONS: Final[dict[Status, str]] = {
    Status.NEW: "🆕",
    Status.IN_PROGRESS: "🔧",
    Status.WAITING: "⏳",
    Status.RESOLVED: "✅",
    Status.CLOSED: "🔒",
}

ATTACHMENT_LABELS: Final[dict[AttachmentKind, str]] = {
    AttachmentKind.PHOTO: N_("Photo"),
    AttachmentKind.DOCUMENT: N_("Document"),
    AttachmentKind.VOICE: N_("Voice message"),
}

URGENCY_LABELS: Final[dict[Urgency, str]] = {
    Urgency.BLOCKING: N_("The lab cannot be used"),
    Urgency.PARTIAL: N_("The lab can be used in part"),
    Urgency.MINOR: N_("Minor: the lab works"),
}
URGENCY_ICONS: Final[dict[Urgency, str]] = {
    Urgency.BLOCKING: "🔴",
    Urgency.PARTIAL: "🟠",
    Urgency.MINOR: "🟢",
}

REFUSAL_TEXTS: Final[dict[Refusal, str]] = {
    Refusal.NOT_ALLOWED: N_("You cannot do that on this ticket."),
    Refusal.ALREADY: N_("Nothing changed: the ticket is already «{status}»."),
    Refusal.FROM_STATUS: N_("Nothing changed: not possible while the ticket is «{status}»."),
    Refusal.REOPEN_EXPIRED: N_(
        "Nothing changed: a ticket can be reopened up to {days} days after it was finished. "
        "Please report the fault again."
    ),
}


def category(tr: Translator, value: Category) -> str:
    return f"{CATEGORY_ICONS[value]} {tr.gettext(CATEGORY_LABELS[value])}"


def status(tr: Translator, value: Status) -> str:
    return f"{STATUS_ICONS[value]} {tr.gettext(STATUS_LABELS[value])}"


def urgency(tr: Translator, value: Urgency) -> str:
    return f"{URGENCY_ICONS[value]} {tr.gettext(URGENCY_LABELS[value])}"


def refusal(tr: Translator, reason: Refusal, current: Status, reopen_days: int) -> str:
    return tr.gettext(REFUSAL_TEXTS[reason]).format(
        status=tr.gettext(STATUS_LABELS[current]), days=reopen_days
    )


def when(tr: Translator, moment: datetime, tz: ZoneInfo) -> str:
    return tr.datetime(moment, fmt="short", tzinfo=tz)


def duration(tr: Translator, span: timedelta | None) -> str:
    """`3 h 20 min`, `2 days 4 h`, or a dash when there is nothing to measure."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(tr.ngettext("{n} day", "{n} days", days).format(n=days))
    if hours:
        parts.append(tr.gettext("{n} h").format(n=hours))
    if mins or not parts:
        parts.append(tr.gettext("{n} min").format(n=mins))
    return " ".join(parts[:2])


def ticket_card(tr: Translator, ticket: TicketView, tz: ZoneInfo, *, for_staff: bool) -> str:
    """The ticket at a glance (HTML). Staff also see who reported it and when."""
    _ = tr.gettext
    lines = [
        f"🎫 <b>{escape(ticket.reference)}</b> · {status(tr, ticket.status)}",
        f"🏫 {escape(ticket.school_name)} ({escape(ticket.school_code)})",
    ]
    place = [escape(ticket.lab)] if ticket.lab else []
    place.append(category(tr, ticket.category))
    if ticket.equipment:
        place.append(escape(ticket.equipment))
    lines.append("📍 " + " · ".join(place))
    lines.append(urgency(tr, ticket.urgency))
    if for_staff:
        lines.append(
            _("👤 Reported by {name} on {date}").format(
                name=escape(ticket.reporter_name), date=when(tr, ticket.created_at, tz)
            )
        )
    if ticket.assignee_name:
        lines.append(_("🧑‍🔧 Assigned to {name}").format(name=escape(ticket.assignee_name)))
    elif for_staff:
        lines.append(_("🧑‍🔧 Not assigned yet"))
    if ticket.description:
        lines.append("📝 " + escape(ticket.description))
    visible = [a for a in ticket.attachments if for_staff or not a.internal]
    if visible:
        lines.append(
            tr.ngettext("📎 {n} attachment", "📎 {n} attachments", len(visible)).format(
                n=len(visible)
            )
        )
    return "\n".join(lines)


def duplicate_card(tr: Translator, ticket: TicketView, now: datetime) -> str:
    """Someone else's open ticket, as the duplicate offer shows it (HTML): reference, status,
    category, device and age only; never its description, names, school or history."""
    place = [category(tr, ticket.category)]
    if ticket.equipment:
        place.append(escape(ticket.equipment))
    age = tr.gettext("reported {time} ago").format(
        time=duration(tr, max(now - ticket.created_at, timedelta(0)))
    )
    return "\n".join(
        [
            f"🎫 <b>{escape(ticket.reference)}</b> · {status(tr, ticket.status)}",
            "📍 " + " · ".join(place),
            "🕒 " + age,
        ]
    )


def ticket_line(tr: Translator, ticket: TicketView, tz: ZoneInfo) -> str:
    """Two lines of a list: reference, category and school; status and last change."""
    return tr.gettext("{icon} <b>{ref}</b> · {category} · {school}\n    {status} · {when}").format(
        icon=STATUS_ICONS[ticket.status],
        ref=escape(ticket.reference),
        category=tr.gettext(CATEGORY_LABELS[ticket.category]),
        school=escape(ticket.school_name),
        status=tr.gettext(STATUS_LABELS[ticket.status]),
        when=when(tr, ticket.updated_at, tz),
    )


def _quote(text: str | None, limit: int = 300) -> str:
    if not text:
        return ""
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return f": «{escape(short)}»"


def event_line(tr: Translator, event: EventView, tz: ZoneInfo) -> str:
    """One line of a ticket's history."""
    _ = tr.gettext
    who = escape(event.actor_name) or _("the system")
    if event.kind is EventKind.CREATED:
        what = _("reported the fault")
    elif event.kind is EventKind.ASSIGNED:
        what = (
            _("took the ticket over from {name}").format(name=escape(event.text))
            if event.text
            else _("took the ticket")
        )
    elif event.kind is EventKind.STATUS and event.to_status is not None:
        what = _("set the status to «{status}»").format(
            status=tr.gettext(STATUS_LABELS[event.to_status])
        )
    elif event.kind is EventKind.REPLY:
        what = _("replied") + _quote(event.text)
    elif event.kind is EventKind.TEACHER_REPLY:
        what = _("wrote") + _quote(event.text)
    elif event.kind is EventKind.NOTE:
        what = "🔒 " + _("internal note") + _quote(event.text)
    elif event.kind is EventKind.REOPENED:
        what = _("reopened the ticket")
    elif event.kind is EventKind.CLOSED:
        what = _("closed the ticket")
    elif event.kind is EventKind.ADDED:
        what = _("reported the same fault again") + _quote(event.text)
    else:
        what = event.kind.value
    return f"• {when(tr, event.at, tz)} — {who} {what}"


def history_text(
    tr: Translator, ticket: TicketView, events: list[EventView], tz: ZoneInfo, *, for_staff: bool
) -> str:
    lines = [ticket_card(tr, ticket, tz, for_staff=for_staff), "", tr.gettext("<b>History</b>")]
    lines.extend(event_line(tr, e, tz) for e in events)
    return "\n".join(lines)


def summary_text(tr: Translator, tz: ZoneInfo, centre_name: str, report: Summary) -> str:
    """A centre's summary for a period (plain text: the console and, escaped, the staff chat)."""
    _ = tr.gettext
    lines = [
        _("{centre}: tickets from {start} to {end}").format(
            centre=centre_name,
            start=tr.date(report.since.astimezone(tz).date()),
            end=tr.date((report.until - timedelta(seconds=1)).astimezone(tz).date()),
        ),
        _("New tickets: {n}. Open now (all): {open}.").format(
            n=report.opened, open=report.open_now
        ),
    ]
    if report.by_status:
        lines.append(_("By status:"))
        for value, count in sorted(report.by_status.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {tr.gettext(STATUS_LABELS[value])}: {count}")
    if report.by_category:
        lines.append(_("By category:"))
        for kind, count in sorted(report.by_category.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {tr.gettext(CATEGORY_LABELS[kind])}: {count}")
    lines.append(
        _("Median time to first response: {time}").format(
            time=duration(tr, report.median_first_response)
        )
    )
    lines.append(
        _("Median time to resolution: {time}").format(time=duration(tr, report.median_resolution))
    )
    return "\n".join(lines)


def _plain_card(tr: Translator, ticket: TicketView, tz: ZoneInfo) -> list[str]:
    _ = tr.gettext
    lines = [
        _("Ticket: {ref}").format(ref=ticket.reference),
        _("Status: {status}").format(status=_(STATUS_LABELS[ticket.status])),
        _("School: {name} ({code})").format(name=ticket.school_name, code=ticket.school_code),
        _("Lab / room: {lab}").format(lab=ticket.lab or "—"),
        _("Category: {category}").format(category=_(CATEGORY_LABELS[ticket.category])),
        _("Equipment: {equipment}").format(equipment=ticket.equipment or "—"),
        _("Urgency: {urgency}").format(urgency=_(URGENCY_LABELS[ticket.urgency])),
        _("Reported by: {name}, {date}").format(
            name=ticket.reporter_name, date=when(tr, ticket.created_at, tz)
        ),
    ]
    return lines


def mail_subject(tr: Translator, ticket: TicketView) -> str:
    kind = tr.gettext(CATEGORY_LABELS[ticket.category])
    return f"[{ticket.reference}] {kind}: {ticket.school_name} ({ticket.school_code})"


def mail_body(tr: Translator, ticket: TicketView, tz: ZoneInfo) -> str:
    """The e-mail copy of a new ticket (plain text)."""
    _ = tr.gettext
    lines = [
        _("A new fault report was made through keplibot (Telegram)."),
        "",
        *_plain_card(tr, ticket, tz),
        "",
        _("Description:"),
        ticket.description or _("(no text: see the attachments)"),
    ]
    visible = [a for a in ticket.attachments if not a.internal]
    if visible:
        lines += ["", _("Attachments (kept in Telegram, in the staff chat):")]
        for a in visible:
            name = a.file_name or _(ATTACHMENT_LABELS[a.kind])
            lines.append(f"- {name}" + (f": {a.caption}" if a.caption else ""))
    lines += [
        "",
        _("Work this ticket in the centre's staff chat in Telegram, or with /tickets."),
    ]
    return "\n".join(lines)
