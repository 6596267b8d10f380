"""The privacy notice (/privacy), the same on every channel but for what identifies the
person there (their Telegram name, or their Microsoft Teams name and account id)."""

from __future__ import annotations

from bot.config import Settings
from bot.i18n import Translator


def notice_text(tr: Translator, settings: Settings, what_i_keep: str) -> str:
    """The notice; `what_i_keep` is the channel's translated "What I keep: …" line."""
    _ = tr.gettext
    controller = settings.privacy_controller or settings.centre_name
    contact = settings.privacy_contact or ", ".join(
        part for part in (settings.centre_email, settings.centre_phone) if part
    )
    declaration_days = settings.declaration_retention_days
    ticket_days = settings.ticket_retention_days
    lines = [
        "🔒 " + _("Privacy"),
        "",
        what_i_keep,
        _(
            "Why: to answer you, to pass your fault reports to the support centre of your "
            "school and to remind you of the nomination dates."
        ),
        _("How long:")
        + " "
        + tr.ngettext(
            "your kept declaration until you delete it, or {days} day after your last message;",
            "your kept declaration until you delete it, or {days} days after your last message;",
            declaration_days,
        ).format(days=tr.number(declaration_days))
        + " "
        + tr.ngettext(
            "your name and texts in a fault report until {days} day after it is closed.",
            "your name and texts in a fault report until {days} days after it is closed.",
            ticket_days,
        ).format(days=tr.number(ticket_days)),
        _(
            "Who sees it: the staff of the support centre of your school see your fault "
            "reports; nobody else sees anything."
        ),
        _("Your rights: /mydata sends you everything I keep about you; /delete erases it."),
        _("Controller: {controller}.").format(controller=controller),
    ]
    if contact:
        lines.append(_("Contact: {contact}").format(contact=contact))
    return "\n".join(lines)
