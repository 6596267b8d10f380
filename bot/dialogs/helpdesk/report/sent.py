"""What the teacher is told when «Send» is pressed: honest words about where the report is.

The teacher hears "registered as KPL-…" first; that the centre has it only once
the staff post went out (the outbox says so later). A report no staff chat can
receive is said so, with the centre's other contacts. A draft already sent (a
double tap, a replay, a restart after a crash) shows its reference again.
"""

from __future__ import annotations

from bot.dialogs.helpdesk.report.screens import (
    Env,
    Outcome,
    ask_description,
    ask_school,
    ask_urgency,
    show_summary,
)
from bot.i18n import Translator
from bot.services.helpdesk.draft import ReportDraft
from bot.ui import escape


def registered(env: Env, reference: str, centre: str, *, routable: bool, contacts: str) -> str:
    """The new ticket is stored (its messages in the outbox); `contacts` in markup."""
    _ = env.tr.gettext
    if routable:
        return _(
            "✅ Your report is registered as <b>{ref}</b>. I will tell you here as soon as "
            "{centre} has it. Reply to this message to add something."
        ).format(ref=escape(reference), centre=escape(centre))
    return _(
        "✅ Your report is registered as <b>{ref}</b>, but {centre} cannot receive reports "
        "through me yet, so no one there has seen it. The administrators have been told. "
        "Please also contact the centre: {contacts}"
    ).format(ref=escape(reference), centre=escape(centre), contacts=contacts)


def added(env: Env, reference: str) -> str:
    return env.tr.gettext(
        "➕ Added to <b>{ref}</b>. You will hear of every change here. "
        "Reply to this message to add something."
    ).format(ref=escape(reference))


def already_sent(env: Env, reference: str) -> str:
    return env.tr.gettext(
        "✅ This report was already sent: it is registered as <b>{ref}</b>. You will hear of "
        "every change here. Reply to this message to add something."
    ).format(ref=escape(reference))


def too_many(env: Env, draft: ReportDraft, per_hour: int, retry_at: str) -> Outcome:
    """Over the hourly limit: the summary again, the draft kept (`retry_at`: a local time)."""
    body = env.tr.ngettext(
        "You have sent {n} report in the last hour, the most I accept. You can send "
        "this one from {time}: it is kept until then, just press «Send» again.",
        "You have sent {n} reports in the last hour, the most I accept. You can send "
        "this one from {time}: it is kept until then, just press «Send» again.",
        per_hour,
    ).format(n=per_hour, time=retry_at)
    return show_summary(env, draft, "⏳ " + escape(body) + "\n\n")


def no_centre(env: Env, draft: ReportDraft) -> Outcome:
    body = env.tr.gettext(
        "No support centre is set up for your school yet, so I cannot send this. "
        "The administrators have been told; your report is kept."
    )
    return show_summary(env, draft, "⚠️ " + body + "\n\n")


def unknown_school(env: Env, draft: ReportDraft) -> Outcome:
    return ask_school(env, draft, env.tr.gettext("That school is not in the list.") + "\n")


def invalid(env: Env, draft: ReportDraft) -> Outcome:
    note = env.tr.gettext("Please describe the fault, or send a photo of it.")
    return ask_description(env, draft.replace(editing=True), note + "\n\n")


def closed_meanwhile(env: Env, draft: ReportDraft) -> Outcome:
    """The open report the teacher chose to follow was closed: this becomes a new one."""
    draft = draft.replace(duplicate_of=None, duplicate_ref=None)
    note = env.tr.gettext("That report was closed in the meantime, so this will be a new one.")
    return ask_urgency(env, draft, note + "\n\n")


def addition_notice(staff: Translator, name: str, reference: str, description: str) -> str:
    """The staff's notice (in the staff's language) of a teacher who reported the same fault
    on `reference`."""
    notice = staff.gettext("➕ {name} reported the same fault on {ref}:").format(
        name=escape(name), ref=escape(reference)
    )
    if description:
        notice += "\n" + escape(description)
    return notice
