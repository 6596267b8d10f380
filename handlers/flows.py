"""One conversation at a time: the bot's multi-step flows and the guard between them.

Every multi-step flow (the points interview, the fault report, managing deadlines)
is a `Flow`: a named, persistent `ConversationHandler` that knows what it is called
in chat and how to leave and resume it. Together they keep one rule: a person is in
at most one flow.

- Starting a flow (its command, a menu button, an older menu's button, a photo that
  would start a fault report, ...) while another one is active does not start it:
  the person is asked "Leave the points interview?" with «Keep going» (the question
  they were at is shown again) and «Leave» (the old flow ends, the new one starts,
  from the same command, button or photo).
- /cancel ends every active flow; /start leaves them all and greets afresh.
- A flow that has something to lose (`unsaved`) asks before its «✖ Cancel» button
  throws it away («Keep going» / «Discard»).

python-telegram-bot keeps conversation states private (`_get_key`,
`_conversations`, `_update_state`): this module is the one place that reads or
changes them, behind `Flow.is_active` / `Flow.end`, `active_flows(...)` and
`end_all_conversations(...)`; tests/e2e/test_one_flow.py and tests/e2e/test_privacy.py
fail if a new PTB version changes them, tests/unit/test_ptb_privates.py if they are read
anywhere else.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, Final

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.dialogs.common import CancelFlow, DiscardFlow, KeepFlow, LeaveFlow
from bot.dialogs.common import flow as flow_codec
from bot.i18n import N_
from bot.ui.actions import pack
from handlers import start
from handlers.common import (
    PRIVATE,
    answer_query,
    edit_text,
    keyboard,
    show_screen,
)
from handlers.context import Context, KepliApp

log = logging.getLogger(__name__)

HandlerList = list[BaseHandler[Update, Context, Any]]
Resume = Callable[[Update, Context, object], Awaitable[object]]
Leave = Callable[[Update, Context], Awaitable[None]]
Unsaved = Callable[[Context], bool]
Admits = Callable[[Update, Context], Awaitable[bool]]

CANCEL_PATTERN: Final = flow_codec.verb_pattern(CancelFlow)
KEEP_DATA: Final = pack(KeepFlow())
LEAVE_DATA: Final = pack(LeaveFlow())
DISCARD_DATA: Final = pack(DiscardFlow())
# user_data: what the open "Leave …?" question would start: {"from": flow, "to": flow,
# "data": callback data} for a button, {"updates": [Update dicts], "album": id} for messages.
PENDING: Final = "flow_pending"

AnyApp = Application[Any, Any, Any, Any, Any, Any]


class Flow(ConversationHandler[Context]):
    """A multi-step flow: a named, persistent conversation that yields to no other.

    `title` and `leave_question` are English message ids (marked with `N_`):
    "the fault report" and "Leave the fault report?". `resume(update, context,
    state)` shows the current step again and returns the state (None: unchanged);
    `on_leave(update, context)` drops what the flow kept (it runs on /cancel,
    /start, «Leave» and «Discard»); `unsaved(context)` says whether «✖ Cancel»
    should ask before discarding. `admits(update, context)` says whether the user may
    enter at all: someone who may not is refused by the entry point without first being
    asked to leave the flow they are in (which they would lose for nothing).
    """

    def __init__(
        self,
        name: str,
        *,
        entry_points: HandlerList,
        states: dict[object, HandlerList],
        fallbacks: HandlerList | None = None,
        title: str = N_("what you were doing"),
        leave_question: str = N_("Leave what you were doing?"),
        discard_question: str = N_("Discard what you entered?"),
        resume: Resume | None = None,
        on_leave: Leave | None = None,
        unsaved: Unsaved | None = None,
        admits: Admits | None = None,
        **kwargs: Any,
    ) -> None:
        self.title = title
        self.leave_question = leave_question
        self.discard_question = discard_question
        self._resume = resume
        self._on_leave = on_leave
        self._unsaved = unsaved
        self._admits = admits
        shared: HandlerList = [
            CommandHandler("cancel", cancel_all, filters=PRIVATE),
            CallbackQueryHandler(self._cancel_pressed, pattern=CANCEL_PATTERN),
            CommandHandler("start", restart_all, filters=PRIVATE),
            CallbackQueryHandler(self._keep_pressed, pattern=flow_codec.verb_pattern(KeepFlow)),
            CallbackQueryHandler(self._leave_pressed, pattern=flow_codec.verb_pattern(LeaveFlow)),
            CallbackQueryHandler(cancel_all, pattern=flow_codec.verb_pattern(DiscardFlow)),
        ]
        with warnings.catch_warnings():
            # Per-user conversations (the default) are what the flows want; PTB warns that
            # such conversations do not track each message's buttons separately.
            warnings.filterwarnings(
                "ignore", message="If 'per_message=False'", category=PTBUserWarning
            )
            super().__init__(
                entry_points=entry_points,
                states=states,
                fallbacks=[*(fallbacks or []), *shared],
                name=name,
                persistent=True,
                **kwargs,
            )

    # --- the state of one person (PTB's private parts, here only) ---------------------

    def _key_of(self, update: Update) -> Any:
        try:
            return self._get_key(update)
        except RuntimeError:  # per-message conversations have no key for a text message
            return None

    def state(self, update: Update) -> object | None:
        """The step the update's user is at in this flow, None outside it."""
        key = self._key_of(update)
        return None if key is None else self._conversations.get(key)

    def is_active(self, update: Update) -> bool:
        """Whether the update's user is inside this flow."""
        return self.state(update) is not None

    def end(self, update: Update) -> None:
        """End this flow for the update's user (the change is persisted like any other)."""
        key = self._key_of(update)
        if key is not None:
            self._update_state(self.END, key)

    async def leave(self, update: Update, context: Context) -> None:
        """Drop what the flow kept and end it."""
        if self._on_leave is not None:
            await self._on_leave(update, context)
        self.end(update)

    async def resume(self, update: Update, context: Context) -> object:
        """Show the current step again (after «Keep going»); the new state or None."""
        if self._resume is not None:
            return await self._resume(update, context, self.state(update))
        text = "↩️ " + context.tr.gettext("Let's continue where you left off.")
        await show_screen(update, context, text, None)
        return None

    # --- the guard --------------------------------------------------------------------

    async def handle_update(
        self,
        update: Update,
        application: AnyApp,
        check_result: Any,
        context: Context,
    ) -> object | None:
        state = check_result[0]
        if state is None:  # an entry point: starting this flow
            others = [f for f in flows_of(application) if f is not self and f.is_active(update)]
            if others and (self._admits is None or await self._admits(update, context)):
                await ask_to_leave(update, context, others[0], self)
                return None
        return await super().handle_update(update, application, check_result, context)

    # --- the shared buttons, handled by the active flow --------------------------------

    async def _cancel_pressed(self, update: Update, context: Context) -> object:
        """«✖ Cancel»: asks first when something would be lost, else cancels."""
        if self._unsaved is None or not self._unsaved(context):
            return await cancel_all(update, context)
        _ = context.tr.gettext
        text = "⚠️ " + _(self.discard_question)
        markup = keyboard(
            [[("↩️ " + _("Keep going"), KEEP_DATA), ("🗑 " + _("Discard"), DISCARD_DATA)]]
        )
        await show_screen(update, context, text, markup)
        return None

    async def _keep_pressed(self, update: Update, context: Context) -> object:
        _pending(context, pop=True)
        return await self.resume(update, context)

    async def _leave_pressed(self, update: Update, context: Context) -> object:
        query = update.callback_query
        assert query is not None
        pending = _pending(context, pop=True)
        target = _flow_named(context.application, pending.get("to")) if pending else None
        if pending is None or pending.get("from") != self.name or target is None:
            await answer_query(query, context.tr.gettext("This button is no longer active."))
            return None
        await self.leave(update, context)
        if "data" in pending:
            # The button that asked to start `target`, as if pressed now on this message.
            raw = update.to_dict()
            raw["callback_query"]["data"] = pending["data"]
            replays = [Update.de_json(raw, context.bot)]
        else:
            await answer_query(query)
            left = "🚪 " + context.tr.gettext("Stopped: {flow}.").format(
                flow=context.tr.gettext(self.title)
            )
            await edit_text(context, query, left)
            replays = [Update.de_json(raw, context.bot) for raw in pending.get("updates", [])]
        for replay in replays:
            check = target.check_update(replay)
            if check is not None and check is not False:
                await target.handle_update(replay, context.application, check, context)
        return self.END


