"""« Back» and «✖ Cancel» under every step of the fault report.

The draft keeps the trail of steps the teacher has seen (`trail`, step names, in
order). Showing a step records it: a new step is added, a step seen before cuts
the trail back to it (the teacher went back, or returned to the summary). « Back»
shows the step before the current one again; the answers stay in the draft, so
nothing typed is lost by going back, and answering again replaces the answer.
"""

from __future__ import annotations

from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from handlers.common import cancel_button, keyboard

BACK_DATA: Final = "rp:back"
TRAIL: Final = "trail"  # draft key: the steps seen, oldest first


def visit(draft: dict[str, Any], step: str) -> None:
    """Record that `step` is on screen now."""
    trail = draft.get(TRAIL)
    if not isinstance(trail, list):
        trail = draft[TRAIL] = []
    if step in trail:
        del trail[trail.index(step) + 1 :]
    else:
        trail.append(str(step))


def previous(draft: dict[str, Any]) -> str | None:
    """Step back: the step before the current one (now current), None at the first step."""
    trail = draft.get(TRAIL)
    if not isinstance(trail, list) or len(trail) < 2:
        return None
    trail.pop()
    return str(trail[-1])


def nav_markup(
    tr: Translator,
    draft: dict[str, Any],
    step: str,
    rows: list[list[tuple[str, str]]],
    *,
    back: bool = True,
) -> InlineKeyboardMarkup:
    """The step's buttons, then « Back» (from the second step on) and «✖ Cancel»."""
    visit(draft, step)
    markup = keyboard(rows)
    nav: list[InlineKeyboardButton] = []
    trail = draft.get(TRAIL) or []
    if back and len(trail) > 1:
        nav.append(InlineKeyboardButton("« " + tr.gettext("Back"), callback_data=BACK_DATA))
    nav.append(cancel_button(tr))
    return InlineKeyboardMarkup([*markup.inline_keyboard, nav])
