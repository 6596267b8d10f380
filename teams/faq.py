"""The FAQ in a Teams chat: `handlers/faq/chat.py` for Teams (a personal chat only).

Free text outside the points interview is a question: small talk gets its polite word,
a confident match its answer, close ones "Did you mean", nothing the "no answer" screen
with the centre's contacts. The topics menu, related questions and 👍/👎 are the same
buttons (`bot.dialogs.faq.actions`). The question behind a "Did you mean" is kept in the
conversation's state, since a Teams card does not quote the message it answers; so are
the ids of the answer cards sent, and a 👍/👎 counts only under one of them (a submit's
`replyToId` comes from the client: a made-up one would be a vote each time).
"""

from __future__ import annotations

from typing import Final

from bot.dialogs.faq import screens, views
from bot.dialogs.faq.actions import FromMenu, NoneOfThese, Related, Suggested, Topic, Topics, Vote
from bot.dialogs.faq.live import live_text
from bot.services.faq import CentreContacts, Decision, FaqIndex
from bot.services.faq import log as faq_log
from bot.services.faq.greek import tokens
from bot.services.faq.log import MissKind, Source, VoteOutcome
from bot.services.faq.smalltalk import SmallTalk, classify
from bot.services.helpdesk import schools
from bot.ui import Action, Screen
from teams.turn import Turn, main_menu, menu_button

ASKED: Final = "faq_question"
# The answer cards this conversation was sent (card id → entry id), the latest ANSWERS_KEPT:
# a vote counts only under one of them (a submit's replyToId is the client's word).
ANSWERS: Final = "faq_answers"
ANSWERS_KEPT: Final = 50


def index_of(turn: Turn) -> FaqIndex:
    index = turn.runtime.faq
    if index is None:
        raise RuntimeError("the FAQ is not loaded (bot.app's startup hooks load it)")
    return index


async def contacts_of(turn: Turn) -> CentreContacts:
    async with turn.runtime.sessions() as session:
        centre = await schools.centre_of_teacher(session, turn.user_id)
    if centre is not None:
        return CentreContacts.of(centre.name, centre.phone, centre.email)
    return CentreContacts.from_settings(turn.runtime.settings)


async def _no_answer(turn: Turn, first_line: str) -> Screen:
    return screens.no_answer_screen(
        turn.tr,
        index_of(turn),
        turn.locale,
        first_line,
        await contacts_of(turn),
        private=True,
        chat_link="",
        report=menu_button(turn.tr, "report"),  # None: not in Teams yet
    )


async def answer(turn: Turn, entry_id: str, *, voted: bool | None = None) -> Screen:
    """The answer of `entry_id` with its buttons (✓ on the vote given, if any)."""
    runtime = turn.runtime
    index = index_of(turn)
    entry = index.entry(entry_id, turn.locale)
    live = await live_text(
        turn.tr, runtime.sessions, entry, turn.user_id, runtime.clock(), runtime.settings.tz
    )
    text = screens.answer_text(
        turn.tr, index, turn.locale, entry_id, await contacts_of(turn), private=True, live=live
    )
    rows = screens.answer_buttons(
        turn.tr,
        index,
        turn.locale,
        entry_id,
        action=menu_button(turn.tr, entry.action) if entry.action else None,
        voted=voted,
    )
    return Screen.of(text, rows, markup=True)


async def show_answer(turn: Turn, entry_id: str, source: Source, *, replace: bool = False) -> None:
    await views.record_view(turn.runtime, entry_id, turn.locale, source)
    card = await turn.show(await answer(turn, entry_id), replace=replace)
    if card is not None:
        sent = _answers_sent(turn)
        sent.pop(card, None)
        sent[card] = entry_id
        turn.state[ANSWERS] = dict(list(sent.items())[-ANSWERS_KEPT:])


def _answers_sent(turn: Turn) -> dict[str, str]:
    kept = turn.state.get(ANSWERS)
    if not isinstance(kept, dict):
        return {}
    return {k: v for k, v in kept.items() if isinstance(k, str) and isinstance(v, str)}