def flow(
    name: str,
    *,
    entry_points: HandlerList,
    states: dict[object, HandlerList],
    fallbacks: HandlerList | None = None,
    **kwargs: Any,
) -> Flow:
    """A multi-step flow (see `Flow`): named, persistent (it survives restarts), one at a time.

    `fallbacks` are tried before the shared ones (/cancel, «✖ Cancel», /start, and the
    «Keep going» / «Leave» / «Discard» buttons). Keyword arguments go to `Flow` (title,
    leave_question, resume, on_leave, unsaved) and ConversationHandler (allow_reentry...).
    """
    return Flow(name, entry_points=entry_points, states=states, fallbacks=fallbacks, **kwargs)


# --- which flows a person is in ----------------------------------------------------------


def flows_of(app: AnyApp) -> list[Flow]:
    """The application's flows, in the order they were registered."""
    return [h for group in app.handlers.values() for h in group if isinstance(h, Flow)]


def active_flows(app: AnyApp, update: Update) -> list[Flow]:
    """The flows the update's user is inside (at most one, unless something went wrong)."""
    return [f for f in flows_of(app) if f.is_active(update)]


def is_active(app: AnyApp, update: Update) -> bool:
    """Whether the update's user is inside any flow."""
    return any(f.is_active(update) for f in flows_of(app))


