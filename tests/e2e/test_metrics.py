"""`GET /metrics`: scraped over HTTP from the bot's web server and parsed as Prometheus text."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import metrics
from bot.services import reminders
from bot.services.clock import FakeClock
from bot.web import listening_socket, web_server
from tests.e2e.conftest import BOB, Launch
from tests.e2e.helpdesk_e2e import TEACHER, database, open_desk, report_fault
from tests.reminders_world import RULES, START, add_deadline, add_users

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(base: str) -> Samples:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        return parse(await response.text())


async def test_metrics_count_updates_telegram_calls_tickets_and_queues(
    launch: Launch, database_url: str
) -> None:
    clock = FakeClock(START)
    desk = await open_desk(launch, database_url, clock=clock)
    app = desk.bot.app
    assert app is not None
    sock = listening_socket("127.0.0.1", 0)
    async with web_server(app, sock) as base:
        before = await scrape(base)
        await report_fault(desk, TEACHER)
        await desk.send(BOB, "/start")
        await desk.bot.sim.block(BOB.id)
        await desk.send(TEACHER, "/start")
        after = await scrape(base)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("keplibot_updates_total", kind="command") >= 3
    assert grew("keplibot_updates_total", kind="callback_query") >= 4
    assert grew("keplibot_update_seconds_count", kind="command") >= 3
    assert grew("keplibot_update_seconds_sum", kind="command") > 0
    assert grew("keplibot_telegram_requests_total", method="sendMessage") >= 3
    assert value(after, "keplibot_tickets", status="new") == 1
    assert value(after, "keplibot_database_up") == 1
    assert ("keplibot_queue_depth", (("queue", "reminders"),)) in after


async def test_a_queue_is_pluggable_and_the_reminders_queue_reports_late_items(
    launch: Launch, database_url: str
) -> None:
    async with database(database_url) as sessions:
        await due_reminders(sessions, START)

    async def outbox(_session: AsyncSession, _now: datetime) -> tuple[int, float]:
        return 3, 42.0

    metrics.register_queue("outbox", outbox)
    try:
        clock = FakeClock(START + timedelta(days=30))
        bot = await launch(clock=clock.now)
        assert bot.app is not None
        async with database(database_url) as sessions, sessions() as session:
            depth, late = await metrics.reminder_queue(session, clock.now())
        assert depth >= 1
        assert late > 0
        with_server = listening_socket("127.0.0.1", 0)
        async with web_server(bot.app, with_server) as base:
            samples = await scrape(base)
        assert value(samples, "keplibot_queue_depth", queue="outbox") == 3
        assert value(samples, "keplibot_queue_oldest_seconds", queue="outbox") == 42
    finally:
        metrics.QUEUE_PROBES.pop("outbox", None)


async def due_reminders(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    """A subscriber and a deadline in a week: reminders planned, due within the month."""
    await add_users(sessions, [4242])
    async with sessions() as session:
        await reminders.subscribe(session, 4242, RULES, now)
    await add_deadline(sessions, FakeClock(now), now + timedelta(days=8))
