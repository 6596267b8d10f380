"""`keplibot run` and `keplibot webhook`, the real commands: a start that cannot talk to the
Bot API server ends with one line naming the setting, never a traceback or the token."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

from bot.cli import hide_tokens
from bot.emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
# Telegram's shape (id:secret) with a secret the emulator refuses: a character outside
# Telegram's alphabet, as a token pasted with a stray character would have.
REJECTED_TOKEN = "123456:AAH-copied-with-a-stray-char!"


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any keplibot setting, plus `settings`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_", "LISTEN_", "PUBLIC_"))
    }
    return env | {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", **settings}


async def keplibot(command: str, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run `keplibot COMMAND` to its end; (exit status, stderr). The loop keeps serving."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        f"import sys; from bot.cli import main; sys.exit(main([{command!r}]))",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(process.communicate(), timeout=90)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, err.decode()


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("command", ["run", "webhook"])
async def test_a_rejected_token_is_one_line_naming_telegram_token(
    command: str, emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = environment(
        tmp_path,
        TELEGRAM_TOKEN=REJECTED_TOKEN,
        TELEGRAM_BASE_URL=f"{emulator.url}/bot",
        WEBHOOK_URL="https://bot.example.gr",
        WEBHOOK_SECRET="s3cret-for-the-test",
        LISTEN_PORT=str(closed_port()),  # webhook: a free port
    )
    status, err = await keplibot(command, env, tmp_path)
    assert status == 78, err
    assert err.strip().splitlines()[-1] == (
        "keplibot: configuration error: TELEGRAM_TOKEN: the Bot API server rejected it "
        "(copy it again from @BotFather)"
    )
    assert "Traceback" not in err
    assert "AAH-copied" not in err


async def test_an_unreachable_server_is_one_line_naming_telegram_base_url(
    tmp_path: Path,
) -> None:
    env = environment(
        tmp_path,
        TELEGRAM_TOKEN="123456:AAH-a-token-that-must-not-show",
        TELEGRAM_BASE_URL=f"http://127.0.0.1:{closed_port()}/bot",
    )
    status, err = await keplibot("run", env, tmp_path)
    assert status == 69, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        "keplibot: cannot reach the Bot API server (TELEGRAM_BASE_URL, else api.telegram.org): "
    )
    assert "Traceback" not in err
    assert "must-not-show" not in err


@pytest.mark.parametrize("command", ["run", "webhook"])
async def test_an_unreachable_database_is_one_line_without_its_password(
    command: str, emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = environment(
        tmp_path,
        TELEGRAM_TOKEN="123456:AAH-a-token-that-must-not-show",
        TELEGRAM_BASE_URL=f"{emulator.url}/bot",
        WEBHOOK_URL="https://bot.example.gr",
        WEBHOOK_SECRET="s3cret-for-the-test",
        LISTEN_PORT=str(closed_port()),
    )
    # Nothing listens on the port: refused at once, nothing leaves the machine.
    env["DATABASE_URL"] = f"postgresql://bot:pw-secret@127.0.0.1:{closed_port()}/keplibot"
    status, err = await keplibot(command, env, tmp_path)
    assert status == 69, err
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith("keplibot: cannot use the database postgresql+asyncpg://bot:***@127.0.0.1:")
    )
    assert "Traceback" not in err
    assert "pw-secret" not in err


def test_hide_tokens() -> None:
    assert (
        hide_tokens("POST /bot123456:AAH-x_y/getMe at 03:13:40")
        == "POST /bot***/getMe at 03:13:40"
    )
