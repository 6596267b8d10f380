"""Reminders in a Teams chat: `handlers/reminders/chat.py` and `calendar.py` for Teams.

`reminders` (or the menu's ⏰) shows what the person follows and the next dates;
"Follow all deadlines" subscribes in one tap (then asks the area, if unknown); kinds,
times and area are cards whose buttons change them; "Stop reminders" and the button
under every reminder unsubscribe. `calendar` offers the .ics file and the personal feed
link. The screens and buttons are the dialogs' (`bot.dialogs.reminders`); the reminders
themselves come through the queue (`bot.routing`).

Every button's data are checked as on Telegram: a kind, a time or an area that is not
(or no longer) offered is "no longer active" and changes nothing; the actions carry no
person, so whoever presses acts on their own subscription only. Telegram's pop-up
answers ("Saved.") become a line above the card; its alerts ("Keep at least one kind")
a message of their own.
"""

from __future__ import annotations

from bot.dialogs.reminders.actions import (
    AreaFromSchool,
    AreaPage,
    CalendarFile,
    ChooseArea,
    Follow,
    Kinds,
    RenewLink,
    RevokeLink,
    ShowCalendar,
    ShowReminders,
    StopFromReminder,
    StopReminders,
    Times,
    ToggleKind,
    ToggleTime,
)
from bot.dialogs.reminders.calendar import calendar_screen, feed_file
from bot.dialogs.reminders.screens import (
    after_follow,
    area_screen,
    kinds_screen,
    status_screen,
    stopped_from_reminder,
    times_screen,
    with_notice,
)
from bot.services import reminders as service
from bot.services.reminders import AreaChoice, ReminderRules, SubscriptionView
from bot.services.reminders import calendar as calendar_service
from bot.ui import Action, Screen
from teams.turn import Turn


def rules_of(turn: Turn) -> ReminderRules:
    return ReminderRules.from_settings(turn.runtime.settings)


async def _status(turn: Turn) -> Screen:
    runtime = turn.runtime
    return await status_screen(
        turn.tr, runtime.sessions, rules_of(turn), turn.user_id, runtime.clock()
    )


async def show(turn: Turn, *, replace: bool = False) -> None:
    """`reminders`, the menu's entry and «Done»."""
    await turn.show(await _status(turn), replace=replace)


async def calendar(turn: Turn, *, replace: bool = False) -> None:
    """`calendar` and the reminders' 📅."""
    await turn.show(await calendar_screen(turn.tr, turn.runtime, turn.user_id), replace=replace)


async def pressed(turn: Turn, action: Action) -> bool:
    """A button of the reminders or the calendar; False when it is not (or no longer)
    valid (nothing is changed then)."""
    tr = turn.tr
    runtime = turn.runtime
    rules = rules_of(turn)
    now = runtime.clock()
    view: SubscriptionView | None
    if isinstance(action, ShowReminders):
        await show(turn, replace=True)
    elif isinstance(action, Follow):
        async with runtime.sessions() as session:
            view = await service.subscribe(session, turn.user_id, rules, now)
            choices = await service.area_choices(session)
        status = with_notice(tr.gettext("Done: you follow the deadlines."), await _status(turn))
        await turn.show(after_follow(tr, status, view, choices), replace=True)
    elif isinstance(action, Kinds):
        async with runtime.sessions() as session:
            view = await service.get_subscription(session, turn.user_id, rules)
        active = view if view is not None and view.active else None
        await turn.show(kinds_screen(tr, active), replace=True)
    elif isinstance(action, ToggleKind):
        return await _toggle_kind(turn, action)
    elif isinstance(action, Times):
        async with runtime.sessions() as session:
            view = await service.get_subscription(session, turn.user_id, rules)
            if view is None or not view.active:
                view = await service.subscribe(session, turn.user_id, rules, now)
        await turn.show(times_screen(tr, view, rules), replace=True)
    elif isinstance(action, ToggleTime):
        return await _toggle_time(turn, action)
    elif isinstance(action, AreaPage):
        async with runtime.sessions() as session:
            choices = await service.area_choices(session)
            view = await service.get_subscription(session, turn.user_id, rules)
            school = await service.school_area(session, turn.user_id)
        from_school = school.known and view is not None
        await turn.show(area_screen(tr, choices, action.page, from_school), replace=True)
    elif isinstance(action, ChooseArea | AreaFromSchool):
        return await _choose_area(turn, action)
    elif isinstance(action, StopReminders | StopFromReminder):
        async with runtime.sessions() as session:
            await service.stop(session, turn.user_id, now)
        if isinstance(action, StopFromReminder):
            # The reminder stays as it was; what changed comes below it.
            stopped = stopped_from_reminder(tr, "")
            await turn.show(Screen(stopped.text.strip(), stopped.buttons))
        else:
            notice = tr.gettext("You will get no more reminders. You can follow again any time.")
            await turn.show(with_notice(notice, await _status(turn)), replace=True)
    else:
        return await _calendar_pressed(turn, action)
    return True


