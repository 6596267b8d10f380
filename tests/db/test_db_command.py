"""`keplibot db upgrade|downgrade|current`, run from a directory that is not the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.db import script_heads


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An unrelated working directory, with no .env, no alembic.ini, no migrations/."""
    directory = tmp_path / "elsewhere"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["db", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.usefixtures("elsewhere")
def test_upgrade_current_and_downgrade(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    heads = ", ".join(script_heads())

    status, out, _ = run(capsys, "current")
    assert status == 3  # not up to date
    assert "at base (no tables)" in out
    assert f"`keplibot db upgrade` would apply {heads}" in out

    status, out, _ = run(capsys, "upgrade")
    assert (status, out.strip().endswith(f"at {heads}")) == (0, True)

    status, out, _ = run(capsys, "current")
    assert (status, out.splitlines()[-1]) == (0, "up to date")

    status, out, err = run(capsys, "downgrade")  # to base, unconfirmed: refused
    assert status == 1
    assert "repeat with --yes" in err
    assert run(capsys, "current")[0] == 0  # nothing was dropped

    status, out, _ = run(capsys, "downgrade", "0001_initial")
    assert (status, out.strip().endswith("at 0001_initial")) == (0, True)

    status, out, _ = run(capsys, "downgrade", "--yes")
    assert (status, out.strip().endswith("at base (no tables)")) == (0, True)


def test_the_installed_command_upgrades_from_any_directory(elsewhere: Path) -> None:
    database = elsewhere / "data" / "bot.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    keplibot = Path(sys.executable).with_name("keplibot")
    done = subprocess.run(
        [str(keplibot), "db", "upgrade"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"at {', '.join(script_heads())}")
    assert database.is_file()


@pytest.mark.usefixtures("elsewhere")
def test_an_unknown_revision_is_one_line(
    sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_database_url)
    status, _, err = run(capsys, "downgrade", "9999_nope")
    assert (status, err) == (1, "keplibot db: Can't locate revision identified by '9999_nope'\n")
    assert run(capsys, "current")[0] == 0  # left as it was


@pytest.mark.usefixtures("elsewhere")
def test_an_unreachable_server_is_one_line_without_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Port 1 on the loopback: refused at once, nothing leaves the machine.
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot:pw-secret@127.0.0.1:1/keplibot")
    status, out, err = run(capsys, "current")
    assert (status, out) == (1, "")
    assert err.startswith(
        "keplibot db: cannot use the database postgresql+asyncpg://bot:***@127.0.0.1:1/keplibot: "
    )
    assert len(err.splitlines()) == 1
    assert "pw-secret" not in err
