"""`keplibot centres`: the support centres (ΚΕ.ΠΛΗ.ΝΕ.Τ.) a deployment serves.

A single-centre deployment needs none of this: the default centre comes from
CENTRE_NAME, STAFF_CHAT_ID, ... in the settings. With several centres, add each
with the directorates it serves; schools follow their directorate.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.commands._helpdesk import helpdesk_sessions
from bot.config import Settings, load_settings
from bot.i18n import Translator, get_translator
from bot.services.helpdesk import schools
from bot.services.helpdesk.schools import CentreError, CentreInfo


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "centres",
        help="add, change and list support centres (ΚΕ.ΠΛΗ.ΝΕ.Τ.)",
        description="Support centres, the directorates they serve and their staff chats.",
    )
    actions = parser.add_subparsers(dest="centres_action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a centre, or change one (by its SLUG)")
    add.add_argument("slug", metavar="SLUG", help="short name, e.g. athens-a")
    add.add_argument("--name", help="full name, e.g. «ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας»")
    add.add_argument(
        "--directorate",
        action="append",
        default=[],
        metavar="NAME",
        help="a directorate it serves (repeat for several)",
    )
    add.add_argument("--staff-chat", type=int, metavar="CHAT_ID", help="staff group id")
    add.add_argument("--topic", type=int, metavar="THREAD_ID", help="forum topic in that group")
    add.add_argument("--phone")
    add.add_argument("--email")
    add.add_argument("--helpdesk-email", help="mailbox that gets a copy of every new ticket")
    add.add_argument(
        "--default",
        action="store_true",
        help="schools of unclaimed directorates go to this centre",
    )
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="list the centres")
    listing.set_defaults(handler=_list)


def centre_text(tr: Translator, centre: CentreInfo) -> str:
    _ = tr.gettext
    lines = [f"{centre.slug}: {centre.name}" + (" " + _("(default)") if centre.is_default else "")]
    if centre.directorates:
        lines.append(
            "  " + _("directorates: {names}").format(names="; ".join(centre.directorates))
        )
    chat = str(centre.staff_chat_id) if centre.staff_chat_id else _("not set")
    if centre.staff_thread_id:
        chat += " / " + _("topic {id}").format(id=centre.staff_thread_id)
    lines.append("  " + _("staff chat: {chat}").format(chat=chat))
    contact = [c for c in (centre.phone, centre.email) if c]
    if contact:
        lines.append("  " + _("contact: {contact}").format(contact=", ".join(contact)))
    if centre.helpdesk_email:
        lines.append("  " + _("e-mail copy to: {address}").format(address=centre.helpdesk_email))
    return "\n".join(lines)


async def _run_add(settings: Settings, tr: Translator, args: argparse.Namespace) -> int:
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        try:
            centre = await schools.upsert_centre(
                session,
                args.slug,
                name=args.name,
                directorates=args.directorate,
                phone=args.phone,
                email=args.email,
                helpdesk_email=args.helpdesk_email,
                staff_chat_id=args.staff_chat,
                staff_thread_id=args.topic,
                is_default=True if args.default else None,
            )
        except CentreError as exc:
            _ = tr.gettext
            if exc.code == "name_required":
                text = _("A new centre needs --name.")
            else:
                text = _("«{slug}» is not a valid short name (letters, digits, - and _).")
            print(text.format(slug=args.slug), file=sys.stderr)
            return 1
    print(centre_text(tr, centre))
    return 0


def _add(args: argparse.Namespace) -> int:
    settings = load_settings()
    return asyncio.run(_run_add(settings, get_translator(settings.default_locale), args))


async def _run_list(settings: Settings, tr: Translator) -> int:
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        centres = await schools.list_centres(session)
    for centre in centres:
        print(centre_text(tr, centre))
    return 0


def _list(args: argparse.Namespace) -> int:
    settings = load_settings()
    return asyncio.run(_run_list(settings, get_translator(settings.default_locale)))
