"""The Notifier port: how the core tells someone something outside the current reply.

Notices (a ticket changed, a reminder is due, an alert for the administrators)
are built by the core as `Screen`s and handed to a `Notifier` with the
recipient's channel address. The core never knows which channel that is: a
`Notifier` is implemented once per messaging channel (Telegram's lives in
`handlers/`), and the durable queues (the helpdesk outbox, the reminders' claim
rows) call it from their delivery workers, so retries, backoff, and "never twice
once accepted" are the queues' business and the wire is the adapter's.

A delivery either returns `Delivered` (the channel accepted it) or raises one of
the `DeliveryError`s below, which say what the queue should do next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.ui.screen import Screen


@dataclass(frozen=True)
class Address:
    """Where a notice goes, in the channel's own terms: ("telegram", "123456")."""

    channel: str
    chat: str
    reply_to: str | None = None  # a message of that chat to reply to, if any
    thread: str | None = None  # a topic of a forum chat, if any

    @classmethod
    def telegram(
        cls, chat_id: int, reply_to: int | None = None, thread: int | None = None
    ) -> Address:
        return cls(
            "telegram",
            str(chat_id),
            None if reply_to is None else str(reply_to),
            None if thread is None else str(thread),
        )


@dataclass(frozen=True)
class Delivered:
    """The channel accepted the notice; `message` is its id there (to reply or edit)."""

    message: str | None = None
    extra: tuple[str, ...] = ()  # ids of further messages (a long text split, an album)


class DeliveryError(Exception):
    """A notice was not delivered; the subclass says whether to try again."""


class RecipientGone(DeliveryError):
    """The recipient blocked the bot or no longer exists: stop sending to them."""


class RetryLater(DeliveryError):
    """The channel asked to wait (Telegram's 429): try again after `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"retry after {retry_after:g}s")
        self.retry_after = retry_after


class TemporaryFailure(DeliveryError):
    """A network fault or a server error: try again with backoff."""


class PermanentFailure(DeliveryError):
    """The channel refused the notice itself: trying again would not help."""


class RecipientMoved(DeliveryError):
    """The chat has a new address (a Telegram group became a supergroup)."""

    def __init__(self, new: Address) -> None:
        super().__init__(f"moved to {new.chat}")
        self.new = new


class Notifier(Protocol):
    """One messaging channel's way of delivering a screen to an address."""

    channel: str

    async def deliver(self, to: Address, screen: Screen) -> Delivered:
        """Send `screen` to `to` once; raise a `DeliveryError` when it was not accepted."""
        ...
