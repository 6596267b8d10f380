"""Reminders in chat: follow the deadlines, choose kinds and times, stop; and the sender.

Screens are one message that changes as buttons are pressed ("rem:..."):
`/reminders` or the menu's "Reminders" shows what the person follows and the
next dates; "Follow all deadlines" subscribes in one tap. Every reminder carries
a one-tap "Stop these reminders" button.

Delivery: a JobQueue job (`deliver_due`) runs the `ReminderDispatcher` every
REMINDER_POLL_SECONDS; `TelegramSender` words each reminder in its reader's
language and maps Telegram's errors to the dispatcher's outcomes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final, cast
from zoneinfo import ZoneInfo

from babel.lists import format_list
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.i18n import N_, Translator, get_translator, pick_locale
from bot.models import Deadline
from bot.ratelimit import retry_after_seconds
from bot.services import reminders as service
from bot.services.reminders import AreaChoice, ReminderRules, SubscriptionView
from bot.services.reminders.deadlines import days_until, notes_of, title_of
from bot.services.reminders.delivery import (
    DispatchReport,
    DueReminder,
    PermanentFailure,
    RecipientGone,
    ReminderDispatcher,
    RetryLater,
    TemporaryFailure,
)
from bot.services.reminders.schedule import Offset
from handlers.callback_ids import parse_id
from handlers.common import PRIVATE, answer_query, edit_text, menu_button, show_screen
from handlers.context import CommandSpec, Context, KepliApp, Runtime

log = logging.getLogger(__name__)

JOB_NAME: Final = "reminders"
REPLAN_EVERY: Final = timedelta(hours=1)
AREA_PAGE: Final = 8  # area buttons per screen

KIND_LABELS: Final = {
    "interest": N_("Expression of interest"),
    "meeting": N_("Teachers' association meeting"),
    "proposal": N_("Proposal to the directorate (ΔΔΕ)"),
    "other": N_("Other date"),
}
KIND_ICONS: Final = {"interest": "✋", "meeting": "👥", "proposal": "📨", "other": "📌"}


# --- wording ----------------------------------------------------------------------


def rules_of(runtime: Runtime) -> ReminderRules:
    return ReminderRules.from_settings(runtime.settings)


def kind_label(tr: Translator, kind: str) -> str:
    return f"{KIND_ICONS.get(kind, '')} {tr.gettext(KIND_LABELS.get(kind, KIND_LABELS['other']))}"


def offset_label(tr: Translator, offset: Offset) -> str:
    """`7 days before`, `the morning of the day`, `2 hours before`."""
    if offset.is_morning:
        return tr.gettext("on the morning of the day")
    if offset.days:
        return tr.ngettext("{n} day before", "{n} days before", offset.days).format(n=offset.days)
    return tr.ngettext("{n} hour before", "{n} hours before", offset.hours).format(n=offset.hours)


def long_when(tr: Translator, when: datetime, tz: ZoneInfo) -> str:
    """`Wednesday 15 September 2027, 14:00` in the reader's language and local time."""
    return tr.datetime(when, "EEEE d MMMM y, HH:mm", tzinfo=tz)


def short_when(tr: Translator, when: datetime, tz: ZoneInfo) -> str:
    """`Wed 15 Sep, 14:00`."""
    return tr.datetime(when, "EEE d MMM, HH:mm", tzinfo=tz)


def relative_when(tr: Translator, deadline: datetime, now: datetime, tz: ZoneInfo) -> str:
    """`Today at 14:00`, `Tomorrow at 14:00` or `In 7 days: Wednesday 15 September 2027, 14:00`."""
    days = (deadline.astimezone(tz).date() - now.astimezone(tz).date()).days
    at = tr.datetime(deadline, "HH:mm", tzinfo=tz)
    if days <= 0:
        return tr.gettext("Today at {time}").format(time=at)
    if days == 1:
        return tr.gettext("Tomorrow at {time}").format(time=at)
    return tr.ngettext("In {n} day: {when}", "In {n} days: {when}", days).format(
        n=days, when=long_when(tr, deadline, tz)
    )


