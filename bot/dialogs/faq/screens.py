"""The FAQ's screens: topics, questions, answers with their buttons, "Did you mean",
"no answer" with the centre's contacts, and the replies to small talk.

Texts are in the screens' markup (bold questions, the catalog's own HTML answers).
Buttons of the main menu's entries (an answer's action, the fault report) are
given by the caller, which knows the menu.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Final

from bot.dialogs.faq.actions import (
    FromMenu,
    NoneOfThese,
    Related,
    Suggested,
    Topic,
    Topics,
    Vote,
)
from bot.dialogs.menu import menu_button
from bot.i18n import N_, Translator
from bot.services.faq import CentreContacts, FaqIndex
from bot.services.faq.smalltalk import SmallTalk
from bot.ui import Button, Screen

MAX_RELATED: Final = 3  # related questions under an answer: more would bury the answer

# What a greeting, thanks or goodbye gets back (none of them is an FAQ question).
SMALL_TALK_REPLIES: Final = {
    SmallTalk.GREETING: N_(
        "Hello! 👋 Ask me your question in your own words, or choose from the menu."
    ),
    SmallTalk.THANKS: N_("You are welcome! 😊 Ask me anything else whenever you like."),
    SmallTalk.GOODBYE: N_("Goodbye! I am here whenever you need me. 👋"),
}


def small_talk_reply(tr: Translator, kind: SmallTalk) -> str:
    return tr.gettext(SMALL_TALK_REPLIES[kind])


def usage(tr: Translator) -> str:
    return tr.gettext(
        "Ask me after /faq or after my name, for example: /faq how do I ask the "
        "ΚΕ.ΠΛΗ.ΝΕ.Τ. for help?"
    )


def _topics_button(tr: Translator) -> Button:
    return Button("❓ " + tr.gettext("Questions by topic"), Topics())


def nothing_to_search(tr: Translator) -> Screen:
    """Emoji or punctuation only."""
    return Screen.of(
        tr.gettext("Type your question in a few words, or choose a topic."),
        [[_topics_button(tr)]],
    )


def topics_screen(tr: Translator, index: FaqIndex, locale: str) -> Screen:
    _ = tr.gettext
    text = (
        "❓ <b>"
        + html.escape(_("Frequently asked questions"))
        + "</b>\n"
        + html.escape(_("Choose a topic, or simply type your question in your own words."))
    )
    rows = [[Button(title, Topic(key))] for key, title, _entries in index.groups(locale)]
    rows.append([menu_button(tr)])
    return Screen.of(text, rows, markup=True)


def topic_screen(tr: Translator, index: FaqIndex, locale: str, group: str) -> Screen | None:
    """The questions of one topic; None for a topic that no longer exists."""
    _ = tr.gettext
    for key, title, entries in index.groups(locale):
        if key == group:
            text = f"<b>{html.escape(title)}</b>\n" + html.escape(_("Choose a question:"))
            rows = [[Button(entry.title, FromMenu(entry.id))] for entry in entries]
            rows.append([Button("« " + _("Topics"), Topics()), menu_button(tr)])
            return Screen.of(text, rows, markup=True)
    return None


def answer_text(
    tr: Translator,
    index: FaqIndex,
    locale: str,
    entry_id: str,
    contacts: CentreContacts,
    *,
    private: bool = True,
    live: str = "",
    chat_link: str = "",
) -> str:
    """The question in bold, then the answer (the centre's contacts filled), then its
    `live` part (marked up, e.g. the next dates) when it has one. In a group, where the
    answer has no buttons, the way to a private chat (`chat_link`) instead of the vote."""
    entry = index.entry(entry_id, locale)
    body = index.render_answer(entry_id, locale, contacts)
    text = f"<b>{html.escape(entry.question)}</b>\n\n{body}"
    if live:
        text += "\n\n" + live
    _ = tr.gettext
    if private:
        return text + "\n\n<i>" + html.escape(_("Was this helpful?")) + "</i>"
    more = _("More answers in a private chat with me: {link}").format(link=chat_link)
    return text + "\n\n" + html.escape(more)


def answer_buttons(
    tr: Translator,
    index: FaqIndex,
    locale: str,
    entry_id: str,
    *,
    action: Button | None = None,
    voted: bool | None = None,
) -> list[list[Button]]:
    """Related questions, the entry's `action` (a main menu entry), 👍/👎 (✓ on the vote
    given), the way back."""
    _ = tr.gettext
    entry = index.entry(entry_id, locale)
    rows = [
        [Button("↪ " + index.entry(related, locale).title, Related(related))]
        for related in entry.related[:MAX_RELATED]
    ]
    if action is not None:
        rows.append([action])
    yes, no = "👍 " + _("Yes"), "👎 " + _("No")
    rows.append(
        [
            Button(("✓ " if voted is True else "") + yes, Vote(entry_id, helpful=True)),
            Button(("✓ " if voted is False else "") + no, Vote(entry_id, helpful=False)),
        ]
    )
    group_title = index.catalog(locale).groups[entry.group]
    rows.append([Button("« " + group_title, Topic(entry.group)), menu_button(tr)])
    return rows


def answer_screen(
    tr: Translator,
    index: FaqIndex,
    locale: str,
    entry_id: str,
    contacts: CentreContacts,
    *,
    private: bool,
    live: str = "",
    chat_link: str = "",
    action: Button | None = None,
) -> Screen:
    """An answer; its buttons only in a private chat (in a group they are for one person)."""
    text = answer_text(
        tr, index, locale, entry_id, contacts, private=private, live=live, chat_link=chat_link
    )
    rows = answer_buttons(tr, index, locale, entry_id, action=action) if private else []
    return Screen.of(text, rows, markup=True)


def contacts_text(index: FaqIndex, locale: str, contacts: CentreContacts) -> str:
    """The centre's name, phone and e-mail as far as they are known (marked up)."""
    fallbacks = index.catalog(locale).fallbacks
    lines = [f"<b>{html.escape(contacts.name or fallbacks['centre_name'])}</b>"]
    if contacts.phone:
        lines.append(f"☎ {html.escape(contacts.phone)}")
    if contacts.email:
        lines.append(f"✉ {html.escape(contacts.email)}")
    return "\n".join(lines)


