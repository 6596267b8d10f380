"""The points feature on Telegram: the interview flow, the result's buttons, /mypoints.

- `interview`: /points or the menu's "Points calculation", one question a time
  (a persistent flow, `points`, with one state, `asking`);
- `result`: the summary, documents, change an answer, downloads, keeping,
  /mypoints and a JSON declaration sent as a document.

The flow ends when the result shows, so a result on screen does not hold the
teacher's next text. Screens and texts are `bot.dialogs.points`'s; the domain is
`bot.services.points` and `scoring`. Buttons are the typed actions of one codec
(`bot.dialogs.points.actions.points`).
"""

from __future__ import annotations

import logging
from typing import Final

from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as f

from bot.dialogs.points.actions import (
    STEP_ACTIONS,
    ChangeAnswer,
    ChangeList,
    DeleteKept,
    Documents,
    DoNotKeep,
    DownloadJson,
    DownloadPdf,
    Finish,
    Keep,
    ShowResult,
    points,
)
from bot.i18n import N_
from bot.runtime import Runtime
from handlers.common import PRIVATE
from handlers.context import CommandSpec, Context, KepliApp
from handlers.flows import OutsideFlows, flow
from handlers.points import interview, result

log = logging.getLogger(__name__)

ASKING: Final = result.ASKING
PURGE_JOB: Final = "points-purge"
JSON_DOCUMENT: Final = f.Document.FileExtension("json") | f.Document.MimeType("application/json")

COMMANDS: Final = (
    CommandSpec("points", N_("Calculate your points for the school lab manager post"), order=10),
    CommandSpec("mypoints", N_("Your kept points declaration"), order=11),
)


def build_flow(app: KepliApp) -> ConversationHandler[Context]:
    """The interview: one state, a question on screen. It ends when the result shows.

    Entry points besides /points and the menu: /mypoints and a JSON file (they
    show a result, which ends the flow at once), a number of "Change an answer"
    and a button of the question on screen (after the flow was left, e.g. by
    another feature's menu, the question's own buttons take the teacher back).
    A JSON file is a declaration only outside other flows: in the middle of a
    fault report it is an attachment of the report.
    """
    start = [
        CommandHandler("points", interview.start_interview, filters=PRIVATE),
        CallbackQueryHandler(interview.start_interview, pattern=r"^menu:points$"),
    ]
    mypoints = CommandHandler("mypoints", interview.my_points, filters=PRIVATE)
    document = MessageHandler(PRIVATE & JSON_DOCUMENT, result.upload)
    # Entry points are tried only outside this flow; inside it the fallback takes the file.
    outside_document = MessageHandler(PRIVATE & JSON_DOCUMENT & OutsideFlows(app), result.upload)
    button = CallbackQueryHandler(interview.on_button, pattern=points.verb_pattern(*STEP_ACTIONS))
    return flow(
        "points",
        entry_points=[
            *start,
            mypoints,
            outside_document,
            CallbackQueryHandler(interview.change_pick, pattern=points.verb_pattern(ChangeAnswer)),
            button,
        ],
        states={
            ASKING: [
                button,
                MessageHandler(PRIVATE & f.TEXT & ~f.COMMAND, interview.on_text),
                # A declaration file is for the fallback below (it replaces the interview);
                # another photo or file would start a fault report, which asks first
                # whether to leave the interview (handlers.flows).
            ]
        },
        fallbacks=[
            *start,
            mypoints,
            document,
            CallbackQueryHandler(interview.main_menu, pattern=r"^menu:main$"),
            # The result's buttons (and forged ones) while a question is on screen.
            CallbackQueryHandler(interview.stale, pattern=points.pattern),
        ],
        title=N_("the points calculation"),
        leave_question=N_("Leave the points interview?"),
        discard_question=N_("Discard your answers in the points interview?"),
        resume=interview.resume,
        on_leave=interview.leave,
        unsaved=interview.unsaved,
    )


def register(app: KepliApp) -> None:
    """The points flow, /points and /mypoints. Register before the fault report: a JSON
    file sent outside any flow is a declaration to score, not the start of a report (inside
    the report it is the report's attachment: the points flow leaves it alone)."""
    data = app.bot_data
    for command in COMMANDS:
        data.commands.add(command)
    app.add_handler(build_flow(app))
    # The result's buttons, outside the flow: a result on screen is no conversation.
    app.add_handlers(
        [
            CallbackQueryHandler(result.documents, pattern=points.verb_pattern(Documents)),
            CallbackQueryHandler(result.show_change_list, pattern=points.verb_pattern(ChangeList)),
            CallbackQueryHandler(result.back_to_result, pattern=points.verb_pattern(ShowResult)),
            CallbackQueryHandler(result.download_json, pattern=points.verb_pattern(DownloadJson)),
            CallbackQueryHandler(result.download_pdf, pattern=points.verb_pattern(DownloadPdf)),
            CallbackQueryHandler(result.keep, pattern=points.verb_pattern(Keep)),
            CallbackQueryHandler(
                result.do_not_keep, pattern=points.verb_pattern(DoNotKeep, DeleteKept)
            ),
            CallbackQueryHandler(result.finish, pattern=points.verb_pattern(Finish)),
        ]
    )

    async def schedule_purge(runtime: Runtime) -> None:
        if app.job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
            log.error("points: no JobQueue, shown results are dropped only when touched")
            return
        every = result.PURGE_EVERY
        app.job_queue.run_repeating(
            result.purge_expired, interval=every, first=every, name=PURGE_JOB
        )

    data.on_startup(schedule_purge)
