"""bot/web.py without Telegram: the webhook path, its settings, /healthz when the DB is down."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_application
from bot.cli import main
from bot.config import Settings, SettingsError, load_settings
from bot.logging import RedactSecrets, secrets_of
from bot.web import build_web_app, public_webhook_url, webhook_path

TOKEN = "123456:unit-TEST-token"
SECRET = "unit_webhook-SECRET"


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_token": TOKEN,
        "webhook_secret": SECRET,
        "webhook_url": "https://bot.example.org/",
    }
    values.update(overrides)
    return load_settings(**values)


def test_the_webhook_path_is_stable_and_reveals_no_secret() -> None:
    path = webhook_path(settings())
    assert path == webhook_path(settings())
    assert path.startswith("/telegram/")
    assert TOKEN not in path
    assert TOKEN.split(":")[1] not in path
    assert SECRET not in path


@pytest.mark.parametrize(
    "change", [{"telegram_token": "123456:another"}, {"webhook_secret": "another_secret"}]
)
def test_the_webhook_path_changes_with_the_token_or_the_secret(change: dict[str, str]) -> None:
    assert webhook_path(settings(**change)) != webhook_path(settings())


def test_the_public_url_is_the_base_url_and_the_path() -> None:
    config = settings(webhook_url="https://bot.example.org/keplibot/")
    assert public_webhook_url(config) == "https://bot.example.org/keplibot" + webhook_path(config)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"webhook_url": None}, "WEBHOOK_URL"),
        ({"webhook_url": "bot.example.org"}, "WEBHOOK_URL"),
        ({"webhook_secret": None}, "WEBHOOK_SECRET"),
        ({"webhook_secret": "spaces are not allowed"}, "WEBHOOK_SECRET"),
        ({"webhook_secret": "x" * 257}, "WEBHOOK_SECRET"),
        ({"telegram_token": None}, "TELEGRAM_TOKEN"),
    ],
)
def test_missing_or_bad_webhook_settings_are_named(change: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError, match=f"^{named}: "):
        public_webhook_url(settings(**change))


@pytest.fixture
async def unreachable_db_client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    # Port 9 (discard) on the loopback: connections are refused at once.
    app = build_application(settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none"))
    client: TestClient[web.Request, web.Application] = TestClient(TestServer(build_web_app(app)))
    await client.start_server()
    yield client
    await client.close()
    await app.bot_data.runtime.engine.dispose()


async def test_healthz_is_503_when_the_database_does_not_answer(
    unreachable_db_client: TestClient[web.Request, web.Application],
) -> None:
    response = await unreachable_db_client.get("/healthz")
    assert response.status == 503
    assert await response.json() == {"ok": False, "error": "database"}


async def test_healthz_is_200_when_the_database_answers(database_url: str) -> None:
    app = build_application(settings(database_url=database_url))
    async with TestClient(TestServer(build_web_app(app))) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {"ok": True}
    await app.bot_data.runtime.engine.dispose()


def test_log_lines_never_show_the_token_or_the_secret() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "HTTP Request: POST %s %s",
        (f"https://api.telegram.org/bot{TOKEN}/getUpdates", f"secret={SECRET}"),
        None,
    )
    RedactSecrets(secrets_of(settings())).filter(record)
    message = record.getMessage()
    assert TOKEN not in message
    assert TOKEN.split(":")[1] not in message
    assert SECRET not in message
    assert message == "HTTP Request: POST https://api.telegram.org/bot***/getUpdates secret=***"


def test_keplibot_webhook_without_its_settings_stops_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    assert main(["webhook"]) == 78
    assert capsys.readouterr().err == (
        "keplibot: configuration error: WEBHOOK_URL: missing (the public https URL of this "
        "server)\n"
    )
