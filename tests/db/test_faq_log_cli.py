"""`keplibot faq misses` and `keplibot faq stats` on SQLite and PostgreSQL; the search stays."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from bot.config import load_settings
from bot.services import users
from bot.services.faq import Hit, load_catalogs
from bot.services.faq import log as faq_log
from bot.services.faq.log import MissKind, Source

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    monkeypatch.setenv("TIMEZONE", "Europe/Athens")
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    return database_url


async def keplibot(*argv: str) -> int:
    # The CLI runs its own event loop (asyncio.run): give it a thread of its own.
    return await asyncio.to_thread(main, ["faq", *argv])


async def seed_misses(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await faq_log.record_miss(
            session,
            text="πού παρκάρω στο σχολείο",
            locale="el",
            hits=[Hit("school-visits", 0.141), Hit("support-scope", 0.12)],
            now=NOW - timedelta(days=10),
        )
        await faq_log.record_miss(
            session,
            text="lab manager",
            locale="en",
            hits=[Hit("ysepehy-duties", 0.92)],
            kind=MissKind.REJECTED,
            now=NOW - timedelta(days=2),
        )
        await faq_log.record_miss(session, text="κουλουράκια", locale="el", now=NOW)


async def test_misses_lists_the_unanswered_questions_newest_first(
    cli_env: str, sessions: async_sessionmaker[AsyncSession], capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_misses(sessions)
    assert await keplibot("misses") == 0
    lines = capsys.readouterr().out.splitlines()
    tz = load_settings().tz
    first = (NOW).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    assert lines[0] == f"{first}  el  no answer"
    assert lines[1] == "    κουλουράκια"
    assert lines[2].endswith("  en  none of the suggestions")
    assert lines[3:5] == ["    lab manager", "    closest: ysepehy-duties 0.92"]
    assert lines[6:] == [
        "    πού παρκάρω στο σχολείο",
        "    closest: school-visits 0.14, support-scope 0.12",
    ]


async def test_misses_narrowed_by_days_language_and_limit_and_as_json(
    cli_env: str, sessions: async_sessionmaker[AsyncSession], capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_misses(sessions)
    assert await keplibot("misses", "--since", "7d", "--json") == 0
    recent = json.loads(capsys.readouterr().out)["misses"]
    assert [m["text"] for m in recent] == ["κουλουράκια", "lab manager"]
    assert recent[1] == {
        "time": (NOW - timedelta(days=2)).isoformat(),
        "locale": "en",
        "kind": "rejected",
        "text": "lab manager",
        "hits": [{"id": "ysepehy-duties", "score": 0.92}],
    }
    assert await keplibot("misses", "--lang", "el", "--limit", "1", "--json") == 0
    [greek] = json.loads(capsys.readouterr().out)["misses"]
    assert greek["text"] == "κουλουράκια"
    since = (NOW - timedelta(days=3)).astimezone(load_settings().tz).date().isoformat()
    assert await keplibot("misses", "--since", since, "--json") == 0
    assert len(json.loads(capsys.readouterr().out)["misses"]) == 2


async def test_no_misses_in_greek(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFAULT_LOCALE", "el")
    assert await keplibot("misses") == 0
    assert capsys.readouterr().out.strip() == "Δεν υπάρχουν αναπάντητες ερωτήσεις."


async def test_stats_show_views_and_votes_per_entry(
    cli_env: str, sessions: async_sessionmaker[AsyncSession], capsys: pytest.CaptureFixture[str]
) -> None:
    async with sessions() as session:
        await users.touch_user(session, telegram_id=1, first_name="Άννα")
        for entry_id, times in [("support-request", 3), ("upgrades", 1), ("gone-entry", 1)]:
            for _ in range(times):
                await faq_log.record_view(
                    session, entry_id=entry_id, locale="el", source=Source.SEARCH, now=NOW
                )
        for message_id, helpful in [(1, True), (2, True), (3, False)]:
            await faq_log.record_vote(
                session,
                entry_id="support-request",
                locale="el",
                helpful=helpful,
                user_id=1,
                message_id=message_id,
                now=NOW,
            )
        await faq_log.record_view(
            session,
            entry_id="upgrades",
            locale="en",
            source=Source.MENU,
            now=NOW - timedelta(days=40),
        )
    assert await keplibot("stats") == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["views", "👍", "👎", "helpful", "id", "title"]
    assert table[1].split()[:5] == ["3", "2", "1", "67%", "support-request"]
    assert table[1].endswith("How to ask for support")
    assert table[2].split()[:5] == ["2", "0", "0", "–", "upgrades"]
    assert table[3].split()[:5] == ["1", "0", "0", "–", "gone-entry"]
    assert table[3].endswith("(no longer in the FAQ)")
    assert table[-1].split() == ["6", "2", "1", "in", "total"]
    entries = len(load_catalogs()["en"].entries)
    assert len(table) == 2 + entries + 1  # header, every entry and the gone one, total

    assert await keplibot("stats", "--since", "30d", "--json", "--lang", "el") == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["entries"][:2] == [
        {"id": "support-request", "views": 3, "helpful": 2, "unhelpful": 1},
        {"id": "upgrades", "views": 1, "helpful": 0, "unhelpful": 0},
    ]
    assert stats["since"] is not None
    assert await keplibot("stats", "--lang", "el") == 0
    assert "Πώς ζητάω υποστήριξη" in capsys.readouterr().out


async def test_bad_arguments_are_explained(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await keplibot("misses", "--since", "last week") == 2
    assert "--since must be a day such as 2026-01-31" in capsys.readouterr().err
    assert await keplibot("stats", "please") == 2
    assert "unexpected words: please" in capsys.readouterr().err
    assert await keplibot("--since", "7d", "πως ζηταω βοηθεια") == 2
    assert "--since is for 'misses' and 'stats'" in capsys.readouterr().err


async def test_a_question_is_still_searched(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await keplibot("--json", "--limit", "1", "pws", "zitao", "voitheia") == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["id"] == "support-request"
    # "misses" inside a question is a word like any other.
    assert await keplibot("--json", "how many misses are allowed") == 0
    assert "results" in json.loads(capsys.readouterr().out)