def end_all_conversations(app: AnyApp, user_id: int) -> int:
    """End every conversation `user_id` is in, in any of the application's
    ConversationHandlers (flows or not); how many ended.

    Deleting the key from PTB's private `_conversations` is how PTB itself ends a
    conversation, and the persistence follows.
    """
    ended = 0
    for group in app.handlers.values():
        for handler in group:
            if not isinstance(handler, ConversationHandler):
                continue
            states = handler._conversations
            for key in [k for k in states if user_id in k]:
                del states[key]
                ended += 1
    return ended


def conversation_slots(app: AnyApp, update: Update) -> list[tuple[str, Any]]:
    """(flow name, conversation key) of each flow for the update's user and chat."""
    slots = []
    for each in flows_of(app):
        key = each._key_of(update)
        if key is not None and each.name is not None:
            slots.append((each.name, key))
    return slots


def set_conversation_state(app: AnyApp, name: str, key: Any, state: object | None) -> None:
    """Put a state read from the database in place (several workers: `bot.workers`).

    Written to PTB's plain dict under its tracking one, so that it is not written back.
    """
    found = _flow_named(app, name)
    if found is None:
        return
    conversations = found._conversations
    plain = getattr(conversations, "data", conversations)  # a TrackingDict once started
    if state is None:
        plain.pop(key, None)
    else:
        plain[key] = state


def _flow_named(app: AnyApp, name: object) -> Flow | None:
    return next((f for f in flows_of(app) if f.name == name), None)


class OutsideFlows(filters.UpdateFilter):
    """True when the update's user is in none of the application's flows.

    Text typed in the middle of a flow belongs to the flow, even in a step that
    expects a button: it must reach the shared "not understood" reply, not become
    an FAQ question.
    """

    def __init__(self, app: KepliApp) -> None:
        super().__init__(name="OutsideFlows")
        self._app = app

    def filter(self, update: Update) -> bool:
        return not is_active(self._app, update)


# --- asking before switching -----------------------------------------------------------------


def _pending(context: Context, *, pop: bool = False) -> dict[str, Any] | None:
    data = context.user_data
    if data is None:
        return None
    pending = data.pop(PENDING, None) if pop else data.get(PENDING)
    return pending if isinstance(pending, dict) else None


async def ask_to_leave(update: Update, context: Context, active: Flow, new: Flow) -> None:
    """Another flow is active: ask whether to leave it for `new` (nothing starts yet)."""
    data = context.user_data
    assert data is not None  # flows run in private chats, where every update has a user
    query = update.callback_query
    message = update.effective_message
    album = message.media_group_id if query is None and message is not None else None
    pending = _pending(context)
    if album is not None and pending is not None and pending.get("album") == album:
        pending["updates"].append(update.to_dict())  # the rest of an album: asked already
        return
    if query is not None:
        data[PENDING] = {"from": active.name, "to": new.name, "data": query.data}
    else:
        data[PENDING] = {
            "from": active.name,
            "to": new.name,
            "updates": [update.to_dict()],
            "album": album,
        }
    _ = context.tr.gettext
    text = "\n\n".join(
        [
            "⚠️ " + _(active.leave_question),
            _(
                "One thing at a time: if you leave, what you entered there is not kept, "
                "and {flow} starts."
            ).format(flow=_(new.title)),
        ]
    )
    markup = keyboard([[("↩️ " + _("Keep going"), KEEP_DATA), ("🚪 " + _("Leave"), LEAVE_DATA)]])
    await show_screen(update, context, text, markup)


# --- leaving every flow -------------------------------------------------------------------


async def leave_all(update: Update, context: Context) -> None:
    """End every flow the user is in (each drops what it kept)."""
    for active in active_flows(context.application, update):
        await active.leave(update, context)
    _pending(context, pop=True)


async def cancel_all(update: Update, context: Context) -> int:
    """/cancel, «✖ Cancel» or «Discard» inside a flow: end every flow, show the menu."""
    await leave_all(update, context)
    return await start.cancel_flow(update, context)


async def restart_all(update: Update, context: Context) -> int:
    """/start inside a flow: leave every flow and start afresh."""
    await leave_all(update, context)
    return await start.restart_flow(update, context)
