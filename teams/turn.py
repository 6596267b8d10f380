"""One incoming activity: who it is from, their language and state, and how to answer.

A `Turn` is the Teams counterpart of PTB's (update, context): the keplibot user the
Teams identity maps to (`bot.services.channels.person`), their translator (their own
choice, else the activity's `locale`, else DEFAULT_LOCALE), the conversation's state as
plain JSON (loaded before and saved after the turn, in the database) and `show`, which
sends a `Screen` (or replaces the card whose button was used).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final, Protocol

import aiohttp

from bot.dialogs.common import LANGUAGE_ACTIONS
from bot.dialogs.menu import entry_button
from bot.i18n import N_, Translator
from bot.runtime import Runtime
from bot.services import channels
from bot.ui import Button, File, Screen
from teams.actions import ShowLanguages, ShowPrivacy
from teams.connector import Connector, Conversation
from teams.render import activities

log = logging.getLogger(__name__)

CHANNEL: Final = "teams"

# The main menu in Teams: the features this channel has so far (labels as Telegram's).
MENU: Final = (
    ("points", "🧮", N_("Points calculation")),
    ("faq", "❓", N_("Frequently asked questions")),
    ("report", "🛠", N_("Report a fault")),
    ("reminders", "⏰", N_("Reminders")),
)


class FileLinks(Protocol):
    """Where a file too large to send inline is offered (`teams.files.FileStore`)."""

    def link(self, file: File) -> str: ...


@dataclass
class Turn:
    """The answer to one activity, being made."""

    runtime: Runtime
    connector: Connector
    files: FileLinks
    conversation: Conversation
    user_id: int
    name: str
    tr: Translator
    state: dict[str, Any]
    # The card whose button was used (Teams' replyToId of a submit), if any.
    card_id: str | None = None
    # True after /delete erased the person: the state is not written back.
    forget: bool = False

    @property
    def locale(self) -> str:
        return self.tr.locale

    async def show(self, screen: Screen, *, replace: bool = False) -> str | None:
        """Send `screen`; with `replace`, the used card becomes its (first) message instead.

        The id of the last message sent (or replaced). A card the Bot Connector cannot
        replace (it does not know it: 404, 400) is left as it is and the screen sent as
        new messages: what was done stays shown, not turned into "something went wrong".
        """
        last: str | None = None
        for number, activity in enumerate(activities(screen, self.files.link)):
            if replace and number == 0 and self.card_id is not None:
                try:
                    await self.connector.update(self.conversation, self.card_id, activity)
                except aiohttp.ClientResponseError as exc:
                    if exc.status not in (400, 404):
                        raise
                    log.info(
                        "teams: card %s not replaced (%s): sent anew", self.card_id, exc.status
                    )
                    self.card_id = None
                else:
                    last = self.card_id
                    continue
            last = await self.connector.send(self.conversation, activity)
        return last

    async def say(self, text: str) -> None:
        await self.show(Screen(text))

    def card_number(self) -> int | None:
        """The used card's id as a number (a stable hash of Teams' text id: the FAQ's
        feedback is kept per answer message as Telegram's message numbers are)."""
        if self.card_id is None:
            return None
        return channels.message_number(self.card_id)


def menu_button(tr: Translator, key: str) -> Button | None:
    """The main menu's entry `key` as a button; None for one Teams does not have yet."""
    for entry, icon, label in MENU:
        if entry == key:
            return entry_button(f"{icon} {tr.gettext(label)}", f"menu:{key}")
    return None


def main_menu(tr: Translator, text: str) -> Screen:
    """`text` over the main menu: the features, then the language and privacy."""
    rows = [[b] for key, _icon, _label in MENU if (b := menu_button(tr, key)) is not None]
    rows.append([Button("🌐 " + tr.gettext("Language / Γλώσσα"), ShowLanguages())])
    rows.append([Button("🔒 " + tr.gettext("Your data"), ShowPrivacy())])
    return Screen.of(text, rows)


def languages(tr: Translator) -> Screen:
    """The language chooser (the choice is kept, as Telegram's /language keeps it)."""
    names = {"el": "🇬🇷 Ελληνικά", "en": "🇬🇧 English"}
    row = [Button(names[locale], action) for locale, action in LANGUAGE_ACTIONS.items()]
    return Screen.of(tr.gettext("Choose the language I speak with you:"), [row])


def greeting(tr: Translator, name: str | None) -> str:
    _ = tr.gettext
    hello = (_("Hello, {name}!").format(name=name) if name else _("Hello!")) + " 👋"
    return "\n".join(
        [
            hello,
            _(
                "I am keplibot, the assistant of the ΚΕ.ΠΛΗ.ΝΕ.Τ. for teachers. Here in "
                "Microsoft Teams I can calculate your points for the school lab manager post "
                "(Υ.Σ.Ε.Π.Ε.Η.Υ.), take a fault report for your support centre (/report), "
                "answer frequent questions and remind you of the selection's dates."
            ),
            "",
            _("Choose below:"),
        ]
    )
