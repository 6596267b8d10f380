"""The error handler: log it, tell the administrators briefly, apologise to the user.

Never raises: an error while reporting an error is logged and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Final

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden

from bot.i18n import Translator, get_translator, pick_locale
from bot.services import users
from bot.services.storage import is_storage_failure
from handlers.common import answer_query, send_text, translator_for_user
from handlers.context import Context

log = logging.getLogger(__name__)

# The same error is reported to the administrators at most once in this period.
NOTICE_INTERVAL: Final = timedelta(minutes=5)
MAX_DETAIL: Final = 300


async def on_error(update: object, context: Context) -> None:
    try:
        await _handle(update, context)
    except Exception:
        log.exception("the error handler failed too")


async def _handle(update: object, context: Context) -> None:
    error = context.error
    upd = update if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        # A chat that blocked the bot or removed it: not a fault of ours, and the error
        # does not say which chat. The apology below finds out: send_text marks the
        # user as blocked if it is their chat.
        log.info("a chat is unreachable (%s) while handling %s", error.message, describe(update))
    else:
        log.error("error while handling %s", describe(update), exc_info=error)
        await _notify_admins(context, update)
    chat = upd.effective_chat if upd else None
    if upd is not None and chat is not None and chat.type == ChatType.PRIVATE:
        if is_storage_failure(error):
            # The database cannot be written (read-only, full, gone): say so plainly.
            await _not_saved(upd, context)
        else:
            await _apologise(upd, context)


def describe(update: object) -> str:
    """A short, secret-free description of an update for logs and notices."""
    if not isinstance(update, Update):
        return "no update" if update is None else type(update).__name__
    parts = [f"update {update.update_id}"]
    if update.callback_query is not None:
        parts.append(f"button {update.callback_query.data!r}")
    elif update.effective_message is not None and update.effective_message.text:
        text = update.effective_message.text
        parts.append(f"command {text.split()[0]}" if text.startswith("/") else "a text message")
    if update.effective_user is not None:
        parts.append(f"from user {update.effective_user.id}")
    return ", ".join(parts)


def redact(text: str, context: Context) -> str:
    """`text` without the bot token or the webhook secret, cut to a notice's size."""
    settings = context.runtime.settings
    for secret in (settings.telegram_token, settings.webhook_secret):
        value = secret.get_secret_value() if secret is not None else ""
        if value:
            text = text.replace(value, "***")
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    if ":" in token:
        # The part after the bot id is the secret; a URL may carry it alone.
        text = text.replace(token.split(":", 1)[1], "***")
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


async def _notify_admins(context: Context, update: object) -> None:
    runtime = context.runtime
    settings = runtime.settings
    if settings.admin_chat_id is None and not settings.admin_ids:
        return
    error = context.error
    detail = redact(f"{type(error).__name__}: {error}", context)
    key = detail
    now = runtime.clock()
    last = context.bot_data.error_notices.get(key)
    if last is not None and now - last < NOTICE_INTERVAL:
        log.debug("not repeating the notice of %s", key)
        return
    context.bot_data.error_notices[key] = now

    def notice(tr: Translator) -> str:
        return (
            tr.gettext("⚠️ keplibot: an error occurred while handling {update}.").format(
                update=describe(update)
            )
            + "\n"
            + tr.gettext("Error: {error}").format(error=detail)
            + "\n"
            + tr.gettext("The details are in the log.")
        )

    if settings.admin_chat_id is not None:
        tr = get_translator(settings.default_locale)
        await send_text(context, settings.admin_chat_id, notice(tr))
        return
    for admin in settings.admin_ids:
        await send_text(context, admin, notice(await translator_for_user(runtime, admin)))


async def _tell(update: Update, context: Context, text: Callable[[Translator], str]) -> None:
    """Stop the button's spinner, if any, and send `text` in the user's language."""
    tr = await _user_translator(update, context)
    if update.callback_query is not None:
        await answer_query(update.callback_query)
    chat = update.effective_chat
    assert chat is not None
    await send_text(context, chat.id, text(tr))


async def _apologise(update: Update, context: Context) -> None:
    await _tell(
        update,
        context,
        lambda tr: tr.gettext(
            "Sorry, something went wrong on my side. Nothing you entered is lost: "
            "please try again, or send /cancel to start over."
        ),
    )


async def _not_saved(update: Update, context: Context) -> None:
    await _tell(
        update,
        context,
        lambda tr: tr.gettext(
            "Sorry, I could not save that: my storage is not available right now. "
            "Please try again in a few minutes."
        ),
    )


async def _user_translator(update: Update, context: Context) -> Translator:
    user = update.effective_user
    default = context.runtime.settings.default_locale
    if user is None:
        return get_translator(default)
    try:
        async with context.runtime.sessions() as session:
            stored = await users.get_locale(session, user.id)
    except Exception:  # the database may be what failed: still apologise
        log.warning("could not read the locale of user %s", user.id, exc_info=True)
        stored = None
    return get_translator(pick_locale(stored, user.language_code, default))
