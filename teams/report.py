"""The fault report in a Teams chat: `handlers/helpdesk/report.py` for Teams.

The same dialog (`bot.dialogs.helpdesk.report.steps`) and services: the typed draft
lives in the conversation's state (`bot.services.helpdesk.draft`, under its own key), the
step on screen under "report_step", and "flow" is "report" while it is being written. A
typed text answers the step on screen; an image is the report's photo (`teams.photos`);
a button is checked against the step it belongs to, so an older card's button, or data
made up, is "no longer active" and changes nothing. «Send» is `teams.report_send`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Final

from bot.dialogs.helpdesk import text as helpdesk_text
from bot.dialogs.helpdesk.report import steps
from bot.dialogs.helpdesk.report.actions import (
    AttachmentsDone,
    Back,
    BackToSummary,
    ChooseCategory,
    ChooseSchool,
    ChooseUrgency,
    ClearAttachments,
    Edit,
    EditField,
    FollowDuplicate,
    KeepSchool,
    LastLab,
    NewFault,
    OtherSchool,
    Send,
    Skip,
)
from bot.dialogs.helpdesk.report.screens import Env, Result, Step, unreadable_draft
from bot.i18n import N_, Translator
from bot.services.helpdesk import draft as helpdesk_draft
from bot.services.helpdesk import report as helpdesk_report
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk.draft import ReportDraft, Unreadable
from bot.services.helpdesk.ticket_types import TicketError
from bot.ui import Action
from teams import photos, tickets
from teams.turn import Turn

log = logging.getLogger(__name__)

FLOW: Final = "flow"
NAME: Final = "report"
STEP: Final = "report_step"
MAX_SEARCH_BUTTONS: Final = 8
TITLE: Final = N_("the fault report")
LEAVE_QUESTION: Final = N_("Leave the fault report?")
INACTIVE: Final = N_("This button is no longer active.")

Step1 = Callable[[Env, ReportDraft], Result]


def too_large(tr: Translator, size: int | None) -> str:
    megabytes = (size or 0) / (1024 * 1024)
    return tr.gettext(
        "This image is {size} MB; I can pass on files up to 20 MB. Please send a smaller one."
    ).format(size=tr.number(round(megabytes, 1)))


def env_of(turn: Turn) -> Env:
    tr = turn.tr
    now = turn.runtime.clock()
    last = turn.state.get(helpdesk_draft.LAB_KEY)
    return Env(
        tr=tr,
        category=partial(helpdesk_text.category, tr),
        urgency=partial(helpdesk_text.urgency, tr),
        duplicate_card=lambda ticket: helpdesk_text.duplicate_card(tr, ticket, now),
        too_large=partial(too_large, tr),
        description_max=turn.runtime.settings.ticket_description_max,
        last_lab=last if isinstance(last, str) and last else None,
        voice=False,
    )


def asking(turn: Turn) -> bool:
    return turn.state.get(FLOW) == NAME


def step_of(turn: Turn) -> Step | None:
    value = turn.state.get(STEP)
    return Step(value) if asking(turn) and value in {s.value for s in Step} else None


def drop(turn: Turn) -> None:
    """The report ends unsent (cancelled, left for another flow, or sent)."""
    helpdesk_draft.drop(turn.state)
    turn.state.pop(STEP, None)
    if asking(turn):
        turn.state.pop(FLOW)


async def load_draft(turn: Turn) -> ReportDraft | None:
    """The draft (a fresh one if there is none); None, said, when it cannot be read."""
    try:
        draft = helpdesk_draft.load(turn.state)
    except Unreadable as error:
        log.warning("teams: dropping a fault-report draft that cannot be read: %s", error)
        drop(turn)
        await turn.say(unreadable_draft(turn.tr))
        return None
    return draft if draft is not None else ReportDraft()


def store(turn: Turn, draft: ReportDraft, lab: str | None = None) -> None:
    helpdesk_draft.store(turn.state, draft)
    if lab:
        turn.state[helpdesk_draft.LAB_KEY] = lab


async def apply(turn: Turn, env: Env, result: Result, *, replace: bool = False) -> None:
    """Store the step's draft and step, show its screen (a pressed card becomes it)."""
    if isinstance(result, steps.FindDuplicate):
        async with turn.runtime.sessions() as session:
            duplicate = await helpdesk_report.find_duplicate(
                session,
                result.draft,
                turn.runtime.clock(),
                turn.runtime.settings.ticket_duplicate_days,
            )
        result = steps.after_equipment(env, result.draft, duplicate)
    store(turn, result.draft, result.lab)
    turn.state[FLOW] = NAME
    turn.state[STEP] = result.step.value
    if result.screen is not None:
        await turn.show(result.screen, replace=replace)


