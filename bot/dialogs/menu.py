"""The main menu's actions that other screens link to ("menu:main")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.i18n import Translator
from bot.ui import Action, Button, Codec

menu: Final = Codec("menu")


@menu.action("main")
@dataclass(frozen=True)
class MainMenu(Action):
    """Show the main menu again."""


def menu_button(tr: Translator) -> Button:
    """A button that shows the main menu again."""
    return Button("« " + tr.gettext("Main menu"), MainMenu())


# The main menu's feature entries that other screens offer as buttons (an FAQ answer's
# action, the fault report under "no answer"): "menu:<key>", answered by the feature.


@menu.action("points")
@dataclass(frozen=True)
class OpenPoints(Action):
    pass


@menu.action("report")
@dataclass(frozen=True)
class OpenReport(Action):
    pass


@menu.action("reminders")
@dataclass(frozen=True)
class OpenReminders(Action):
    pass


@menu.action("faq")
@dataclass(frozen=True)
class OpenFaq(Action):
    pass


def entry_button(label: str, callback_data: str) -> Button | None:
    """A button for a main menu entry ("menu:<key>"), or None for a key without an action."""
    action = menu.parse(callback_data)
    return Button(label, action) if action is not None else None