async def _record_miss(turn: Turn, text: str, kind: MissKind) -> None:
    await views.record_miss(turn.runtime, text, turn.locale, kind, turn.user_id)


async def question(turn: Turn, text: str) -> None:
    """Answer `text` as an FAQ question."""
    tr = turn.tr
    small_talk = classify(text)
    if small_talk is not None:
        reply = screens.small_talk_reply(tr, small_talk)
        await turn.show(
            main_menu(tr, reply) if small_talk is SmallTalk.GREETING else Screen(reply)
        )
        return
    if not tokens(text):
        await turn.show(screens.nothing_to_search(tr))
        return
    index = index_of(turn)
    result = index.search(text, turn.locale)
    if result.answer_id is not None:
        await show_answer(turn, result.answer_id, Source.SEARCH)
    elif result.decision is Decision.DID_YOU_MEAN:
        turn.state[ASKED] = text[:500]
        await turn.show(screens.suggestions_screen(tr, index, turn.locale, result.suggestions))
    else:
        await _record_miss(turn, text, MissKind.NO_MATCH)
        await turn.show(
            await _no_answer(turn, tr.gettext("Sorry, I could not find an answer to that."))
        )


async def topics(turn: Turn, *, replace: bool = False) -> None:
    await turn.show(screens.topics_screen(turn.tr, index_of(turn), turn.locale), replace=replace)


def _known(turn: Turn, entry_id: str) -> bool:
    return entry_id in index_of(turn).catalog(turn.locale).entries


async def pressed(turn: Turn, action: Action) -> bool:
    """A button of the FAQ; False when it is not (or no longer) valid."""
    tr = turn.tr
    if isinstance(action, Topics):
        await topics(turn, replace=True)
        return True
    if isinstance(action, Topic):
        screen = screens.topic_screen(tr, index_of(turn), turn.locale, action.group)
        if screen is None:
            return False
        await turn.show(screen, replace=True)
        return True
    if isinstance(action, FromMenu | Suggested | Related):
        if not _known(turn, action.entry_id):
            return False
        if isinstance(action, Related):
            await show_answer(turn, action.entry_id, Source.RELATED)
        else:
            source = Source.MENU if isinstance(action, FromMenu) else Source.SUGGESTION
            await show_answer(turn, action.entry_id, source, replace=True)
        return True
    if isinstance(action, Vote):
        return await _vote(turn, action)
    if isinstance(action, NoneOfThese):
        asked = turn.state.pop(ASKED, None)
        if isinstance(asked, str) and asked:
            await _record_miss(turn, asked, MissKind.REJECTED)
        await turn.show(
            await _no_answer(turn, tr.gettext("Sorry that I could not find it.")), replace=True
        )
        return True
    return False


async def _vote(turn: Turn, action: Vote) -> bool:
    number = turn.card_number()
    if number is None or not _known(turn, action.entry_id):
        return False
    if _answers_sent(turn).get(turn.card_id or "") != action.entry_id:
        return False  # not under an answer of this entry that this person was sent
    tr = turn.tr
    async with turn.runtime.sessions() as session:
        outcome = await faq_log.record_vote(
            session,
            entry_id=action.entry_id,
            locale=turn.locale,
            helpful=action.helpful,
            user_id=turn.user_id,
            message_id=number,
            now=turn.runtime.clock(),
        )
    if outcome is VoteOutcome.UNCHANGED:
        await turn.say(tr.gettext("You have already told me. Thank you!"))
        return True
    # The answer's card shows the vote (✓), as Telegram's buttons do.
    await turn.show(await answer(turn, action.entry_id, voted=action.helpful), replace=True)
    await turn.say(tr.gettext("Thank you for telling me!"))
    if not action.helpful:
        await turn.show(await _no_answer(turn, tr.gettext("Sorry that this did not help.")))
    return True
