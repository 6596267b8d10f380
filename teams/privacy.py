"""/privacy, /mydata and /delete in a Teams chat (`handlers/privacy.py` for Teams).

The same services (`bot.services.privacy`: the export of every section, the erasure in
one transaction) and buttons (`bot.dialogs.common`'s privacy codec). They are answered
in the middle of a flow without leaving it; erasure ends everything, and the turn is
not saved afterwards (the person's rows are gone: writing to me again starts afresh).
The tickets the person reported are anonymised by the erasure; their staff posts are
refreshed through `Runtime.refresh_staff_post`.
"""

from __future__ import annotations

import logging
from typing import Final

from bot.dialogs import privacy as privacy_dialog
from bot.dialogs.common import DeleteMyData, EraseMyData, ExportMyData, KeepMyData
from bot.dialogs.menu import MainMenu
from bot.services import privacy
from bot.services.helpdesk import tickets
from bot.ui import Action, Button, File, Screen
from teams.turn import Turn

log = logging.getLogger(__name__)

EXPORT_FILENAME: Final = "keplibot-my-data.json"


def notice_text(turn: Turn) -> str:
    _ = turn.tr.gettext
    what_i_keep = _(
        "What I keep: your Microsoft Teams name, account id and language; the school you "
        "chose for fault reports; your last points declaration, only if you agreed; your "
        "reminder settings; your fault reports, what you wrote in them and the photos you "
        "sent; questions I could not answer (numbers that look like a phone, ΑΦΜ or ΑΜΚΑ "
        "are masked)."
    )
    return privacy_dialog.notice_text(turn.tr, turn.runtime.settings, what_i_keep)


async def notice(turn: Turn, *, replace: bool = False) -> None:
    _ = turn.tr.gettext
    rows = [
        [
            Button("📥 " + _("My data"), ExportMyData()),
            Button("🗑 " + _("Delete my data"), DeleteMyData()),
        ],
        [Button("« " + _("Main menu"), MainMenu())],
    ]
    await turn.show(Screen.of(notice_text(turn), rows), replace=replace)


async def mydata(turn: Turn) -> None:
    async with turn.runtime.sessions() as session:
        document = await privacy.export(session, turn.user_id, now=turn.runtime.clock())
    caption = turn.tr.gettext(
        "Everything I keep about you, in JSON. /delete erases it; /privacy says why and how "
        "long I keep it."
    )
    data = privacy.to_json(document).encode("utf-8")
    file = File(EXPORT_FILENAME, data, "application/json", caption)
    await turn.show(Screen("", files=(file,)))


def erasure_text(turn: Turn) -> str:
    _ = turn.tr.gettext
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
                "anonymised: your name, your Teams account and the texts you wrote in them "
                "are removed."
            ),
            _("This cannot be undone. You can still use me afterwards, as a new user."),
        ]
    )


async def ask_delete(turn: Turn, *, replace: bool = False) -> None:
    _ = turn.tr.gettext
    rows = [
        [Button("🗑 " + _("Yes, erase everything"), EraseMyData())],
        [Button("✖ " + _("No, keep"), KeepMyData())],
    ]
    await turn.show(Screen.of(erasure_text(turn), rows), replace=replace)


async def erase(turn: Turn) -> None:
    runtime = turn.runtime
    async with runtime.sessions() as session:
        reported = await privacy.reported_ticket_ids(session, turn.user_id)
        counts = await privacy.erase(session, turn.user_id)
    turn.state.clear()
    turn.forget = True  # the conversation's row is gone: not written again
    log.info(
        "teams user %s erased their data (%s)",
        turn.user_id,
        ", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    if runtime.refresh_staff_post is not None:
        for ticket_id in reported:  # the posts showed the reporter's name and texts
            async with runtime.sessions() as session:
                view = await tickets.get_ticket(session, ticket_id)
            try:
                await runtime.refresh_staff_post(view)
            except Exception:
                log.warning("teams: the staff post of %s was not refreshed", view.reference)
    text = "✅ " + turn.tr.gettext(
        "Done: I erased everything I kept about you, and your fault reports are "
        "anonymised. If you write to me again, I start from zero."
    )
    await turn.show(Screen(text), replace=True)


async def pressed(turn: Turn, action: Action) -> None:
    """A button of the privacy codec."""
    if isinstance(action, ExportMyData):
        await mydata(turn)
    elif isinstance(action, DeleteMyData):
        await ask_delete(turn, replace=True)
    elif isinstance(action, EraseMyData):
        await erase(turn)
    elif isinstance(action, KeepMyData):
        await turn.show(Screen(turn.tr.gettext("Nothing was erased.")), replace=True)