async def _toggle_kind(turn: Turn, action: ToggleKind) -> bool:
    if action.kind not in service.KINDS:
        return False
    runtime, rules = turn.runtime, rules_of(turn)
    async with runtime.sessions() as session:
        view = await service.get_subscription(session, turn.user_id, rules)
        if view is None or not view.active:
            # The first tap on a kind follows just that kind.
            view = await service.subscribe(
                session, turn.user_id, rules, runtime.clock(), kinds=[action.kind]
            )
        else:
            followed = set(service.KINDS) if view.all_kinds else set(view.kinds)
            followed ^= {action.kind}
            if not followed:
                await turn.say(turn.tr.gettext("Keep at least one kind, or stop the reminders."))
                return True
            view = await service.set_kinds(session, turn.user_id, followed, rules, runtime.clock())
    await turn.show(kinds_screen(turn.tr, view), replace=True)
    return True


async def _toggle_time(turn: Turn, action: ToggleTime) -> bool:
    offered = {o.code: o for o in service.choosable_offsets()}
    if action.code not in offered:
        return False
    runtime, rules = turn.runtime, rules_of(turn)
    async with runtime.sessions() as session:
        view = await service.get_subscription(session, turn.user_id, rules)
        if view is None or not view.active:
            view = await service.subscribe(session, turn.user_id, rules, runtime.clock())
        chosen = set(view.offsets) ^ {offered[action.code]}
        if not chosen:
            await turn.say(
                turn.tr.gettext("Keep at least one reminder time, or stop the reminders.")
            )
            return True
        view = await service.set_offsets(session, turn.user_id, chosen, rules, runtime.clock())
    await turn.show(times_screen(turn.tr, view, rules), replace=True)
    return True


async def _choose_area(turn: Turn, action: ChooseArea | AreaFromSchool) -> bool:
    choice: AreaChoice | None = None
    if isinstance(action, ChooseArea):
        if action.kind not in ("d", "c"):
            return False
        choice = AreaChoice(action.kind, action.area_id, "")
    runtime = turn.runtime
    try:
        async with runtime.sessions() as session:
            await service.choose_area(
                session, turn.user_id, choice, rules_of(turn), runtime.clock()
            )
    except LookupError:  # an area that is not (or no longer) offered
        return False
    await turn.show(with_notice(turn.tr.gettext("Saved."), await _status(turn)), replace=True)
    return True


async def _calendar_pressed(turn: Turn, action: Action) -> bool:
    tr, runtime = turn.tr, turn.runtime
    if isinstance(action, ShowCalendar):
        await calendar(turn, replace=True)
    elif isinstance(action, CalendarFile):
        await turn.show(await feed_file(runtime, turn.user_id, tr))
    elif isinstance(action, RenewLink | RevokeLink):
        async with runtime.sessions() as session:
            if isinstance(action, RenewLink):
                await calendar_service.renew_token(session, turn.user_id, runtime.clock())
                notice = tr.gettext("A new link is ready; the old one no longer works.")
            else:
                await calendar_service.revoke_token(session, turn.user_id, runtime.clock())
                notice = tr.gettext("The link no longer works.")
        screen = await calendar_screen(tr, runtime, turn.user_id)
        await turn.show(with_notice(notice, screen), replace=True)
    else:
        return False
    return True
