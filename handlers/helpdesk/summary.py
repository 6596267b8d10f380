"""The weekly summary of each centre's tickets, planned in the outbox once per week."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Final

from bot.config import Settings
from bot.dialogs.helpdesk import notices
from bot.i18n import get_translator
from bot.runtime import Runtime
from bot.services.helpdesk import outbox as outbox_service
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import ticket_summary
from handlers.context import Context, KepliApp
from handlers.helpdesk import outbox as helpdesk_outbox

log = logging.getLogger(__name__)


# --- the weekly summary ------------------------------------------------------------------------

SUMMARY_JOB: Final = "helpdesk-weekly-summary"


def summary_slot(settings: Settings, now: datetime) -> datetime:
    """The latest scheduled time of the weekly summary at or before `now` (local time)."""
    local = now.astimezone(settings.tz)
    back = (local.weekday() - settings.helpdesk_summary_weekday) % 7
    slot = datetime.combine(
        local.date() - timedelta(days=back),
        time(settings.helpdesk_summary_hour),
        tzinfo=settings.tz,
    )
    return slot if slot <= local else slot - timedelta(days=7)


def _summary_key(centre_id: int, slot: datetime) -> str:
    return f"weekly:{centre_id}:{slot.date().isoformat()}"


async def plan_weekly_summaries(runtime: Runtime, *, catching_up: bool = False) -> list[int]:
    """Plan each centre's last seven days for its staff chat, once per scheduled week.

    The outbox's key (centre, week) is the record that it was planned: a restart, a
    second run or a second process plans nothing twice. `catching_up` (at start) plans
    only a week missed while the bot was off, for centres that had last week's.
    """
    settings = runtime.settings
    until = runtime.clock()
    slot = summary_slot(settings, until)
    tr = get_translator(settings.default_locale)
    planned: list[int] = []
    async with runtime.sessions() as session:
        for centre in await schools_service.list_centres(session):
            key = _summary_key(centre.id, slot)
            if centre.staff_chat_id is None or await outbox_service.planned(session, key):
                continue
            if catching_up and (
                until - slot > timedelta(days=1)
                or not await outbox_service.planned(
                    session, _summary_key(centre.id, slot - timedelta(days=7))
                )
            ):
                continue
            report = await ticket_summary.summary(
                session, centre.id, since=until - timedelta(days=7), until=until
            )
            body = notices.weekly_summary(tr, settings.tz, centre.name, report)
            row = await outbox_service.enqueue(
                session,
                outbox_service.OutboxKind.WEEKLY_SUMMARY,
                now=until,
                payload={"text": body},
                centre_id=centre.id,
                dedupe_key=key,
            )
            planned += [row] if row is not None else []
        await session.commit()
    return planned


async def weekly_summary(context: Context) -> None:
    """The JobQueue job: plan this week's summaries and send them."""
    planned = await plan_weekly_summaries(context.runtime)
    await helpdesk_outbox.flush(context, ids=planned)


def schedule_weekly_summary(app: KepliApp, settings: Settings) -> None:
    """Every week on HELPDESK_SUMMARY_WEEKDAY at HELPDESK_SUMMARY_HOUR, local time."""
    if app.job_queue is None:
        log.warning("no job queue: the weekly helpdesk summary is off")
        return
    for job in app.job_queue.get_jobs_by_name(SUMMARY_JOB):
        job.schedule_removal()
    # PTB counts days from Sunday (0); the setting, like Python, from Monday (0).
    day = (settings.helpdesk_summary_weekday + 1) % 7
    app.job_queue.run_daily(
        weekly_summary,
        time=time(settings.helpdesk_summary_hour, tzinfo=settings.tz),
        days=(day,),
        name=SUMMARY_JOB,
    )
