"""The buttons every feature shares: a flow's own buttons, the language and privacy choices.

One codec each, with the wire strings these buttons always had ("flow:cancel",
"lang:el", "priv:erase"), so a button already on someone's screen keeps working
after an upgrade; `parse` returns None for anything else. The main menu's actions
are in `bot.dialogs.menu`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.ui.actions import Action, Codec

flow: Final = Codec("flow")
language: Final = Codec("lang")
privacy: Final = Codec("priv")


# --- a flow's own buttons (`handlers.flows`) ----------------------------------------------


@flow.action("cancel")
@dataclass(frozen=True)
class CancelFlow(Action):
    """«✖ Cancel»: leave the current flow (it asks first if answers would be lost)."""


@flow.action("keep")
@dataclass(frozen=True)
class KeepFlow(Action):
    """«Keep going»: stay in the flow that was about to be left or cancelled."""


@flow.action("leave")
@dataclass(frozen=True)
class LeaveFlow(Action):
    """«Leave»: leave the flow for what was asked instead (its answers are kept)."""


@flow.action("discard")
@dataclass(frozen=True)
class DiscardFlow(Action):
    """«Discard»: cancel the flow and drop its answers."""


# --- the language chooser ------------------------------------------------------------------


@language.action("el")
@dataclass(frozen=True)
class ChooseGreek(Action):
    pass


@language.action("en")
@dataclass(frozen=True)
class ChooseEnglish(Action):
    pass


# Locale → its button's action (a test keeps the keys equal to bot.i18n.LOCALES).
LANGUAGE_ACTIONS: Final[dict[str, Action]] = {"el": ChooseGreek(), "en": ChooseEnglish()}


def chosen_locale(data: str | None) -> str | None:
    """The locale a language button names, or None for anything else."""
    action = language.parse(data)
    if action is None:
        return None
    return type(action).verb


# --- privacy (`/privacy`, `/delete`) ----------------------------------------------------


@privacy.action("export")
@dataclass(frozen=True)
class ExportMyData(Action):
    pass


@privacy.action("delete")
@dataclass(frozen=True)
class DeleteMyData(Action):
    """Ask before erasing."""


@privacy.action("erase")
@dataclass(frozen=True)
class EraseMyData(Action):
    """Yes, erase everything."""


@privacy.action("keep")
@dataclass(frozen=True)
class KeepMyData(Action):
    """No, keep my data."""
