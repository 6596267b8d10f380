"""Reminders in chat: follow the deadlines, choose kinds and times and area, stop.

Screens (`bot.dialogs.reminders.screens`) are one message that changes as buttons
are pressed ("rem:…"): `/reminders` or the menu's "Reminders" shows what the
person follows and the next dates; "Follow all deadlines" subscribes in one tap.
Every reminder carries a one-tap "Stop these reminders" button.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.dialogs.reminders.actions import (
    AreaFromSchool,
    AreaPage,
    ChooseArea,
    Follow,
    Kinds,
    ShowReminders,
    StopFromReminder,
    StopReminders,
    Times,
    ToggleKind,
    ToggleTime,
    reminders,
)
from bot.dialogs.reminders.screens import (
    after_follow,
    area_screen,
    kinds_screen,
    status_screen,
    stopped_from_reminder,
    times_screen,
    with_notice,
)
from bot.i18n import N_
from bot.services import reminders as service
from bot.services.reminders import AreaChoice
from bot.ui import Screen
from handlers import render
from handlers.common import PRIVATE, answer_query, edit_text
from handlers.context import CommandSpec, Context, KepliApp
from handlers.reminders import rules_of


async def _status(context: Context, user_id: int) -> Screen:
    runtime = context.runtime
    return await status_screen(
        context.tr, runtime.sessions, rules_of(runtime), user_id, runtime.clock()
    )


async def _replace(context: Context, update: Update, screen: Screen) -> None:
    """Replace the pressed message with `screen` (the query is answered already)."""
    query = update.callback_query
    assert query is not None
    await edit_text(
        context,
        query,
        screen.text,
        reply_markup=render.markup(screen),
        parse_mode=render.parse_mode(screen),
    )


def _user_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


async def _stale(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    await answer_query(
        update.callback_query, context.tr.gettext("This button is no longer active.")
    )


async def show(update: Update, context: Context) -> None:
    """/reminders, the menu entry and "Done"."""
    await render.show(update, context, await _status(context, _user_id(update)))


async def follow(update: Update, context: Context) -> None:
    """One tap: follow every deadline that concerns you; then ask the area if unknown."""
    query = update.callback_query
    assert query is not None
    user_id = _user_id(update)
    runtime = context.runtime
    async with runtime.sessions() as session:
        view = await service.subscribe(session, user_id, rules_of(runtime), runtime.clock())
        choices = await service.area_choices(session)
    await answer_query(query, context.tr.gettext("Done: you follow the deadlines."))
    status = await _status(context, user_id)
    await _replace(context, update, after_follow(context.tr, status, view, choices))


async def kinds(update: Update, context: Context) -> None:
    async with context.runtime.sessions() as session:
        view = await service.get_subscription(session, _user_id(update), rules_of(context.runtime))
    active = view if view is not None and view.active else None
    await render.show(update, context, kinds_screen(context.tr, active))


async def toggle_kind(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = reminders.parse_as(query.data, ToggleKind)
    if not isinstance(action, ToggleKind) or action.kind not in service.KINDS:
        await _stale(update, context)
        return
    kind = action.kind
    user_id = _user_id(update)
    runtime = context.runtime
    rules = rules_of(runtime)
    async with runtime.sessions() as session:
        view = await service.get_subscription(session, user_id, rules)
        if view is None or not view.active:
            # The first tap on a kind follows just that kind.
            view = await service.subscribe(session, user_id, rules, runtime.clock(), kinds=[kind])
        else:
            followed = set(service.KINDS) if view.all_kinds else set(view.kinds)
            followed ^= {kind}
            if not followed:
                await answer_query(
                    query,
                    context.tr.gettext("Keep at least one kind, or stop the reminders."),
                    alert=True,
                )
                return
            view = await service.set_kinds(session, user_id, followed, rules, runtime.clock())
    await render.show(update, context, kinds_screen(context.tr, view))


async def times(update: Update, context: Context) -> None:
    user_id = _user_id(update)
    runtime = context.runtime
    rules = rules_of(runtime)
    async with runtime.sessions() as session:
        view = await service.get_subscription(session, user_id, rules)
        if view is None or not view.active:
            view = await service.subscribe(session, user_id, rules, runtime.clock())
    await render.show(update, context, times_screen(context.tr, view, rules))


async def toggle_time(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = reminders.parse_as(query.data, ToggleTime)
    offered = {o.code: o for o in service.choosable_offsets()}
    if not isinstance(action, ToggleTime) or action.code not in offered:
        await _stale(update, context)
        return
    user_id = _user_id(update)
    runtime = context.runtime
    rules = rules_of(runtime)
    async with runtime.sessions() as session:
        view = await service.get_subscription(session, user_id, rules)
        if view is None or not view.active:
            view = await service.subscribe(session, user_id, rules, runtime.clock())
        chosen = set(view.offsets) ^ {offered[action.code]}
        if not chosen:
            await answer_query(
                query,
                context.tr.gettext("Keep at least one reminder time, or stop the reminders."),
                alert=True,
            )
            return
        view = await service.set_offsets(session, user_id, chosen, rules, runtime.clock())
    await render.show(update, context, times_screen(context.tr, view, rules))


async def area(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = reminders.parse_as(query.data, AreaPage)
    page = action.page if isinstance(action, AreaPage) else 0
    user_id = _user_id(update)
    async with context.runtime.sessions() as session:
        choices = await service.area_choices(session)
        view = await service.get_subscription(session, user_id, rules_of(context.runtime))
        school = await service.school_area(session, user_id)
    from_school = school.known and view is not None
    await render.show(update, context, area_screen(context.tr, choices, page, from_school))


async def choose_area(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = reminders.parse(query.data)
    choice: AreaChoice | None = None
    if isinstance(action, ChooseArea) and action.kind in ("d", "c"):
        choice = AreaChoice(action.kind, action.area_id, "")
    elif not isinstance(action, AreaFromSchool):
        await _stale(update, context)
        return
    runtime = context.runtime
    user_id = _user_id(update)
    try:
        async with runtime.sessions() as session:
            await service.choose_area(session, user_id, choice, rules_of(runtime), runtime.clock())
    except LookupError:
        await _stale(update, context)
        return
    await answer_query(query, context.tr.gettext("Saved."))
    await _replace(context, update, await _status(context, user_id))


async def stop(update: Update, context: Context) -> None:
    """ "Stop reminders" on the reminders screen."""
    query = update.callback_query
    assert query is not None
    user_id = _user_id(update)
    async with context.runtime.sessions() as session:
        await service.stop(session, user_id, context.runtime.clock())
    tr = context.tr
    await answer_query(query, tr.gettext("Reminders stopped."))
    stopped = tr.gettext("You will get no more reminders. You can follow again any time.")
    await _replace(context, update, with_notice(stopped, await _status(context, user_id)))


async def stop_from_reminder(update: Update, context: Context) -> None:
    """The one-tap button under every reminder: stop, and offer to follow again."""
    query = update.callback_query
    assert query is not None
    async with context.runtime.sessions() as session:
        await service.stop(session, _user_id(update), context.runtime.clock())
    tr = context.tr
    await answer_query(query, tr.gettext("Reminders stopped."))
    message = query.message
    text = message.text or "" if isinstance(message, Message) else ""
    await _replace(context, update, stopped_from_reminder(tr, text))


def register(app: KepliApp) -> None:
    data = app.bot_data
    data.commands.add(CommandSpec("reminders", N_("Reminders of the nomination dates"), order=40))
    app.add_handler(CommandHandler("reminders", show, filters=PRIVATE))
    # "menu:reminders" is the main menu's entry for this screen.
    shown = rf"^menu:reminders$|{reminders.verb_pattern(ShowReminders)}"
    app.add_handler(CallbackQueryHandler(show, pattern=shown))
    for callback, actions in (
        (follow, (Follow,)),
        (kinds, (Kinds,)),
        (toggle_kind, (ToggleKind,)),
        (times, (Times,)),
        (toggle_time, (ToggleTime,)),
        (area, (AreaPage,)),
        (choose_area, (ChooseArea, AreaFromSchool)),
        (stop, (StopReminders,)),
        (stop_from_reminder, (StopFromReminder,)),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=reminders.verb_pattern(*actions)))
