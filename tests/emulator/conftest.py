"""Fixtures for the emulator's own tests: a running emulator, its /sim client, raw HTTP
and python-telegram-bot's `Bot` pointed at it."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot

from bot.emulator import EmulatorServer, SimClient, SimUser

TOKEN = "123456:TEST-emulator_token"
BOT_ID = 123456
ALICE = SimUser(1001, "Αλίκη", "Παπαδοπούλου", "alice_p", language_code="el")
BOB = SimUser(1002, "Bob", language_code="en")


def png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG of `width` × `height` pixels."""
    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class RawApi:
    """Bot API calls over plain HTTP, to check status codes and bodies exactly."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str = TOKEN) -> None:
        self.session = session
        self.base = base
        self.token = token

    async def call(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """POST `params` as JSON; returns (HTTP status, decoded body)."""
        url = f"{self.base}/bot{self.token}/{method}"
        async with self.session.post(url, json=params) as resp:
            return resp.status, await resp.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self.call(method, **params)
        assert (status, body["ok"]) == (200, True), body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        """(error_code, description) of a call that must fail."""
        status, body = await self.call(method, **params)
        assert body["ok"] is False, body
        assert body["error_code"] == status
        return status, body["description"]


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer() as server:
        yield server


@pytest.fixture
async def sim(emu: EmulatorServer) -> AsyncIterator[SimClient]:
    async with SimClient(emu.url) as client:
        yield client


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def raw(emu: EmulatorServer, http: aiohttp.ClientSession) -> RawApi:
    return RawApi(http, emu.url)


@pytest.fixture
async def bot(emu: EmulatorServer) -> AsyncIterator[Bot]:
    ptb = Bot(TOKEN, base_url=f"{emu.api_url}/bot", base_file_url=f"{emu.api_url}/file/bot")
    async with ptb:
        yield ptb
