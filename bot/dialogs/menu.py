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
