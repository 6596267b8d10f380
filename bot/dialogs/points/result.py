"""The points result as screens: the summary, documents, change an answer, keeping, files.

A result is shown when the interview ends, when a teacher sends a JSON
declaration as a document, and with /mypoints (the kept declaration). Its
buttons are typed actions (`bot.dialogs.points.actions`); everything is worded
under the result's own ruleset (`result.ruleset`), and the "Change an answer"
list under the session's interview. No Telegram: `handlers.points.result` shows
these screens.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from bot.dialogs.points.actions import (
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
)
from bot.dialogs.points.chat import answer_lines, question_label, status_change_text
from bot.dialogs.points.words import documents_text, render_breakdown
from bot.i18n import Translator
from bot.services.points.session import Change, InterviewSession
from bot.ui import Button, Screen
from scoring import ScoreResult

CHANGE_ROW: Final = 5  # number buttons per row in "Change an answer"
KEEP_MARK: Final = "💾 "  # starts the summary's paragraph about keeping (the question, or kept)


def keep_row(tr: Translator, consent: bool | None, kept: bool) -> list[Button]:
    """The buttons about keeping: the consent question, or keep / delete."""
    _ = tr.gettext
    if consent is None:
        return [Button("💾 " + _("Yes, keep it"), Keep()), Button(_("No, thanks"), DoNotKeep())]
    if kept:
        return [Button("🗑 " + _("Delete the kept declaration"), DeleteKept())]
    return [Button("💾 " + _("Keep this declaration"), Keep())]


def result_rows(tr: Translator, consent: bool | None, kept: bool) -> list[list[Button]]:
    _ = tr.gettext
    return [
        [Button("📄 " + _("Documents you will need"), Documents())],
        [Button("✏️ " + _("Change an answer"), ChangeList())],
        [Button("⬇️ PDF", DownloadPdf()), Button("⬇️ JSON", DownloadJson())],
        keep_row(tr, consent, kept),
        [Button("✅ " + _("Finish"), Finish())],
    ]


def kept_line(tr: Translator) -> str:
    return KEEP_MARK + tr.gettext("Kept: /mypoints shows it again; you can delete it at any time.")


def result_text(
    tr: Translator, result: ScoreResult, *, header: str, consent: bool | None, kept: bool
) -> str:
    _ = tr.gettext
    parts = [header] if header else []
    parts.append(render_breakdown(tr, result))
    if consent is None:
        parts.append(
            KEEP_MARK
            + _(
                "May I keep this declaration, so that /mypoints shows it again? Only your "
                "answers are kept, and you can delete them at any time."
            )
        )
    elif kept:
        parts.append(kept_line(tr))
    return "\n\n".join(parts)


def result_screen(
    tr: Translator, result: ScoreResult, *, header: str, consent: bool | None, kept: bool
) -> Screen:
    """The summary with the result's buttons."""
    text = result_text(tr, result, header=header, consent=consent, kept=kept)
    return Screen.of(text, result_rows(tr, consent, kept))


def new_total_header(tr: Translator, change: Change, result: ScoreResult) -> str:
    """After "Change an answer": the new total beside the old, and whether eligibility
    changed (`Eligibility changed: not eligible → eligible.`)."""
    header = "✏️ " + tr.gettext("New total: {total} (before: {before}).").format(
        total=tr.points(result.total), before=tr.points(Decimal(change["total_before"]))
    )
    if result.eligibility is not None:
        before = change.get("status_before", "")
        changed = status_change_text(tr, before, result.eligibility.status)
        if changed:
            header += "\n" + changed
    return header


def summary_after_keeping(tr: Translator, text: str, kept: bool) -> str:
    """The summary's text once the teacher answered about keeping: without the question
    ("May I keep...?"), and saying that it is kept if it is."""
    paragraphs = text.split("\n\n")
    if paragraphs and paragraphs[-1].startswith(KEEP_MARK):
        paragraphs.pop()
    if kept:
        paragraphs.append(kept_line(tr))
    return "\n\n".join(paragraphs)


def documents_screen(tr: Translator, result: ScoreResult) -> Screen:
    return Screen("📄 " + documents_text(tr, result))


def json_caption(tr: Translator) -> str:
    return tr.gettext(
        "Your declaration as a file. Send it back to me at any time and I will score it again."
    )


def pdf_caption(tr: Translator) -> str:
    return tr.gettext("Your provisional points (PDF).")


def kept_notice(tr: Translator) -> str:
    return "💾 " + tr.gettext("Kept: /mypoints shows it again; you can delete it at any time.")


def not_kept_notice(tr: Translator, deleted: bool) -> str:
    _ = tr.gettext
    if deleted:
        return "🗑 " + _(
            "Deleted: I keep no declaration of yours, and will not keep one unless you ask."
        )
    return _("Understood: I will not keep your declarations.")


def result_gone(tr: Translator) -> str:
    return tr.gettext(
        "I no longer have that result: /points calculates again, and /mypoints "
        "shows a kept declaration."
    )


def answers_broken(tr: Translator) -> str:
    return tr.gettext("Something went wrong with your answers. Please start again with /points.")


def choose_below(tr: Translator) -> str:
    return tr.gettext("Choose below:")


def change_screen(tr: Translator, session: InterviewSession) -> Screen:
    """The answers, numbered, and a button per number naming the interview's question."""
    _ = tr.gettext
    interview = session.interview
    lines = ["✏️ " + _("Which answer do you want to change? Choose its number."), ""]
    buttons: list[Button] = []
    answered = answer_lines(tr, interview, session.answers)
    for number, (question, text) in enumerate(answered, start=1):
        lines.append(f"{number}. {question_label(tr, session.ruleset, question)}: {text}")
        buttons.append(Button(str(number), ChangeAnswer(interview.questions.index(question))))
    rows = [buttons[i : i + CHANGE_ROW] for i in range(0, len(buttons), CHANGE_ROW)]
    rows.append([Button("« " + _("Back to the result"), ShowResult())])
    return Screen.of("\n".join(lines), rows)


# --- a declaration sent as a file, and /mypoints -------------------------------------------


def file_too_large(tr: Translator) -> str:
    return "⚠️ " + tr.gettext("This file is too large to be a declaration.")


def download_failed(tr: Translator) -> str:
    return tr.gettext("I could not download the file. Please send it again.")


def file_problems(tr: Translator, problems: list[str]) -> str:
    text = "⚠️ " + tr.gettext("This file is not a declaration I can score:") + "\n"
    return text + "\n".join(f"• {p}" for p in problems)


def file_header(tr: Translator, file_name: str | None, set_aside: bool) -> str:
    _ = tr.gettext
    header = "📂 " + _("The declaration in {file}:").format(file=file_name or "JSON")
    if set_aside:
        header += "\n" + _("(It replaces the interview you had not finished.)")
    return header


def no_kept_text(tr: Translator, consent: bool | None) -> str:
    _ = tr.gettext
    if consent is False:
        return _("You chose not to keep your declarations, so I have none of yours.")
    return _("I have no declaration of yours kept.")


def calculate_label(tr: Translator) -> str:
    return "🧮 " + tr.gettext("Calculate my points")


def kept_header(tr: Translator, updated_at: date) -> str:
    return "📂 " + tr.gettext("Your kept declaration of {date}:").format(date=tr.date(updated_at))


def unknown_ruleset_text(tr: Translator, name: str) -> str:
    """A kept declaration (or a session) of a circular this version of the bot does not know."""
    return "⚠️ " + tr.gettext(
        "Your kept declaration was scored under circular {name}, which this version of the "
        "bot does not know, so I cannot show it. /points calculates your points again."
    ).format(name=name)
