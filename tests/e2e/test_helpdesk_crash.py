"""`kill -9` of the real bot (`keplibot run`, a subprocess) at several moments just after a
teacher presses «Αποστολή», then a restart: one ticket, one staff post, the reference shown
once, whatever the moment. The database, the emulator and the teacher outlive the bot."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimClient
from bot.models import OutboxMessage, Ticket
from bot.services.outbox import FINAL, UNKNOWN, OutboxKind
from tests.e2e.conftest import JSON, TOKEN
from tests.e2e.helpdesk_e2e import ADMIN, ATHENS_STAFF, TEACHER, database
from tests.helpdesk_world import ATHENS_STAFF_CHAT, build_world

# Seconds between the press and the kill: the whole submit (store, confirm, post, tell)
# takes some tens of milliseconds, so these fall before, inside and after it.
DELAYS = (0.01, 0.04, 0.15)
SLOW = 30.0  # seconds: a start of the bot on a busy machine
READING = 1.5  # seconds on the summary: more than the persistence's interval


class Bot:
    """`keplibot run` as a subprocess of this test."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        log = (self.cwd / f"bot-{self.starts}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sys; from bot.cli import main; sys.exit(main(['run']))",
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, nothing."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            await self.kill()


@asynccontextmanager
async def running(env: dict[str, str], cwd: Path) -> AsyncIterator[Bot]:
    bot = Bot(env, cwd)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


def button(message: JSON, label: str) -> str | None:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for key in row:
            if label in key["text"]:
                return str(key["callback_data"])
    return None


class Teacher:
    """A person at the phone: writes, presses, waits for the bot (not a harness)."""

    def __init__(self, sim: SimClient) -> None:
        self.sim = sim
        self.chat = TEACHER.id

    async def message(self, message_id: int) -> JSON:
        [found] = [m for m in await self.sim.messages(self.chat) if m["message_id"] == message_id]
        return found

    async def send(self, text: str, timeout: float = 10) -> JSON:  # noqa: ASYNC109
        sent = await self.sim.send_text(TEACHER, text)
        [answer, *_] = await self.sim.wait_for_bot_messages(
            self.chat, after_message_id=int(sent["message_id"]), timeout=timeout
        )
        return answer

    async def press(self, message: JSON, label: str, until: str) -> JSON:
        """Press `label` under `message`; the message once its text contains `until`."""
        data = button(message, label)
        assert data is not None, (label, message)
        await self.sim.press(TEACHER, int(message["message_id"]), data)
        await self.sim.wait_until(
            self.chat,
            lambda chat: any(
                m["message_id"] == message["message_id"] and until in (m["text"] or "")
                for m in chat
            ),
            timeout=10,
        )
        return await self.message(int(message["message_id"]))

    async def report_up_to_the_summary(self, equipment: str) -> JSON:
        question = await self.send("/report", timeout=SLOW)
        if "Είναι εκεί η βλάβη" in question["text"]:
            lab_q = await self.press(question, "Ναι", "εργαστήριο ή αίθουσα")
        else:
            choices = await self.send("0551010")
            lab_q = await self.press(choices, "0551010", "εργαστήριο ή αίθουσα")
        category_q = await self.send("Εργαστήριο Πληροφορικής 1")
        equipment_q = await self.press(category_q, "Υπολογιστής", "συσκευή")
        await self.send(equipment)
        attachments_q = await self.send("Δεν ανοίγει.")
        urgency_q = await self.press(attachments_q, "Χωρίς φωτογραφίες", "επηρεάζει")
        del lab_q, equipment_q
        return await self.press(urgency_q, "εν μέρει", "Ελέγξτε τη δήλωσή σας")