def reminder_text(tr: Translator, reminder: DueReminder, tz: ZoneInfo) -> str:
    d = reminder.deadline
    title = title_of(d, tr.locale)
    if reminder.is_move_notice:
        lines = [
            "📅 " + tr.gettext("New date: {title}").format(title=title),
            tr.gettext("Now: {when}").format(when=long_when(tr, d.due_at, tz)),
        ]
        if d.previous_due_at is not None:
            lines.append(
                tr.gettext("Before: {when}").format(when=long_when(tr, d.previous_due_at, tz))
            )
    else:
        lines = [
            "⏰ " + tr.gettext("Reminder: {title}").format(title=title),
            relative_when(tr, d.due_at, reminder.now, tz),
        ]
    lines += ["", kind_label(tr, d.kind)]
    notes = notes_of(d, tr.locale)
    if notes:
        lines.append(notes)
    if d.link:
        lines.append(d.link)
    return "\n".join(lines)


def reminder_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "🔕 " + tr.gettext("Stop these reminders"), callback_data="rem:off"
                )
            ]
        ]
    )


# --- sending (used by the dispatcher) -----------------------------------------------


class TelegramSender:
    """Sends one reminder with the bot; Telegram's errors become dispatcher outcomes."""

    def __init__(self, app: KepliApp) -> None:
        self.app = app

    async def __call__(self, reminder: DueReminder) -> int | None:
        runtime = self.app.bot_data.runtime
        settings = runtime.settings
        tr = get_translator(pick_locale(reminder.locale, None, settings.default_locale))
        try:
            # The bot's rate limiter retries a 429 itself a few times; a RetryAfter that
            # still comes through means a lasting flood: the dispatcher pauses everything.
            message = await self.app.bot.send_message(
                reminder.user_id,
                reminder_text(tr, reminder, settings.tz),
                reply_markup=reminder_markup(tr),
            )
        except Forbidden as exc:
            raise RecipientGone(exc.message) from exc
        except RetryAfter as exc:
            raise RetryLater(retry_after_seconds(exc), exc.message) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower() or "deactivated" in exc.message.lower():
                raise RecipientGone(exc.message) from exc
            raise PermanentFailure(exc.message) from exc
        except NetworkError as exc:  # timeouts, connection errors and 5xx answers
            raise TemporaryFailure(f"{type(exc).__name__}: {exc.message}") from exc
        except TelegramError as exc:
            raise PermanentFailure(f"{type(exc).__name__}: {exc.message}") from exc
        return int(message.message_id)


def dispatcher_for(app: KepliApp) -> ReminderDispatcher:
    runtime = app.bot_data.runtime
    if runtime.reminders is None:
        settings = runtime.settings
        runtime.reminders = ReminderDispatcher(
            runtime.sessions,
            TelegramSender(app),
            now=runtime.clock,
            rate=settings.broadcast_rate,
            concurrency=settings.broadcast_concurrency,
        )
    return runtime.reminders


async def deliver_due(context: Context) -> None:
    """The JobQueue job: send what is due, then schedule the next look.

    A chain of one-off jobs rather than a repeating one: a long broadcast simply
    delays the next look instead of overlapping with it.
    """
    app = cast(KepliApp, context.application)
    try:
        await deliver_now(app)
    finally:
        if app.running and app.job_queue is not None:
            app.job_queue.run_once(
                deliver_due,
                when=app.bot_data.runtime.settings.reminder_poll_seconds,
                name=JOB_NAME,
            )


async def deliver_now(app: KepliApp) -> DispatchReport:
    """Send every reminder due now (also what tests call instead of waiting for the job)."""
    dispatcher = dispatcher_for(app)
    await replan_if_stale(app.bot_data.runtime, dispatcher)
    return await dispatcher.run(should_continue=lambda: app.running)