def no_answer_screen(
    tr: Translator,
    index: FaqIndex,
    locale: str,
    first_line: str,
    contacts: CentreContacts,
    *,
    private: bool = True,
    chat_link: str = "",
    report: Button | None = None,
) -> Screen:
    """No answer: ask otherwise, the fault report (`report`, the main menu's entry), the
    centre's contacts; buttons only in a private chat."""
    _ = tr.gettext
    parts = [
        html.escape(first_line)
        + "\n"
        + html.escape(_("Try asking in other words, or look through the questions by topic.")),
        html.escape(
            _(
                "If something in your school lab does not work, report the fault and the "
                "ΚΕ.ΠΛΗ.ΝΕ.Τ. will take it up. You can also contact them:"
            )
        )
        + "\n"
        + contacts_text(index, locale, contacts),
    ]
    if not private:
        parts.append(
            html.escape(
                _("Questions by topic and fault reports: in a private chat with me, {link}")
            ).format(link=chat_link)
        )
    rows: list[list[Button]] = []
    if private:
        rows = [[report] if report is not None else [], [_topics_button(tr)], [menu_button(tr)]]
    return Screen.of("\n\n".join(parts), rows, markup=True)


def suggestions_screen(tr: Translator, index: FaqIndex, locale: str, ids: Sequence[str]) -> Screen:
    rows = [[Button(index.entry(entry_id, locale).title, Suggested(entry_id))] for entry_id in ids]
    rows.append([Button("✖ " + tr.gettext("None of these"), NoneOfThese())])
    return Screen.of("🤔 " + tr.gettext("I am not sure what you are asking. Did you mean:"), rows)
