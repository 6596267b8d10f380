"""Logging set-up for the `keplibot` commands: one format, and no secret in any line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from pydantic import SecretStr

from bot.config import Settings

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Replaces the given secrets in every record with `***`.

    A belt to the braces of keeping secrets out of messages: httpx, for one, logs
    request URLs, and the Bot API puts the token in the URL.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self.secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def secrets_of(settings: Settings) -> list[str]:
    values: list[str] = []
    for secret in (settings.telegram_token, settings.webhook_secret):
        if isinstance(secret, SecretStr) and secret.get_secret_value():
            value = secret.get_secret_value()
            values.append(value)
            if ":" in value:
                values.append(value.split(":", 1)[1])  # the token's secret half
    return values


def setup_logging(settings: Settings) -> None:
    """Log to stderr at LOG_LEVEL, with the settings' secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # One line per HTTP request (every long poll) drowns the bot's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
