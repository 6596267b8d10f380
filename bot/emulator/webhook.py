"""Webhook delivery: POST queued updates one by one, in order, retrying on failure."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

import aiohttp

from bot.emulator.errors import BotApiError
from bot.emulator.methods import lookup
from bot.emulator.methods.base import BotApi
from bot.emulator.params import Params
from bot.emulator.state import World

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REQUEST_TIMEOUT = 10.0  # seconds per delivery attempt
FIRST_RETRY = 0.05  # seconds; doubled after each failure
MAX_RETRY = 2.0


class WebhookDelivery:
    """Runs while a webhook is set; one update in flight at a time keeps the order."""

    def __init__(
        self,
        world: World,
        api: BotApi,
        http: Callable[[], aiohttp.ClientSession],
        closing: asyncio.Event,
    ) -> None:
        self.world = world
        self.api = api
        self.http = http
        self.closing = closing
        self._task: asyncio.Task[None] | None = None

    def changed(self) -> None:
        """Start delivering when a webhook was set (the loop ends by itself when removed)."""
        if self.world.webhook is not None and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = FIRST_RETRY
        signal = self.world.update_signal
        while not self.closing.is_set() and self.world.webhook is not None:
            if not self.world.updates:
                await signal.wait_past(signal.version, 1.0)
                continue
            update = self.world.updates[0]
            if await self._deliver(update):
                if self.world.updates and self.world.updates[0] is update:
                    self.world.updates.popleft()
                delay = FIRST_RETRY
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.closing.wait(), delay)
            delay = min(delay * 2, MAX_RETRY)

    async def _deliver(self, update: dict[str, object]) -> bool:
        hook = self.world.webhook
        if hook is None:
            return False
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        try:
            async with self.http().post(
                hook.url,
                json=update,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            ) as resp:
                if not 200 <= resp.status < 300:
                    self._failed(f"Wrong response from the webhook: {resp.status} {resp.reason}")
                    return False
                body = await resp.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._failed(f"Connection failed: {exc.__class__.__name__}")
            return False
        await self._reply_method(body, resp.content_type)
        return True

    def _failed(self, message: str) -> None:
        hook = self.world.webhook
        if hook is not None:
            hook.last_error_date = self.world.now()
            hook.last_error_message = message
        log.debug("webhook delivery failed: %s", message)

    async def _reply_method(self, body: bytes, content_type: str) -> None:
        """Telegram executes a method the webhook answers with (`{"method": ..., ...}`)."""
        if content_type != "application/json" or not body.strip():
            return
        try:
            payload = json.loads(body)
        except ValueError:
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("method"), str):
            return
        found = lookup(payload.pop("method"))
        if found is None:
            return
        name, handler = found
        self.world.stats.calls[name] += 1
        try:
            await handler(self.api, Params(payload))
        except BotApiError as exc:
            self.world.record_error(name, exc.code, exc.description)
