"""`keplibot doctor`: is this installation healthy? One line per check: OK, or the problem.

Checks, in order: the settings; the database (reachable, schema at the newest
migrations); the Bot API token (getMe); every support centre's staff chat (the
bot is a member and may post: getChat, getChatMember); schools whose fault
reports would reach no one; the reminder queue and the helpdesk outbox (how
many wait, how late the oldest is, failed and unknown-fate messages of the last
week). Exits 0 when every check is OK, 1 otherwise. It changes nothing: no
migration, no default centre, no message.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands._helpdesk import unroutable_lines
from bot.config import Settings, SettingsError, hide_password, load_settings
from bot.i18n import Translator, get_translator

# A queue whose oldest message waits longer than this is stuck.
STUCK_AFTER: Final = timedelta(minutes=15)
POSTING_STATUSES: Final = frozenset({"creator", "administrator", "member"})


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "doctor",
        help="check the installation: settings, database, token, staff chats, queues",
        description="Check settings, database and migrations, the Bot API token, every "
        "centre's staff chat, unroutable schools and the delivery queues; one line per "
        "check. Exit status 1 if any check finds a problem.",
    )
    parser.set_defaults(handler=_doctor)


@dataclass
class Report:
    tr: Translator
    lines: list[tuple[bool, str]] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self._add(True, text)

    def problem(self, text: str) -> None:
        self._add(False, text)

    def _add(self, ok: bool, text: str) -> None:
        self.lines.append((ok, text))
        label = self.tr.gettext("OK") if ok else self.tr.gettext("PROBLEM")
        print(f"{label:<9} {text}", flush=True)

    @property
    def healthy(self) -> bool:
        return all(ok for ok, _text in self.lines)


def _doctor(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        report = Report(get_translator("el"))
        report.problem(report.tr.gettext("settings: {error}").format(error=exc))
        return 1
    report = Report(get_translator(settings.default_locale))
    asyncio.run(examine(settings, report))
    return 0 if report.healthy else 1


async def examine(settings: Settings, report: Report, *, now: datetime | None = None) -> None:
    """Run every check on `settings`, adding its line to `report`."""
    _ = report.tr.gettext
    now = now or datetime.now(UTC)
    token = settings.telegram_token.get_secret_value().strip() if settings.telegram_token else ""
    if token:
        report.ok(_("settings: read; time zone {tz}, language {locale}").format(
            tz=settings.timezone, locale=settings.default_locale))  # fmt: skip
    else:
        report.problem(_("settings: TELEGRAM_TOKEN is missing"))
    if not await _database(settings, report):
        return
    from bot.db import create_engine, session_factory

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            if token:
                await _telegram(settings, token, session, report)
            await _schools(session, report)
            await _queues(session, report, now)
    finally:
        await engine.dispose()


async def _database(settings: Settings, report: Report) -> bool:
    from bot.db import current_revisions, is_sqlite, script_heads

    _ = report.tr.gettext
    url = settings.database_url
    shown = hide_password(url)
    database = make_url(url).database
    local = is_sqlite(url) and database and database != ":memory:"
    if local and not await asyncio.to_thread(Path(str(database)).exists):
        report.problem(
            _("database: {url} does not exist (the bot creates it at its first start)").format(
                url=shown
            )
        )
        return False
    try:
        current = await current_revisions(url)
    except (OSError, DBAPIError) as exc:
        report.problem(
            _("database: {url} cannot be reached: {error}").format(
                url=shown, error=str(exc).splitlines()[0][:200]
            )
        )
        return False
    expected = script_heads()
    if current != expected:
        report.problem(
            _(
                "database: the schema is at {current}, the code expects {expected}: "
                "run «keplibot db upgrade» (the bot also does it at start)"
            ).format(current=", ".join(current) or "-", expected=", ".join(expected))
        )
        return False
    report.ok(_("database: {url} reachable, schema at the newest migrations").format(url=shown))
    return True


async def _telegram(settings: Settings, token: str, session: AsyncSession, report: Report) -> None:
    from telegram import Bot
    from telegram.error import ChatMigrated, InvalidToken, TelegramError

    from bot.services.helpdesk import schools

    _ = report.tr.gettext
    options: dict[str, Any] = {}
    if settings.telegram_base_url:
        options["base_url"] = settings.telegram_base_url
    if settings.telegram_base_file_url:
        options["base_file_url"] = settings.telegram_base_file_url
    bot = Bot(token, **options)
    try:
        try:
            await bot.initialize()  # getMe
        except InvalidToken:  # its message quotes the token: not shown
            report.problem(
                _("Bot API: the server rejected TELEGRAM_TOKEN (copy it from @BotFather)")
            )
            return
        except TelegramError as exc:
            report.problem(_("Bot API: cannot be reached: {error}").format(error=exc.message))
            return
        me = bot.bot
        report.ok(_("Bot API: the token is @{username}'s").format(username=me.username))
        for centre in await schools.list_centres(session):
            name = f"{centre.name} ({centre.slug})"
            if centre.staff_chat_id is None:
                if centre.is_default or centre.directorates:
                    report.problem(_("{centre}: no staff chat").format(centre=name))
                else:
                    report.ok(_("{centre}: no staff chat, but it serves no school").format(
                        centre=name))  # fmt: skip
                continue
            chat_id = centre.staff_chat_id
            try:
                chat = await bot.get_chat(chat_id)
                member = await bot.get_chat_member(chat_id, me.id)
            except ChatMigrated as exc:
                report.problem(
                    _(
                        "{centre}: the staff group {chat} became the supergroup {new}; the bot "
                        "follows it with the next message, or bind it again with /staffchat"
                    ).format(centre=name, chat=chat_id, new=exc.new_chat_id)
                )
                continue
            except TelegramError as exc:
                report.problem(
                    _("{centre}: the staff chat {chat} cannot be reached: {error}").format(
                        centre=name, chat=chat_id, error=exc.message
                    )
                )
                continue
            title = chat.title or str(chat_id)
            can_post = member.status in POSTING_STATUSES or (
                member.status == "restricted" and bool(getattr(member, "can_send_messages", False))
            )
            if can_post:
                report.ok(_("{centre}: staff chat «{title}», the bot can post").format(
                    centre=name, title=title))  # fmt: skip
            else:
                report.problem(
                    _(
                        "{centre}: the bot cannot post in the staff chat «{title}» ({status})"
                    ).format(centre=name, title=title, status=member.status)
                )
    finally:
        await bot.shutdown()


async def _schools(session: AsyncSession, report: Report) -> None:
    from bot.services.helpdesk import schools

    groups = await schools.unroutable_schools(session)
    if not groups:
        report.ok(report.tr.gettext("schools: every school's fault reports reach a staff chat"))
    for line in unroutable_lines(report.tr, groups):
        report.problem(report.tr.gettext("schools: {problem}").format(problem=line))


async def _queues(session: AsyncSession, report: Report, now: datetime) -> None:
    from bot.services.queue_health import outbox_health, reminder_health

    tr = report.tr
    for name, health, failures_matter in (
        (tr.gettext("reminders"), await reminder_health(session, now=now), False),
        (tr.gettext("helpdesk outbox"), await outbox_health(session, now=now), True),
    ):
        minutes = round((health.oldest_waiting_age or 0) / 60)
        line = tr.gettext(
            "{queue}: {waiting} waiting (oldest {minutes} min); last 7 days: {failed} failed, "
            "{unknown} of unknown fate"
        ).format(
            queue=name,
            waiting=health.waiting,
            minutes=minutes,
            failed=health.failed,
            unknown=health.unknown,
        )
        stuck = (health.oldest_waiting_age or 0) > STUCK_AFTER.total_seconds()
        if stuck or health.unknown or (failures_matter and health.failed):
            report.problem(line)
        else:
            report.ok(line)
