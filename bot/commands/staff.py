"""`keplibot staff`: invite, list and remove the staff of a support centre.

`keplibot staff invite --centre SLUG` prints a one-time link; whoever opens it
in Telegram becomes staff of that centre. Administrators can do the same in
chat with /invite.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bot.commands._helpdesk import find_centre, helpdesk_sessions
from bot.config import Settings, load_settings
from bot.i18n import Translator, get_translator
from bot.services.clock import SystemClock
from bot.services.helpdesk import staff

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "staff",
        help="invite, list and remove support-centre staff",
        description="Staff of a support centre work its tickets from Telegram.",
    )
    actions = parser.add_subparsers(dest="staff_action", metavar="ACTION", required=True)

    invite = actions.add_parser("invite", help="print a one-time invite link")
    invite.add_argument("--centre", required=True, metavar="SLUG")
    invite.add_argument("--days", type=int, help="days the link stays valid")
    invite.add_argument(
        "--bot-username", help="the bot's @username (default: asked from Telegram)"
    )
    invite.set_defaults(handler=_invite)

    listing = actions.add_parser("list", help="list a centre's staff")
    listing.add_argument("--centre", required=True, metavar="SLUG")
    listing.set_defaults(handler=_list)

    add = actions.add_parser("add", help="add a staff member by Telegram user id")
    add.add_argument("--centre", required=True, metavar="SLUG")
    add.add_argument("--user", required=True, type=int, metavar="TELEGRAM_ID")
    add.add_argument("--name", default="")
    add.set_defaults(handler=_add)

    remove = actions.add_parser("remove", help="remove a staff member")
    remove.add_argument("--centre", required=True, metavar="SLUG")
    remove.add_argument("--user", required=True, type=int, metavar="TELEGRAM_ID")
    remove.set_defaults(handler=_remove)


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username from Telegram (getMe), or None without a token or network."""
    if settings.telegram_token is None:
        return None
    base_url = settings.telegram_base_url or "https://api.telegram.org/bot"
    try:
        async with Bot(settings.telegram_token.get_secret_value(), base_url=base_url) as bot:
            return bot.username
    except (TelegramError, OSError) as exc:
        log.warning("could not ask Telegram for the bot's name: %s", exc)
        return None


async def _run_invite(settings: Settings, tr: Translator, args: argparse.Namespace) -> int:
    _ = tr.gettext
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        centre, problem = await find_centre(session, args.centre, tr)
        if centre is None:
            print(problem, file=sys.stderr)
            return 1
        invite = await staff.create_invite(
            session,
            centre.id,
            created_by=None,
            now=SystemClock().now(),
            valid_days=args.days or settings.staff_invite_days,
        )
    username = args.bot_username or await bot_username(settings)
    expires = tr.datetime(invite.expires_at, fmt="short", tzinfo=settings.tz)
    print(
        _("One-time invite to the staff of {centre}, valid until {date}:").format(
            centre=centre.name, date=expires
        )
    )
    if username:
        print(invite.link(username))
    else:
        print(_("Send the bot this message: /start {payload}").format(payload=invite.payload))
    return 0


def _invite(args: argparse.Namespace) -> int:
    settings = load_settings()
    return asyncio.run(_run_invite(settings, get_translator(settings.default_locale), args))


async def _run_list(settings: Settings, tr: Translator, slug: str) -> int:
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        centre, problem = await find_centre(session, slug, tr)
        if centre is None:
            print(problem, file=sys.stderr)
            return 1
        members = await staff.list_staff(session, centre.id)
    if not members:
        print(tr.gettext("{centre} has no staff yet.").format(centre=centre.name))
    for member in members:
        since = tr.date(member.added_at.astimezone(settings.tz).date())
        print(f"{member.user_id}  {member.name}  ({since})")
    return 0


def _list(args: argparse.Namespace) -> int:
    settings = load_settings()
    return asyncio.run(_run_list(settings, get_translator(settings.default_locale), args.centre))


async def _run_add(settings: Settings, tr: Translator, args: argparse.Namespace) -> int:
    _ = tr.gettext
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        centre, problem = await find_centre(session, args.centre, tr)
        if centre is None:
            print(problem, file=sys.stderr)
            return 1
        added = await staff.add_staff(
            session, centre.id, args.user, name=args.name, now=SystemClock().now()
        )
    text = (
        _("{user} is now staff of {centre}.")
        if added
        else _("{user} was already staff of {centre}.")
    )
    print(text.format(user=args.user, centre=centre.name))
    return 0


def _add(args: argparse.Namespace) -> int:
    settings = load_settings()
    return asyncio.run(_run_add(settings, get_translator(settings.default_locale), args))


async def _run_remove(settings: Settings, tr: Translator, args: argparse.Namespace) -> int:
    _ = tr.gettext
    async with helpdesk_sessions(settings) as sessions, sessions() as session:
        centre, problem = await find_centre(session, args.centre, tr)
        if centre is None:
            print(problem, file=sys.stderr)
            return 1
        removed = await staff.remove_staff(session, centre.id, args.user)
    if not removed:
        print(
            _("{user} is not staff of {centre}.").format(user=args.user, centre=centre.name),
            file=sys.stderr,
        )
        return 1
    print(_("{user} is no longer staff of {centre}.").format(user=args.user, centre=centre.name))
    return 0


def _remove(args: argparse.Namespace) -> int:
    settings = load_settings()
    return asyncio.run(_run_remove(settings, get_translator(settings.default_locale), args))
