"""Telegram's adapter of the Notifier port (`bot.ui.notifier`).

`TelegramNotifier.deliver(address, screen)` sends a channel-neutral screen to a
Telegram chat: the text (split when longer than Telegram allows; buttons on the
last part; the first part replies to `address.reply_to`, in the forum topic
`address.thread`), then its files (photos that came from Telegram by file id;
several photos as one album). Telegram's answer becomes a delivery outcome
(`delivery_error`), which the durable queues (the helpdesk outbox, the reminders)
act on: retry, back off, give up, follow a group that became a supergroup.
It makes one attempt; the bot's rate limiter paces it.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any, Final

from telegram import (
    InputFile,
    InputMediaDocument,
    InputMediaPhoto,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.ratelimit import retry_after_seconds
from bot.ui import Address, Delivered, File, Screen
from bot.ui.notifier import (
    DeliveryError,
    PermanentFailure,
    RecipientGone,
    RecipientMoved,
    RetryLater,
    TemporaryFailure,
)
from handlers.common import split_text
from handlers.render import markup, parse_mode

CHANNEL: Final = "telegram"


def delivery_error(exc: TelegramError, chat_id: int) -> DeliveryError:
    """Telegram's refusal as a delivery outcome."""
    if isinstance(exc, ChatMigrated):
        return RecipientMoved(Address.telegram(int(exc.new_chat_id)))
    if isinstance(exc, Forbidden):
        return RecipientGone(exc.message)
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_after_seconds(exc), exc.message)
    if isinstance(exc, BadRequest):
        lowered = exc.message.lower()
        if "chat not found" in lowered or "deactivated" in lowered:
            return RecipientGone(exc.message)
        return PermanentFailure(exc.message)
    if isinstance(exc, NetworkError):  # timeouts, connection errors and 5xx answers
        return TemporaryFailure(f"{type(exc).__name__}: {exc.message}")
    return PermanentFailure(f"{type(exc).__name__}: {exc.message}")


def _input(f: File) -> Any:
    return f.ref if f.ref is not None else InputFile(BytesIO(f.data), filename=f.name)


class TelegramNotifier:
    """Delivers screens with a PTB bot (whose request layer is the rate limiter)."""

    channel: str = CHANNEL

    def __init__(self, bot: ExtBot[None]) -> None:
        self.bot = bot

    async def deliver(self, to: Address, screen: Screen) -> Delivered:
        if to.channel != CHANNEL:
            raise PermanentFailure(f"not a Telegram address: {to.channel}")
        chat_id = int(to.chat)
        try:
            ids = await self._send(chat_id, to, screen)
        except TelegramError as exc:
            raise delivery_error(exc, chat_id) from exc
        if not ids:
            return Delivered(None)
        return Delivered(str(ids[0]), tuple(str(i) for i in ids[1:]))

    async def _send(self, chat_id: int, to: Address, screen: Screen) -> list[int]:
        thread = int(to.thread) if to.thread else None
        reply = (
            ReplyParameters(message_id=int(to.reply_to), allow_sending_without_reply=True)
            if to.reply_to
            else None
        )
        ids: list[int] = []
        if screen.text:
            chunks = split_text(screen.text)
            for index, chunk in enumerate(chunks):
                last = index == len(chunks) - 1
                message = await self.bot.send_message(
                    chat_id,
                    chunk,
                    parse_mode=parse_mode(screen),
                    reply_markup=markup(screen) if last else None,
                    reply_parameters=reply if index == 0 else None,
                    message_thread_id=thread,
                )
                ids.append(message.message_id)
        files = list(screen.files)
        if not files:
            return ids
        first_reply = None if ids else reply
        html = ParseMode.HTML if screen.markup else None
        if len(files) > 1 and all(f.kind in ("photo", "document") for f in files):
            album = [
                InputMediaPhoto(_input(f), caption=f.caption or None, parse_mode=html)
                if f.kind == "photo"
                else InputMediaDocument(_input(f), caption=f.caption or None, parse_mode=html)
                for f in files
            ]
            sent = await self.bot.send_media_group(
                chat_id, album, reply_parameters=first_reply, message_thread_id=thread
            )
            return ids + [m.message_id for m in sent]
        for f in files:
            message = await self._file(chat_id, f, html, first_reply, thread)
            first_reply = None
            ids.append(message.message_id)
        return ids

    async def _file(
        self,
        chat_id: int,
        f: File,
        html: str | None,
        reply: ReplyParameters | None,
        thread: int | None,
    ) -> Message:
        options: dict[str, Any] = {
            "caption": f.caption or None,
            "parse_mode": html,
            "reply_parameters": reply,
            "message_thread_id": thread,
        }
        media = _input(f)
        if f.kind == "photo":
            return await self.bot.send_photo(chat_id, media, **options)
        if f.kind == "video":
            return await self.bot.send_video(chat_id, media, **options)
        if f.kind == "audio":
            return await self.bot.send_audio(chat_id, media, **options)
        if f.kind == "voice":
            return await self.bot.send_voice(chat_id, media, **options)
        return await self.bot.send_document(chat_id, media, **options)
