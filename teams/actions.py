"""The buttons only the Teams adapter has ("tms:…"); the features' own are their codecs'.

Telegram offers the language chooser as a command and a menu entry handled by the
Telegram handlers; in Teams the main menu's 🌐 entry is this action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.ui import Action, Codec

teams: Final = Codec("tms")


@teams.action("lang")
@dataclass(frozen=True)
class ShowLanguages(Action):
    """Show the language chooser."""


@teams.action("priv")
@dataclass(frozen=True)
class ShowPrivacy(Action):
    """Show the privacy notice (Telegram's «🔒 Your data» menu entry)."""
