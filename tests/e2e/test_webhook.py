"""Webhook mode: the emulator posts updates to `bot/web.py`, which guards the door."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimClient
from bot.web import MAX_BODY_BYTES, SECRET_HEADER, serve_webhook, webhook_path
from tests.e2e.conftest import ALICE, BotHarness, labels
from tests.e2e.test_start import GREEK_MENU, in_order

SECRET = "e2e-webhook_SECRET-42"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class WebhookBot:
    harness: BotHarness
    base: str  # where the bot's server listens, e.g. http://127.0.0.1:43210
    path: str  # /telegram/<component>
    http: aiohttp.ClientSession


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """The transport, not storage, is under test: SQLite only."""
    return sqlite_database_url


@pytest.fixture
async def webhook_bot(
    emulator: EmulatorServer, sim: SimClient, database_url: str
) -> AsyncIterator[WebhookBot]:
    port = free_port()
    harness = BotHarness(
        emulator,
        sim,
        database_url,
        settings_overrides={
            "webhook_url": f"http://127.0.0.1:{port}",
            "webhook_secret": SECRET,
            "listen_host": "127.0.0.1",
            "listen_port": port,
        },
    )
    settings = harness.settings
    app = harness.build()
    harness.app = app
    stop = asyncio.Event()
    listening: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve_webhook(settings, stop=stop, application=app, ready=listening.set_result)
    )
    base = await asyncio.wait_for(listening, timeout=30)
    async with aiohttp.ClientSession() as http:
        yield WebhookBot(harness, base, webhook_path(settings), http)
    stop.set()
    await asyncio.wait_for(task, timeout=30)


async def test_updates_arrive_by_webhook_and_the_bot_answers(webhook_bot: WebhookBot) -> None:
    [reply] = await webhook_bot.harness.send(ALICE, "/start")
    assert reply["text"].startswith("Γεια σας, Αλίκη!")
    assert in_order(GREEK_MENU, labels(reply))


async def test_the_webhook_is_registered_with_the_secret_path(webhook_bot: WebhookBot) -> None:
    app = webhook_bot.harness.app
    assert app is not None
    info = await app.bot.get_webhook_info()
    assert info.url == webhook_bot.base + webhook_bot.path
    assert webhook_bot.path.startswith("/telegram/")
    assert len(webhook_bot.path.removeprefix("/telegram/")) == 40


UPDATE = {
    "update_id": 999_001,
    "message": {
        "message_id": 1,
        "date": 1_790_000_000,
        "chat": {"id": 4242, "type": "private", "first_name": "Eve"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Eve"},
        "text": "hello",
    },
}


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
async def test_a_request_without_the_right_secret_is_forbidden(
    webhook_bot: WebhookBot, secret: str | None
) -> None:
    headers = {} if secret is None else {SECRET_HEADER: secret}
    async with webhook_bot.http.post(
        webhook_bot.base + webhook_bot.path, json=UPDATE, headers=headers
    ) as response:
        assert response.status == 403
    assert webhook_bot.harness.app is not None
    assert webhook_bot.harness.app.update_queue.empty()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[1, 2, 3]",
        b'{"message": {}}',
        b'{"update_id": "7"}',
        b'{"update_id": 7, "message": {"text": "no chat, no date"}}',
        json.dumps({"update_id": 8, "pad": "x" * MAX_BODY_BYTES}).encode(),
    ],
    ids=[
        "empty",
        "not-json",
        "not-utf8",
        "a-list",
        "no-update-id",
        "string-id",
        "malformed-message",
        "oversized",
    ],
)
async def test_a_malformed_or_oversized_body_is_refused(
    webhook_bot: WebhookBot, body: bytes
) -> None:
    async with webhook_bot.http.post(
        webhook_bot.base + webhook_bot.path,
        data=body,
        headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"},
    ) as response:
        assert response.status == 400


async def test_an_update_posted_by_hand_with_the_secret_is_handled(
    webhook_bot: WebhookBot, sim: SimClient
) -> None:
    async with webhook_bot.http.post(
        webhook_bot.base + webhook_bot.path, json=UPDATE, headers={SECRET_HEADER: SECRET}
    ) as response:
        assert response.status == 200
    await webhook_bot.harness.recorder.wait(("update", UPDATE["update_id"]))


async def test_other_paths_are_not_found(webhook_bot: WebhookBot) -> None:
    async with webhook_bot.http.post(
        webhook_bot.base + "/telegram/guess", json=UPDATE, headers={SECRET_HEADER: SECRET}
    ) as response:
        assert response.status == 404


async def test_healthz_reports_the_database(webhook_bot: WebhookBot) -> None:
    async with webhook_bot.http.get(webhook_bot.base + "/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"ok": True}