async def run(turn: Turn, fn: Step1, *, replace: bool = False) -> None:
    draft = await load_draft(turn)
    if draft is None:
        return
    env = env_of(turn)
    await apply(turn, env, fn(env, draft), replace=replace)


# --- entry --------------------------------------------------------------------------------


async def _remembered(turn: Turn) -> schools_service.SchoolInfo | None:
    async with turn.runtime.sessions() as session:
        return await schools_service.remembered_school(session, turn.user_id)


async def start(turn: Turn, *, replace: bool = False) -> None:
    """/report and the menu entry: a new report (one being written is started afresh, as
    on Telegram)."""
    drop(turn)
    school = await _remembered(turn)
    env = env_of(turn)
    await apply(turn, env, steps.start(env, school), replace=replace)


async def resume(turn: Turn, *, replace: bool = False) -> None:
    """«Keep going»: the step on screen again."""
    step = step_of(turn)
    await run(
        turn,
        lambda env, draft: steps.resume(env, draft, step) or steps.ask_school(env, draft),
        replace=replace,
    )


# --- typed text and images ----------------------------------------------------------------


async def text(turn: Turn, typed: str) -> None:
    """A typed text while the report is on screen: the answer to its step."""
    step = step_of(turn)
    if step in (Step.SCHOOL, Step.SCHOOL_CONFIRM):
        async with turn.runtime.sessions() as session:
            found = await schools_service.search_schools(session, typed, limit=MAX_SEARCH_BUTTONS)
        await run(turn, lambda env, draft: steps.school_found(env, draft, typed, found))
        return
    answers: dict[Step | None, Callable[[Env, ReportDraft, str], Result]] = {
        Step.LAB: steps.lab_text,
        Step.EQUIPMENT: steps.equipment_text,
        Step.DESCRIPTION: steps.description_text,
        Step.ATTACHMENTS: steps.attachments_text,
    }
    answer = answers.get(step)
    if answer is not None:
        await run(turn, lambda env, draft: answer(env, draft, typed))
    elif step is not None:
        await run(turn, lambda env, draft: steps.wrong_kind(env, draft, step))


async def media(
    turn: Turn, found: list[photos.Image], fetched: list[photos.Fetched], album: str
) -> None:
    """Images sent (all of one message): kept in the draft, each as Telegram keeps a
    photo. Outside a report, the first one starts a report that keeps it."""
    for number, (image, got) in enumerate(zip(found, fetched, strict=True)):
        env = env_of(turn)
        if got.data is None:
            if got.too_large is not None:
                await turn.say(too_large(turn.tr, got.too_large))
            else:
                await turn.say(
                    turn.tr.gettext("I could not get that image. Please send it again.")
                )
            continue
        draft = (await load_draft(turn)) if asking(turn) else ReportDraft()
        if draft is None:
            return
        if draft.file_problem(photos.pending(image, len(got.data))) is None:
            attachment = await photos.keep(turn, image, got.data)
        else:
            attachment = photos.pending(image, len(got.data))  # refused, said by the step
        # One message's images are one album: the later ones are kept silently.
        item = steps.Media(attachment, "", album if len(found) > 1 else None, False)
        step = step_of(turn)
        if step is None and number == 0:
            school = await _remembered(turn)
            await apply(turn, env, steps.start_with_media(env, school, item))
        elif step is Step.DESCRIPTION:
            await apply(turn, env, steps.description_media(env, draft, item))
        elif step is Step.ATTACHMENTS:
            await apply(turn, env, steps.attachment_received(env, draft, item))
        elif step is not None:
            await apply(turn, env, steps.media_elsewhere(env, draft, item, step))


