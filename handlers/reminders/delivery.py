"""Reminder delivery on Telegram: a JobQueue job runs the `ReminderDispatcher`.

Every REMINDER_POLL_SECONDS the job (`deliver_due`) sends what is due; each
reminder is worded by `bot.dialogs.reminders.notices.ReminderNotices` and
delivered by the Telegram adapter of the Notifier port (`TelegramNotifier`), or for
a person of another channel (Teams) by that channel's (`Runtime.route`),
whose outcomes the dispatcher acts on (blocked: unsubscribe; 429: pause; 5xx:
retry with backoff).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final, cast

from bot.dialogs.reminders.notices import ReminderNotices
from bot.runtime import Runtime
from bot.services import reminders as service
from bot.services.reminders.delivery import DispatchReport, ReminderDispatcher
from handlers.context import Context, KepliApp
from handlers.notifier import TelegramNotifier
from handlers.reminders import rules_of

log = logging.getLogger(__name__)

JOB_NAME: Final = "reminders"
REPLAN_EVERY: Final = timedelta(hours=1)


def dispatcher_for(app: KepliApp) -> ReminderDispatcher:
    runtime = app.bot_data.runtime
    if runtime.reminders is None:
        settings = runtime.settings
        runtime.reminders = ReminderDispatcher(
            runtime.sessions,
            # The bot's rate limiter retries a 429 itself a few times; a RetryAfter that
            # still comes through means a lasting flood: the dispatcher pauses everything.
            ReminderNotices(runtime.route(TelegramNotifier(app.bot)), settings),
            now=runtime.clock,
            rate=settings.broadcast_rate,
            concurrency=settings.broadcast_concurrency,
        )
    return runtime.reminders


async def deliver_due(context: Context) -> None:
    """The JobQueue job: send what is due, then schedule the next look.

    A chain of one-off jobs rather than a repeating one: a long broadcast simply
    delays the next look instead of overlapping with it.
    """
    app = cast(KepliApp, context.application)
    try:
        await deliver_now(app)
    finally:
        if app.running and app.job_queue is not None:
            app.job_queue.run_once(
                deliver_due,
                when=app.bot_data.runtime.settings.reminder_poll_seconds,
                name=JOB_NAME,
            )


async def deliver_now(app: KepliApp) -> DispatchReport:
    """Send every reminder due now (also what tests call instead of waiting for the job)."""
    dispatcher = dispatcher_for(app)
    await replan_if_stale(app.bot_data.runtime, dispatcher)
    return await dispatcher.run(should_continue=lambda: app.running)


async def replan_if_stale(runtime: Runtime, dispatcher: ReminderDispatcher) -> None:
    """Re-plan everything at start and then hourly.

    Each change made in chat re-plans at once; this catches what changes
    elsewhere: the school of a teacher's fault reports, the centres' directorates,
    the quiet hours or default times after a restart.
    """
    now = runtime.clock()
    if dispatcher.replanned_at is not None and now - dispatcher.replanned_at < REPLAN_EVERY:
        return
    async with runtime.sessions() as session:
        changes = await service.replan_all(session, rules_of(runtime), now)
        await session.commit()
    dispatcher.replanned_at = now
    log.info("reminders: plan checked (%s)", changes)


def register(app: KepliApp) -> None:
    """Start the delivery job with the bot, stop the dispatcher with it."""
    data = app.bot_data

    async def start_delivery(runtime: Runtime) -> None:
        # Settings (quiet hours, ...) or schools may have changed while the bot was off.
        await replan_if_stale(runtime, dispatcher_for(app))
        if app.job_queue is not None:
            poll = timedelta(seconds=runtime.settings.reminder_poll_seconds)
            app.job_queue.run_once(deliver_due, when=poll, name=JOB_NAME)
        else:  # pragma: no cover - the job-queue extra is a dependency
            log.error("reminders: no JobQueue, reminders will not be sent")

    async def stop_delivery(runtime: Runtime) -> None:
        if runtime.reminders is not None:
            runtime.reminders.stop()

    data.on_startup(start_delivery)
    data.on_shutdown(stop_delivery)