async def replan_if_stale(runtime: Runtime, dispatcher: ReminderDispatcher) -> None:
    """Re-plan everything at start and then hourly.

    Each change made in chat re-plans at once; this catches what changes
    elsewhere: the school of a teacher's fault reports, the centres' directorates,
    the quiet hours or default times after a restart.
    """
    now = runtime.clock()
    if dispatcher.replanned_at is not None and now - dispatcher.replanned_at < REPLAN_EVERY:
        return
    async with runtime.sessions() as session:
        changes = await service.replan_all(session, rules_of(runtime), now)
        await session.commit()
    dispatcher.replanned_at = now
    log.info("reminders: plan checked (%s)", changes)


# --- screens ------------------------------------------------------------------------


def _kinds_text(tr: Translator, view: SubscriptionView) -> str:
    if view.all_kinds:
        return tr.gettext("all the deadlines that concern you")
    return ", ".join(tr.gettext(KIND_LABELS[k]) for k in service.KINDS if k in view.kinds)


async def status_screen(context: Context, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    tr = context.tr
    _ = tr.gettext
    runtime = context.runtime
    rules = rules_of(runtime)
    now = runtime.clock()
    async with runtime.sessions() as session:
        view = await service.get_subscription(session, user_id, rules)
        if view is None or not view.active:
            text = "\n".join(
                [
                    "⏰ " + _("Reminders"),
                    "",
                    _(
                        "I can remind you of the dates of the lab manager selection: the "
                        "expression of interest, the teachers' association meeting and the "
                        "proposal to the directorate."
                    ),
                    default_times_text(tr, rules),
                ]
            )
            return text, InlineKeyboardMarkup(
                [
                    [_button("🔔 " + _("Follow all deadlines"), "rem:follow")],
                    [_button(_("Choose which kinds"), "rem:kinds")],
                    [menu_button(tr)],
                ]
            )
        followed = await service.followed_deadlines(session, user_id, rules, since=now, limit=5)
        label = await service.area_label(session, view.area)
        has_choices = bool(await service.area_choices(session))
    lines = [
        "⏰ " + _("Your reminders"),
        "",
        _("You follow: {what}").format(what=_kinds_text(tr, view)),
        _("Reminder times: {times}").format(
            times=", ".join(offset_label(tr, o) for o in view.offsets)
        ),
    ]
    if label and view.area.source == "school":
        lines.append(
            _("Area: {area} (from the school you set for fault reports)").format(area=label)
        )
    elif label and view.area.source == "chosen":
        lines.append(_("Area: {area}").format(area=label))
    elif has_choices:
        lines.append(_("Area: not set, so only the dates for everyone reach you."))
    lines.append("")
    if followed:
        lines.append(_("Next dates:"))
        for item in followed:
            d = item.deadline
            lines.append(
                f"• {short_when(tr, d.due_at, runtime.settings.tz)} — {title_of(d, tr.locale)}"
            )
    else:
        lines.append(_("No upcoming dates yet. I will tell you as soon as there are."))
    rows = [
        [_button("🏷 " + _("Kinds"), "rem:kinds"), _button("🕗 " + _("Times"), "rem:times")],
    ]
    if has_choices:
        rows.append([_button("📍 " + _("Area"), "rem:area")])
    rows += [
        [_button("📅 " + _("Calendar"), "cal:show")],
        [_button("🔕 " + _("Stop reminders"), "rem:stop")],
        [menu_button(tr)],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def default_times_text(tr: Translator, rules: ReminderRules) -> str:
    """When a new follower is reminded, from the settings (REMINDER_OFFSETS, REMINDER_MORNING,
    QUIET_HOURS): "By default 7 days before, 1 day before and on the morning of the day
    (08:00). No reminders in the quiet hours (21:00–08:00)."."""
    times = format_list(
        [
            tr.gettext("on the morning of the day ({time})").format(
                time=tr.time(rules.schedule.morning, "HH:mm")
            )
            if offset.is_morning
            else offset_label(tr, offset)
            for offset in rules.default_offsets
        ],
        locale=tr.locale,
    )
    text = tr.gettext("By default I remind you {times}.").format(times=times)
    quiet = rules.schedule.quiet
    if quiet is not None:
        text += " " + tr.gettext("No reminders in the quiet hours ({quiet}).").format(
            quiet=str(quiet).replace("-", "–")
        )
    return text


def _quiet(runtime: Runtime) -> str:
    quiet = rules_of(runtime).schedule.quiet
    return str(quiet).replace("-", "–") if quiet else "—"


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def kinds_markup(tr: Translator, view: SubscriptionView | None) -> InlineKeyboardMarkup:
    if view is None:  # not following yet: a tap on a kind follows just that kind
        followed: set[str] = set()
    else:
        followed = set(service.KINDS) if view.all_kinds else set(view.kinds)
    rows = [
        [_button(("✅ " if kind in followed else "▫️ ") + kind_label(tr, kind), f"rem:k:{kind}")]
        for kind in service.KINDS
    ]
    rows.append([_button("« " + tr.gettext("Done"), "rem:show")])
    return InlineKeyboardMarkup(rows)


def times_markup(tr: Translator, view: SubscriptionView) -> InlineKeyboardMarkup:
    chosen = {o.code for o in view.offsets}
    rows = [
        [_button(("✅ " if o.code in chosen else "▫️ ") + offset_label(tr, o), f"rem:t:{o.code}")]
        for o in service.choosable_offsets()
    ]
    rows.append([_button("« " + tr.gettext("Done"), "rem:show")])
    return InlineKeyboardMarkup(rows)


def area_markup(
    tr: Translator, choices: Sequence[AreaChoice], page: int, from_school: bool
) -> InlineKeyboardMarkup:
    start = page * AREA_PAGE
    rows = [
        [_button(choice.label, f"rem:a:{choice.kind}{choice.id}")]
        for choice in choices[start : start + AREA_PAGE]
    ]
    nav = []
    if page > 0:
        nav.append(_button("‹ " + tr.gettext("Previous"), f"rem:area:{page - 1}"))
    if start + AREA_PAGE < len(choices):
        nav.append(_button(tr.gettext("Next") + " ›", f"rem:area:{page + 1}"))
    if nav:
        rows.append(nav)
    if from_school:
        rows.append([_button("🏫 " + tr.gettext("From my school"), "rem:a:school")])
    rows.append([_button("« " + tr.gettext("Skip"), "rem:show")])
    return InlineKeyboardMarkup(rows)


def area_question(tr: Translator) -> str:
    return tr.gettext(
        "Where do you work? Choose your directorate, so that the dates your support "
        "centre announces reach you too."
    )


# --- handlers -----------------------------------------------------------------------


async def show(update: Update, context: Context) -> None:
    """/reminders, the menu entry and "Done"."""
    user = update.effective_user
    assert user is not None
    text, markup = await status_screen(context, user.id)
    await show_screen(update, context, text, markup)


async def follow(update: Update, context: Context) -> None:
    """One tap: follow every deadline that concerns you; then ask the area if unknown."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    runtime = context.runtime
    async with runtime.sessions() as session:
        view = await service.subscribe(session, user.id, rules_of(runtime), runtime.clock())
        choices = await service.area_choices(session)
    await answer_query(query, context.tr.gettext("Done: you follow the deadlines."))
    text, markup = await status_screen(context, user.id)
    if not view.area.known and choices:
        text += "\n\n" + area_question(context.tr)
        markup = area_markup(context.tr, choices, 0, from_school=False)
    await edit_text(context, query, text, reply_markup=markup)


async def kinds(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    async with context.runtime.sessions() as session:
        view = await service.get_subscription(session, user.id, rules_of(context.runtime))
    await answer_query(query)
    text = context.tr.gettext("Which deadlines should I remind you of? Tap to change.")
    active = view if view is not None and view.active else None
    await edit_text(context, query, text, reply_markup=kinds_markup(context.tr, active))


async def toggle_kind(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert query.data is not None
    assert user is not None
    kind = query.data.removeprefix("rem:k:")
    if kind not in service.KINDS:
        await answer_query(query, context.tr.gettext("This button is no longer active."))
        return
    runtime = context.runtime
    rules = rules_of(runtime)
    async with runtime.sessions() as session:
        view = await service.get_subscription(session, user.id, rules)
        if view is None or not view.active:
            # The first tap on a kind follows just that kind.
            view = await service.subscribe(session, user.id, rules, runtime.clock(), kinds=[kind])
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
            view = await service.set_kinds(session, user.id, followed, rules, runtime.clock())
    await answer_query(query)
    await edit_text(
        context,
        query,
        context.tr.gettext("Which deadlines should I remind you of? Tap to change."),
        reply_markup=kinds_markup(context.tr, view),
    )


async def times(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    runtime = context.runtime
    async with runtime.sessions() as session:
        view = await service.get_subscription(session, user.id, rules_of(runtime))
        if view is None or not view.active:
            view = await service.subscribe(session, user.id, rules_of(runtime), runtime.clock())
    await answer_query(query)
    await edit_text(
        context, query, _times_text(context), reply_markup=times_markup(context.tr, view)
    )


def _times_text(context: Context) -> str:
    _ = context.tr.gettext
    text = _("When should I remind you? Tap to change.")
    if rules_of(context.runtime).schedule.quiet is None:  # QUIET_HOURS=off
        return text
    return (
        text
        + "\n"
        + _("At night ({quiet}) I wait until the morning, unless that would be too late.").format(
            quiet=_quiet(context.runtime)
        )
    )


async def toggle_time(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert query.data is not None
    assert user is not None
    code = query.data.removeprefix("rem:t:")
    offered = {o.code: o for o in service.choosable_offsets()}
    if code not in offered:
        await answer_query(query, context.tr.gettext("This button is no longer active."))
        return
    runtime = context.runtime
    rules = rules_of(runtime)
    async with runtime.sessions() as session:
        view = await service.get_subscription(session, user.id, rules)
        if view is None or not view.active:
            view = await service.subscribe(session, user.id, rules, runtime.clock())
        chosen = set(view.offsets) ^ {offered[code]}
        if not chosen:
            await answer_query(
                query,
                context.tr.gettext("Keep at least one reminder time, or stop the reminders."),
                alert=True,
            )
            return
        view = await service.set_offsets(session, user.id, chosen, rules, runtime.clock())
    await answer_query(query)
    await edit_text(
        context, query, _times_text(context), reply_markup=times_markup(context.tr, view)
    )


async def area(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert query.data is not None
    assert user is not None
    page_text = query.data.removeprefix("rem:area").lstrip(":")
    page = parse_id(page_text, minimum=0) or 0
    async with context.runtime.sessions() as session:
        choices = await service.area_choices(session)
        view = await service.get_subscription(session, user.id, rules_of(context.runtime))
        school = await service.school_area(session, user.id)
    await answer_query(query)
    await edit_text(
        context,
        query,
        area_question(context.tr),
        reply_markup=area_markup(
            context.tr, choices, page, from_school=school.known and view is not None
        ),
    )


async def choose_area(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert query.data is not None
    assert user is not None
    value = query.data.removeprefix("rem:a:")
    choice: AreaChoice | None = None
    if value != "school":
        number = parse_id(value[1:], minimum=0)
        if value[:1] not in ("d", "c") or number is None:
            await answer_query(query, context.tr.gettext("This button is no longer active."))
            return
        choice = AreaChoice(value[0], number, "")
    runtime = context.runtime
    try:
        async with runtime.sessions() as session:
            await service.choose_area(session, user.id, choice, rules_of(runtime), runtime.clock())
    except LookupError:
        await answer_query(query, context.tr.gettext("This button is no longer active."))
        return
    await answer_query(query, context.tr.gettext("Saved."))
    text, markup = await status_screen(context, user.id)
    await edit_text(context, query, text, reply_markup=markup)


async def stop(update: Update, context: Context) -> None:
    """ "Stop reminders" on the reminders screen."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    async with context.runtime.sessions() as session:
        await service.stop(session, user.id, context.runtime.clock())
    await answer_query(query, context.tr.gettext("Reminders stopped."))
    text, markup = await status_screen(context, user.id)
    stopped = context.tr.gettext("You will get no more reminders. You can follow again any time.")
    await edit_text(context, query, stopped + "\n\n" + text, reply_markup=markup)


async def stop_from_reminder(update: Update, context: Context) -> None:
    """The one-tap button under every reminder: stop, and offer to follow again."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    async with context.runtime.sessions() as session:
        await service.stop(session, user.id, context.runtime.clock())
    tr = context.tr
    await answer_query(query, tr.gettext("Reminders stopped."))
    message = query.message
    text = message.text or "" if isinstance(message, Message) else ""
    await edit_text(
        context,
        query,
        f"{text}\n\n🔕 " + tr.gettext("You will get no more reminders."),
        reply_markup=InlineKeyboardMarkup(
            [[_button("🔔 " + tr.gettext("Follow again"), "rem:follow")]]
        ),
    )


# --- registration -------------------------------------------------------------------


def register(app: KepliApp) -> None:
    data = app.bot_data
    data.commands.add(CommandSpec("reminders", N_("Reminders of the nomination dates"), order=40))
    app.add_handler(CommandHandler("reminders", show, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(show, pattern=r"^(menu:reminders|rem:show)$"))
    app.add_handler(CallbackQueryHandler(follow, pattern=r"^rem:follow$"))
    app.add_handler(CallbackQueryHandler(kinds, pattern=r"^rem:kinds$"))
    app.add_handler(CallbackQueryHandler(toggle_kind, pattern=r"^rem:k:"))
    app.add_handler(CallbackQueryHandler(times, pattern=r"^rem:times$"))
    app.add_handler(CallbackQueryHandler(toggle_time, pattern=r"^rem:t:"))
    app.add_handler(CallbackQueryHandler(area, pattern=r"^rem:area(:\d+)?$"))
    app.add_handler(CallbackQueryHandler(choose_area, pattern=r"^rem:a:"))
    app.add_handler(CallbackQueryHandler(stop, pattern=r"^rem:stop$"))
    app.add_handler(CallbackQueryHandler(stop_from_reminder, pattern=r"^rem:off$"))

    async def start_delivery(runtime: Runtime) -> None:
        # Settings (quiet hours, ...) or schools may have changed while the bot was off.
        await replan_if_stale(runtime, dispatcher_for(app))
        if app.job_queue is not None:
            poll = timedelta(seconds=runtime.settings.reminder_poll_seconds)
            app.job_queue.run_once(deliver_due, when=poll, name=JOB_NAME)
        else:  # pragma: no cover - the job-queue extra is a dependency
            log.error("reminders: no JobQueue, reminders will not be sent")

    async def stop_delivery(runtime: Runtime) -> None:
        if runtime.reminders is not None:
            runtime.reminders.stop()

    data.on_startup(start_delivery)
    data.on_shutdown(stop_delivery)


def deadline_line(tr: Translator, deadline: Deadline, now: datetime, tz: ZoneInfo) -> str:
    """`• Wed 15 Sep, 14:00 — title (in 5 days)` for lists."""
    days = days_until(deadline, now, tz)
    when = short_when(tr, deadline.due_at, tz)
    left = (
        tr.gettext("today")
        if days <= 0
        else tr.ngettext("in {n} day", "in {n} days", days).format(n=days)
    )
    return f"• {when} — {title_of(deadline, tr.locale)} ({left})"