def _not_fetched(turn: Turn) -> str:
    return turn.tr.gettext("I could not get that image. Please send it again.")


# --- buttons ------------------------------------------------------------------------------

# The steps at which each button means something (elsewhere it is an older card's).
AT: Final[dict[type[Action], tuple[Step, ...]]] = {
    KeepSchool: (Step.SCHOOL_CONFIRM,),
    OtherSchool: (Step.SCHOOL_CONFIRM,),
    ChooseSchool: (Step.SCHOOL,),
    LastLab: (Step.LAB,),
    ChooseCategory: (Step.CATEGORY,),
    Skip: (Step.EQUIPMENT, Step.DESCRIPTION),
    FollowDuplicate: (Step.DUPLICATE,),
    NewFault: (Step.DUPLICATE,),
    AttachmentsDone: (Step.ATTACHMENTS,),
    ClearAttachments: (Step.ATTACHMENTS,),
    ChooseUrgency: (Step.URGENCY,),
    EditField: (Step.EDIT,),
    BackToSummary: (Step.EDIT,),
}


def _simple(step: Step, action: Action) -> Callable[[Env, ReportDraft], Result] | None:
    """The dialog's step for a button that needs nothing but the draft and itself."""
    table: dict[type[Action], Callable[[Env, ReportDraft], Result]] = {
        KeepSchool: steps.keep_school,
        OtherSchool: steps.ask_school,
        LastLab: steps.lab_last,
        NewFault: steps.duplicate_declined,
        AttachmentsDone: steps.attachments_done,
        ClearAttachments: steps.attachments_clear,
        BackToSummary: steps.show_summary,
        Skip: steps.equipment_skip if step is Step.EQUIPMENT else steps.description_skip,
    }
    if isinstance(action, ChooseCategory):
        return lambda env, draft: steps.choose_category(env, draft, action)
    if isinstance(action, ChooseUrgency):
        return lambda env, draft: steps.choose_urgency(env, draft, action)
    if isinstance(action, EditField):
        return lambda env, draft: steps.choose_field(env, draft, action)
    return table.get(type(action))


async def inactive(turn: Turn) -> None:
    await turn.say(turn.tr.gettext(INACTIVE))


async def pressed(turn: Turn, action: Action) -> None:
    """A button of the report's codec (Send and Change something: `teams.report_send`)."""
    from teams import report_send  # the summary's buttons, which also work after the flow

    if isinstance(action, Send | Edit):
        await report_send.pressed(turn, action)
        return
    step = step_of(turn)
    if step is None:
        await inactive(turn)
        return
    if isinstance(action, Back):
        await _back(turn)
        return
    if step not in AT.get(type(action), ()):
        await inactive(turn)
        return
    if isinstance(action, ChooseSchool):
        await _school_chosen(turn, action)
    elif isinstance(action, FollowDuplicate):
        await _follow(turn, action)
    else:
        fn = _simple(step, action)
        if fn is None:
            await inactive(turn)
            return
        await run(turn, fn, replace=True)


async def _back(turn: Turn) -> None:
    draft = await load_draft(turn)
    if draft is None:
        return
    env = env_of(turn)
    result = steps.back(env, draft)
    if result is None:
        await turn.say(turn.tr.gettext("This is the first question."))
        return
    await apply(turn, env, result, replace=True)


async def _school_chosen(turn: Turn, action: ChooseSchool) -> None:
    async with turn.runtime.sessions() as session:  # also the area of the reminders
        school = await helpdesk_report.choose_school(
            session, turn.user_id, action.school_id, turn.runtime.clock()
        )
    await run(turn, lambda env, draft: steps.school_chosen(env, draft, school), replace=True)


async def _follow(turn: Turn, action: FollowDuplicate) -> None:
    """«Follow this ticket»: only an open ticket of this report's school, on every press."""
    draft = await load_draft(turn)
    if draft is None:
        return
    try:
        async with turn.runtime.sessions() as session:
            ticket = await helpdesk_report.duplicate_to_follow(
                session, action.ticket_id, turn.user_id, draft
            )
    except TicketError as error:
        await turn.say(tickets.refusal(turn, error))
        return
    env = env_of(turn)
    await apply(turn, env, steps.duplicate_followed(env, draft, ticket), replace=True)
