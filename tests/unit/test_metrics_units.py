"""bot.metrics' pieces: update kinds, error codes, the metered rate limiter."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot import metrics


class Inner(BaseRateLimiter[Any]):
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback: Any, *args: Any, **kwargs: Any) -> Any:
        if self.error is not None:
            raise self.error
        return {"ok": True}


def count(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (Forbidden("bot was blocked by the user"), "403"),
        (RetryAfter(3), "429"),
        (BadRequest("message is not modified"), "400"),
        (TimedOut(), "timeout"),
        (NetworkError("connection reset"), "network"),
    ],
)
async def test_failed_calls_are_counted_by_method_and_code(error: Exception, code: str) -> None:
    limiter = metrics.MeteredRateLimiter(Inner(error))
    calls = count("keplibot_telegram_requests_total", method="sendPhoto")
    errors = count("keplibot_telegram_errors_total", method="sendPhoto", code=code)
    with pytest.raises(type(error)):
        await limiter.process_request(None, (), {}, "sendPhoto", {}, None)  # type: ignore[arg-type]
    assert count("keplibot_telegram_requests_total", method="sendPhoto") == calls + 1
    assert count("keplibot_telegram_errors_total", method="sendPhoto", code=code) == errors + 1


async def test_a_successful_call_is_counted_without_an_error() -> None:
    limiter = metrics.MeteredRateLimiter(Inner(None))
    before = count("keplibot_telegram_requests_total", method="getMe")
    assert await limiter.process_request(None, (), {}, "getMe", {}, None) == {"ok": True}  # type: ignore[arg-type]
    assert count("keplibot_telegram_requests_total", method="getMe") == before + 1
    assert metrics.update_kind(object()) == "other"