async def settled(database_url: str, reference: str) -> tuple[int, list[OutboxMessage]]:
    """(tickets with this reference, its staff-post rows) once nothing of it is left to send."""
    async with asyncio.timeout(SLOW):
        while True:
            async with database(database_url) as sessions, sessions() as session:
                count = await session.scalar(
                    select(func.count()).select_from(Ticket).where(Ticket.reference == reference)
                )
                rows = list(
                    await session.scalars(
                        select(OutboxMessage)
                        .join(Ticket, Ticket.id == OutboxMessage.ticket_id)
                        .where(Ticket.reference == reference)
                    )
                )
            posts = [r for r in rows if r.kind == OutboxKind.STAFF_POST.value]
            if count and posts and all(r.status in FINAL for r in rows):
                return int(count), posts
            await asyncio.sleep(0.1)  # another process writes it


async def stored(database_url: str, reference: str) -> bool:
    async with database(database_url) as sessions, sessions() as session:
        found = await session.scalar(select(Ticket.id).where(Ticket.reference == reference))
    return found is not None


def mentions(reference: str) -> Callable[[list[JSON]], bool]:
    return lambda chat: shown(chat, reference) > 0


def shown(messages: list[JSON], needle: str, *, at_start: bool = False) -> int:
    """How many bot messages contain `needle` (or begin with it)."""
    texts = [m["text"] or "" for m in messages if m["from_bot"] and not m["deleted"]]
    return sum(1 for t in texts if (t.startswith(needle) if at_start else needle in t))


async def test_kill_9_around_send_gives_one_ticket_one_post_one_reference(
    emulator: EmulatorServer, sim: SimClient, database_url: str, tmp_path: Path
) -> None:
    async with database(database_url) as sessions:
        await build_world(sessions)
    await sim.add_to_group(ATHENS_STAFF, ATHENS_STAFF_CHAT, "ΚΕΠΛΗΝΕΤ", status="creator")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_", "PUBLIC_", "STAFF_"))
    } | {
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"{emulator.url}/bot",
        "DATABASE_URL": database_url,
        "DEFAULT_LOCALE": "el",
        "ADMIN_IDS": str(ADMIN.id),
        "OUTBOX_POLL_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",
    }
    year = datetime.now(UTC).astimezone(ZoneInfo("Europe/Athens")).year
    teacher = Teacher(sim)
    outcomes: list[dict[str, Any]] = []
    async with running(env, tmp_path) as bot:
        await sim.send_text(ADMIN, "/start")
        for number, delay in enumerate(DELAYS, start=1):
            reference = f"KPL-{year}-{number:05d}"
            summary = await teacher.report_up_to_the_summary(f"PC-{number:02d}")
            # The teacher reads the summary; meanwhile the conversation is saved (every second).
            await asyncio.sleep(READING)
            data = button(summary, "Αποστολή")
            assert data is not None
            await sim.press(TEACHER, int(summary["message_id"]), data)
            await asyncio.sleep(delay)
            await bot.kill()
            stored_at_kill = await stored(database_url, reference)
            await bot.start()

            # Back: the teacher's «Αποστολή», if still there, finishes or recalls the submit.
            summary = await teacher.message(int(summary["message_id"]))
            again = button(summary, "Αποστολή")
            if again is not None:
                await sim.press(TEACHER, int(summary["message_id"]), again)
                await sim.wait_until(TEACHER.id, mentions(reference), timeout=SLOW)
            tickets, posts = await settled(database_url, reference)
            chat = await sim.messages(TEACHER.id)
            staff = await sim.messages(ATHENS_STAFF_CHAT)
            posted = shown(staff, f"🎫 {reference}", at_start=True)
            outcomes.append(
                {
                    "delay": delay,
                    "stored at the kill": stored_at_kill,
                    "pressed again": again is not None,
                    "post": posts[0].status,
                }
            )
            assert tickets == 1, outcomes
            assert len(posts) == 1, outcomes
            registered = f"καταχωρίστηκε με αριθμό {reference}"
            assert shown(chat, registered) == 1, outcomes
            if posts[0].status == UNKNOWN:  # killed inside the post's own request
                assert posted <= 1, outcomes
                alerts = await sim.messages(ADMIN.id)
                assert shown(alerts, reference) == 1, outcomes
            else:
                assert posted == 1, outcomes
