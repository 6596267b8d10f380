"""The points interview and its result in a Teams chat: `handlers/points` for Teams.

The same dialogs (`bot.dialogs.points`) and services (`bot.services.points`, `scoring`):
the session (`InterviewSession.data`) lives in the conversation's state under "points",
and "flow" says whether a question is on screen (then a typed text answers it). A
pressed button's card becomes the next question; a typed answer gets a new card.
Step buttons carry the session's counter, so a card submitted twice, an older card, or
another person's card data answers nothing: "This button is no longer active.".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from bot.dialogs.common import CancelFlow, DiscardFlow, KeepFlow
from bot.dialogs.menu import OpenPoints
from bot.dialogs.points import interview as dialog
from bot.dialogs.points import result as screens
from bot.dialogs.points.actions import (
    Back,
    ChangeAnswer,
    ChangeList,
    DeleteKept,
    Documents,
    DoNotKeep,
    DownloadJson,
    DownloadPdf,
    Finish,
    Keep,
    More,
    ShowResult,
    StepAction,
)
from bot.dialogs.points.export import declaration_problems, summary_pdf
from bot.i18n import N_
from bot.runtime import Runtime
from bot.services import channels
from bot.services.points import store as points_store
from bot.services.points.files import (
    JSON_FILENAME,
    MAX_FILE_BYTES,
    PDF_FILENAME,
    declaration_json,
)
from bot.services.points.session import InterviewSession
from bot.ui import Action, Button, File, Screen
from scoring import DeclarationInvalid, UnknownRuleset
from scoring.answers import answers_from_declaration
from scoring.interview import interview_for
from teams.turn import CHANNEL, Turn, main_menu

log = logging.getLogger(__name__)

SESSION: Final = "points"
FLOW: Final = "flow"
HEADER: Final = "points_header"
DISCARD_QUESTION: Final = N_("Discard your answers in the points interview?")


# --- the session in the conversation's state ----------------------------------------------


def load(turn: Turn) -> InterviewSession | None:
    try:
        session = InterviewSession.load(turn.state.get(SESSION))
    except UnknownRuleset as exc:
        log.warning("points session of an unknown ruleset %r dropped", exc.name)
        session = None
    if session is not None and session.expired(turn.runtime.clock()):
        session = None
    if session is None:
        drop(turn)
    return session


def keep(turn: Turn, session: InterviewSession) -> InterviewSession:
    turn.state[SESSION] = session.data
    return session


def drop(turn: Turn) -> None:
    turn.state.pop(SESSION, None)
    turn.state.pop(HEADER, None)
    if turn.state.get(FLOW) == "points":
        turn.state.pop(FLOW)


def asking(turn: Turn) -> bool:
    return turn.state.get(FLOW) == "points"


def _stale(turn: Turn) -> Screen:
    return Screen(dialog.stale(turn.tr))


# --- asking -------------------------------------------------------------------------------


async def ask(
    turn: Turn, session: InterviewSession, prefix: str = "", *, replace: bool = False
) -> None:
    """The current question (or the result when nothing is left to ask)."""
    keep(turn, session)
    step = session.step()
    if step is None:
        change = session.finish()
        if change is None:
            await show_result(turn, session, prefix, save=True, replace=replace)
            return
        _declaration, outcome = session.result()
        header = screens.new_total_header(turn.tr, change, outcome)
        header = f"{prefix}\n{header}" if prefix else header
        save = session.data["origin"] in ("interview", "kept")
        await show_result(turn, session, header, save=save, replace=replace)
        return
    session.open_list(step)
    turn.state[FLOW] = "points"
    screen = dialog.step_screen(turn.tr, session, step, prefix)
    screen = screen.with_rows([Button("✖ " + turn.tr.gettext("Cancel"), CancelFlow())])
    await turn.show(screen, replace=replace)


async def start(turn: Turn) -> None:
    """/points and the menu entry: a new interview, or the unfinished one where it stopped."""
    session = load(turn)
    if session is not None and session.mode == "asking":
        await ask(turn, session, dialog.continuing(turn.tr))
        return
    await ask(turn, InterviewSession.new(), dialog.intro(turn.tr))


async def my_points(turn: Turn) -> None:
    session = load(turn)
    if session is not None and session.mode == "asking":
        await ask(turn, session, dialog.busy(turn.tr))
        return
    await show_kept(turn)


async def step_pressed(turn: Turn, action: StepAction) -> None:
    tr = turn.tr
    session = load(turn)
    if session is None or session.mode != "asking" or action.counter != session.counter:
        await turn.show(_stale(turn))
        return
    step = session.step()
    if step is None:
        await ask(turn, session)
        return
    if isinstance(action, More):
        await turn.say(dialog.type_the_number(tr))
        return
    if isinstance(action, Back):
        await _back(turn, session, replace=True)
        return
    try:
        line = dialog.act(tr, session, step, action)
    except (LookupError, ValueError):
        await turn.show(_stale(turn))
        return
    await ask(turn, session, line, replace=True)


async def _back(turn: Turn, session: InterviewSession, *, replace: bool) -> None:
    was_change = session.change is not None
    if not session.back():
        await turn.say(dialog.first_question(turn.tr))
        return
    if was_change and session.mode == "result":
        await show_result(turn, session, dialog.nothing_changed(turn.tr), replace=replace)
        return
    await ask(turn, session, replace=replace)


async def text(turn: Turn, typed: str) -> None:
    """A typed answer to the question on screen."""
    tr = turn.tr
    session = load(turn)
    if session is None or session.mode != "asking":
        turn.state.pop(FLOW, None)
        await turn.say(dialog.no_interview(tr))
        return
    step = session.step()
    if step is None:
        await ask(turn, session)
        return
    pressed = dialog.typed_button(tr, session, step, typed)
    if pressed is not None:
        if isinstance(pressed, More):
            await ask(turn, session, dialog.type_the_number(tr))
        elif isinstance(pressed, Back):
            await _back(turn, session, replace=False)
        else:
            await ask(turn, session, dialog.act(tr, session, step, pressed))
        return
    value, issue = dialog.read_typed(session, step, typed)
    if issue is not None:
        await ask(turn, session, dialog.problem_line(tr, issue))
        return
    await ask(turn, session, dialog.record(tr, session, step, value))


async def flow_pressed(turn: Turn, action: Action) -> None:
    """«✖ Cancel» (asks first when answers would be lost), «Keep going», «Discard»."""
    _ = turn.tr.gettext
    session = load(turn)
    if not asking(turn) or session is None or session.mode != "asking":
        await turn.show(_stale(turn))
        return
    if isinstance(action, KeepFlow):
        await ask(turn, session, dialog.continuing(turn.tr, "↩️"), replace=True)
        return
    if isinstance(action, CancelFlow) and session.answers:
        keep_going = Button("↩️ " + _("Keep going"), KeepFlow())
        discard = Button("🗑 " + _("Discard"), DiscardFlow())
        await turn.show(
            Screen.of("⚠️ " + _(DISCARD_QUESTION), [[keep_going, discard]]), replace=True
        )
        return
    drop(turn)
    await turn.show(
        main_menu(turn.tr, _("Cancelled. You are back at the main menu.")), replace=True
    )


async def cancel(turn: Turn) -> bool:
    """/cancel: the interview ends; whether there was one."""
    if not asking(turn):
        return False
    drop(turn)
    return True


# --- the result -----------------------------------------------------------------------------


async def show_result(
    turn: Turn,
    session: InterviewSession,
    header: str = "",
    *,
    save: bool = False,
    replace: bool = False,
) -> None:
    tr = turn.tr
    turn.state.pop(FLOW, None)
    try:
        declaration, result = session.result()
    except DeclarationInvalid as exc:
        log.error("points answers do not make a declaration: %s", exc)
        drop(turn)
        await turn.say(screens.answers_broken(tr))
        return
    async with turn.runtime.sessions() as db:
        if save and await points_store.save_if_agreed(
            db, turn.user_id, declaration, result.ruleset
        ):
            session.data["origin"] = "kept"
        consent = await points_store.consent(db, turn.user_id)
    kept = session.data["origin"] == "kept"
    session.mark_shown(turn.runtime.clock())
    keep(turn, session)
    turn.state[HEADER] = header
    await turn.show(
        screens.result_screen(tr, result, header=header, consent=consent, kept=kept),
        replace=replace,
    )


async def result_pressed(turn: Turn, action: Action) -> None:
    """A button of the result on screen."""
    tr = turn.tr
    session = load(turn)
    if session is None or session.mode != "result":
        await turn.say(
            dialog.stale(tr) + ("\n" + screens.result_gone(tr) if session is None else "")
        )
        return
    try:
        declaration, result = session.result()
    except DeclarationInvalid:
        await turn.show(_stale(turn))
        return
    if isinstance(action, Documents):
        await turn.show(screens.documents_screen(tr, result))
    elif isinstance(action, ChangeList):
        await turn.show(screens.change_screen(tr, session))
    elif isinstance(action, ShowResult):
        await show_result(turn, session, turn.state.get(HEADER, ""), replace=True)
    elif isinstance(action, DownloadJson):
        data = declaration_json(declaration)
        await turn.show(
            Screen("", files=(File(JSON_FILENAME, data, "application/json", json_caption(turn)),))
        )
    elif isinstance(action, DownloadPdf):
        data = await asyncio.to_thread(
            summary_pdf, tr, result, dict(session.answers), made_at=turn.runtime.clock()
        )
        await turn.show(
            Screen(
                "", files=(File(PDF_FILENAME, data, "application/pdf", screens.pdf_caption(tr)),)
            )
        )
    elif isinstance(action, Keep):
        async with turn.runtime.sessions() as db:
            await points_store.agree(db, turn.user_id, declaration, result.ruleset)
        session.data["origin"] = "kept"
        await show_result(turn, session, turn.state.get(HEADER, ""), replace=True)
        await turn.say(screens.kept_notice(tr))
    elif isinstance(action, DoNotKeep | DeleteKept):
        async with turn.runtime.sessions() as db:
            deleted = await points_store.delete_kept(db, turn.user_id)
        if session.data["origin"] == "kept":
            session.data["origin"] = "interview"
        await show_result(turn, session, turn.state.get(HEADER, ""), replace=True)
        await turn.say(screens.not_kept_notice(tr, deleted))
    elif isinstance(action, Finish):
        drop(turn)
        await turn.show(main_menu(tr, screens.choose_below(tr)))


def json_caption(turn: Turn) -> str:
    return screens.json_caption(turn.tr)


# --- a declaration sent as a file ------------------------------------------------------------


async def upload(turn: Turn, name: str, data: bytes | None) -> None:
    """A JSON file (its bytes; None when it could not be downloaded or is too large): score
    it and show the result, or say in words what is wrong (an interview on screen goes on)."""
    tr = turn.tr
    if data is None:
        await turn.say(screens.download_failed(tr))
        return
    if len(data) > MAX_FILE_BYTES:
        await turn.say(screens.file_too_large(tr))
        return
    declaration, problems = declaration_problems(tr, data)
    if declaration is None:
        await turn.say(screens.file_problems(tr, problems))
        return
    current = load(turn)
    set_aside = current is not None and current.mode == "asking"
    # A file sent now is scored under the current circular, as a new interview would be.
    session = InterviewSession.new(mode="result", origin="file")
    session.data["answers"] = answers_from_declaration(declaration, session.interview)
    await show_result(turn, session, screens.file_header(tr, name, set_aside))


async def change_pressed(turn: Turn, action: ChangeAnswer) -> None:
    session = load(turn)
    questions = session.interview.questions if session is not None else ()
    if (
        session is None
        or session.mode != "result"
        or not 0 <= action.question < len(questions)
        or not questions[action.question].applies(session.answers)
    ):
        await turn.show(_stale(turn))
        return
    _declaration, outcome = session.result()
    status = outcome.eligibility.status.value if outcome.eligibility is not None else ""
    session.start_change(questions[action.question].key, str(outcome.total), status)
    await ask(turn, session, replace=True)


# --- /mypoints -----------------------------------------------------------------------------


async def show_kept(turn: Turn) -> None:
    tr = turn.tr
    async with turn.runtime.sessions() as db:
        kept = await points_store.load(db, turn.user_id)
        consent = await points_store.consent(db, turn.user_id)
    start_row = [[Button(screens.calculate_label(tr), OpenPoints())]]
    if kept is None:
        await turn.show(Screen.of(screens.no_kept_text(tr, consent), start_row))
        return
    try:
        ruleset = kept.rules()
    except UnknownRuleset as exc:
        await turn.show(Screen.of(screens.unknown_ruleset_text(tr, exc.name), start_row))
        return
    answers = answers_from_declaration(kept.declaration, interview_for(ruleset))
    session = InterviewSession.new(answers, mode="result", origin="kept", ruleset=ruleset)
    await show_result(turn, session, screens.kept_header(tr, kept.updated_at.date()))


# --- results not kept are not kept for long ------------------------------------------------

PURGE_EVERY: Final = 15 * 60.0  # seconds


async def purge_expired(runtime: Runtime) -> int:
    """Drop the answers of results shown longer ago than RESULT_KEPT_FOR (as the Telegram
    side's job does): the number of conversations changed."""
    now = runtime.clock()
    async with runtime.sessions() as db:
        states = await channels.states_with(db, CHANNEL, SESSION)
        dropped = 0
        for conversation_id, _user, state in states:
            try:
                session = InterviewSession.load(state.get(SESSION))
                expired = session is not None and session.expired(now)
            except UnknownRuleset:
                expired = True
            if expired:
                state.pop(SESSION, None)
                state.pop(HEADER, None)
                if state.get(FLOW) == "points":
                    state.pop(FLOW)
                await channels.replace_state(db, CHANNEL, conversation_id, state, now=now)
                dropped += 1
    if dropped:
        log.info("teams points: %d result(s) expired and dropped", dropped)
    return dropped


def handles(action: Action) -> bool:
    """Whether `action` is one of this module's."""
    from bot.dialogs.points.actions import points

    return type(action).codec is points


async def pressed(turn: Turn, action: Action) -> None:
    if isinstance(action, StepAction):
        await step_pressed(turn, action)
    elif isinstance(action, ChangeAnswer):
        await change_pressed(turn, action)
    else:
        await result_pressed(turn, action)
