"""Saving conversation state at the moments that create records, not only on the timer.

The persistence writes `user_data` and conversation states about once a second
(bot.persistence). A step that stores something the user is told about (a fault
report becoming a ticket) must not leave an older state behind if the process
dies a moment later: after a restart the old draft would come back and could be
sent again. So such a step calls `save_now` before it stores (the draft, with
its id, is on disk when the ticket is), and `save_after` to have the new state
(the conversation ended, the draft gone) written as soon as the update has been
handled: `flush_requested` runs in a group after the flows.
"""

from __future__ import annotations

from typing import Final

from telegram import Update

from handlers.context import Context

FLUSH_GROUP: Final = 900  # after every feature group; before the tests' recorder (1000)

_requested: set[int] = set()  # update ids whose handling asked for a flush


def _mark(update: Update, context: Context) -> None:
    user, chat = update.effective_user, update.effective_chat
    context.application.mark_data_for_update_persistence(
        chat_ids=chat.id if chat else None, user_ids=user.id if user else None
    )


async def save_now(update: Update, context: Context) -> None:
    """Write this user's data and every changed conversation state now."""
    _mark(update, context)
    await context.application.update_persistence()


def save_after(update: Update) -> None:
    """Write the state once this update has been handled (the flow's new state included)."""
    _requested.add(update.update_id)


async def flush_requested(update: object, context: Context) -> None:
    """The handler of FLUSH_GROUP: save what `save_after` asked for."""
    if isinstance(update, Update) and update.update_id in _requested:
        _requested.discard(update.update_id)
        await save_now(update, context)
