"""`keplibot schools import` warns of schools whose fault reports would reach no one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.helpdesk_world import DATA


@pytest.fixture
def cli_env(sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_database_url)
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("STAFF_CHAT_ID", raising=False)
    monkeypatch.chdir(Path(sqlite_database_url.removeprefix("sqlite+aiosqlite:///")).parent)
    return sqlite_database_url


def test_importing_schools_that_reach_no_staff_chat_warns(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the default centre, and it has no staff chat yet.
    assert main(["schools", "import", str(DATA / "schools_good.csv")]) == 0
    captured = capsys.readouterr()
    assert "Schools added: 7" in captured.out
    [warning] = captured.err.splitlines()
    assert warning == (
        "⚠️ Warning: 7 schools of ΚΕ.ΠΛΗ.ΝΕ.Τ. (default) would reach no one: the centre has "
        "no staff chat. Bind one with /staffchat in its group, or set its chat id."
    )

    # With a staff chat, the same import is quiet.
    monkeypatch.setenv("STAFF_CHAT_ID", "-1001234")
    assert main(["schools", "import", str(DATA / "schools_good.csv")]) == 0
    assert capsys.readouterr().err == ""
