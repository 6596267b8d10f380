"""A quoted reply in a Teams personal chat: which message it quotes, and the person's own
text; and the ticket a quoted notice is about.

Teams says that a message quotes another in one of two ways (the newest first):

1. an entity of type "quotedReply" with `quotedReply: {"messageId", "senderId",
   "senderName", "preview", …}` (the newer Teams SDKs' QuotedReplyEntity);
2. a `text/html` attachment that starts with
   `<blockquote itemscope itemtype="http://schema.skype.com/Reply" itemid="<message id>">…
   <p itemprop="preview">quoted text</p></blockquote>` and goes on with the new text; the
   activity's `text` may then hold the quoted preview too.

The person's own text is the HTML outside the quote, tags stripped and entities
unescaped; without such HTML, the activity's text less the quoted preview.

A quote of a bot message that the outbox linked to a ticket (`ticket_messages`, keyed by
the person's user id and `channels.message_number` of the Teams message id, as
`bot.routing` records it) for the teacher (`MessagePurpose.TEACHER`), of a ticket this
person may write to (`ticket_access.authorise`), is a message for that ticket, as after
«Reply / add photos» (`teams.tickets`). Anything else quoted is an ordinary message: the
link is looked up under the sender's own user id, so a message id of another person's
notice finds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final

from microsoft_agents.activity import Activity

from bot.services import channels
from bot.services.helpdesk import ticket_access, ticket_links
from bot.services.helpdesk.ticket_access import Need
from bot.services.helpdesk.ticket_types import MessagePurpose, TicketError
from teams.turn import Turn

REPLY_SCHEMA: Final = "http://schema.skype.com/Reply"
ENTITY: Final = "quotedReply"
BLOCKS: Final = frozenset({"p", "div", "br", "li", "tr"})
VOID: Final = frozenset({"br", "img", "hr", "input", "meta", "link", "wbr", "col", "area"})


@dataclass(frozen=True)
class Quote:
    """A quoted reply: the quoted message's Teams id and the person's own text."""

    message_id: str
    text: str


class _ReplyHtml(HTMLParser):
    """Splits Teams' HTML of a message into the quote (its id, preview) and the rest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.message_id: str | None = None
        self.preview: list[str] = []
        self.own: list[str] = []
        self._depth = 0  # open elements inside the quote (0: outside it)
        self._preview_at: int | None = None  # the depth the preview element opened at

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self._depth:
            if tag not in VOID:
                self._depth += 1
                if found.get("itemprop") == "preview" and self._preview_at is None:
                    self._preview_at = self._depth
            return
        if (
            tag == "blockquote"
            and self.message_id is None
            and found.get("itemtype") == REPLY_SCHEMA
            and found.get("itemid")
        ):
            self.message_id = found["itemid"]
            self._depth = 1
        elif tag in BLOCKS:
            self.own.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._depth and tag in BLOCKS:
            self.own.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self._depth:
            if tag in BLOCKS:
                self.own.append("\n")
            return
        if tag in VOID:
            return
        if self._preview_at == self._depth:
            self._preview_at = None
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._depth:
            self.own.append(data)
        elif self._preview_at is not None:
            self.preview.append(data)


def _tidy(text: str) -> str:
    """Lines stripped, runs of blank lines and spaces made one."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()


def _without(text: str, preview: str) -> str:
    """`text` less the quoted `preview` (Teams may put it first in the text)."""
    text = text.strip()
    preview = preview.strip()
    if preview and preview in text:
        text = text.replace(preview, "", 1)
    return _tidy(text)


def _html(activity: Activity) -> _ReplyHtml | None:
    """Teams' HTML of the message parsed, when it holds a quote."""
    for attachment in activity.attachments or []:
        content = attachment.content
        if (attachment.content_type or "").lower() == "text/html" and isinstance(content, str):
            parsed = _ReplyHtml()
            parsed.feed(content)
            parsed.close()
            if parsed.message_id is not None:
                return parsed
    return None


def _entity(activity: Activity) -> tuple[str, str] | None:
    """(message id, preview) of a "quotedReply" entity, if the activity has one."""
    for entity in activity.entities or []:
        if entity.type != ENTITY:
            continue
        extra = entity.model_extra or {}
        quoted = extra.get("quoted_reply", extra.get("quotedReply"))
        if not isinstance(quoted, dict):
            continue
        message_id = quoted.get("messageId")
        if isinstance(message_id, str) and message_id.strip():
            preview = quoted.get("preview")
            return message_id.strip(), preview if isinstance(preview, str) else ""
    return None


def quoted(activity: Activity) -> Quote | None:
    """The quote of a message (the entity first, else the HTML blockquote); None when the
    message quotes nothing."""
    text = activity.text or ""
    html = _html(activity)
    entity = _entity(activity)
    if entity is not None:
        message_id, preview = entity
    elif html is not None:
        assert html.message_id is not None
        message_id, preview = html.message_id, "".join(html.preview)
    else:
        return None
    own = _tidy("".join(html.own)) if html is not None else ""
    return Quote(message_id, own or _without(text, preview))


async def ticket_of(turn: Turn, quote: Quote) -> int | None:
    """The ticket `quote` answers: a notice to this person about a ticket they may write
    to; None for any other message (the person's rights checked now)."""
    number = channels.message_number(quote.message_id)
    try:
        async with turn.runtime.sessions() as session:
            found = await ticket_links.ticket_of_message(session, turn.user_id, number)
            if found is None or found[1] is not MessagePurpose.TEACHER:
                return None
            await ticket_access.authorise(session, found[0], turn.user_id, Need.TEACHER)
    except TicketError:
        return None
    return found[0]
