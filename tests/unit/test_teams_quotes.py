"""What a quoted reply in Teams quotes, and the person's own text (`teams.quotes`)."""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity

from teams.quotes import Quote, quoted

REPLY = "http://schema.skype.com/Reply"


def activity(**fields: Any) -> Activity:
    return Activity.model_validate(
        {"type": "message", "channelId": "msteams", "id": "u1", **fields}
    )


def html(content: str) -> dict[str, str]:
    return {"contentType": "text/html", "content": content}


# As Teams' web client sends a reply quoting a bot message (the preview, then the text).
TEAMS_HTML = (
    f'<blockquote itemscope="" itemtype="{REPLY}" itemid="1701234567890">'
    '<strong itemprop="mri" itemid="28:bot">keplibot</strong>'
    '<span itemprop="time" itemid="1701234567890"></span>'
    '<p itemprop="preview">⏳ Το κέντρο υποστήριξης περιμένει απάντηση…</p>'
    "</blockquote>"
    "<p>Ο αριθμός σειράς: SN&nbsp;44 &amp; <b>PC-07</b></p><p>Ευχαριστώ</p>"
)


def test_the_html_form_gives_the_quoted_id_and_the_text_after_the_quote() -> None:
    found = quoted(
        activity(
            text="⏳ Το κέντρο υποστήριξης περιμένει απάντηση…\r\nΟ αριθμός σειράς: SN 44",
            attachments=[html(TEAMS_HTML)],
        )
    )
    assert found == Quote("1701234567890", "Ο αριθμός σειράς: SN 44 & PC-07\nΕυχαριστώ")


def test_the_entity_comes_first_and_its_preview_is_taken_out_of_the_text() -> None:
    entity = {
        "type": "quotedReply",
        "quotedReply": {
            "messageId": "1:42",
            "senderId": "28:bot",
            "senderName": "keplibot",
            "preview": "💬 Νίκος wrote: Αλλάξαμε το τροφοδοτικό.",
        },
    }
    text = "💬 Νίκος wrote: Αλλάξαμε το τροφοδοτικό.\nΔουλεύει τώρα."
    assert quoted(activity(text=text, entities=[entity])) == Quote("1:42", "Δουλεύει τώρα.")
    # With Teams' HTML as well: the id is the entity's, the text what follows the quote.
    both = quoted(activity(text=text, entities=[entity], attachments=[html(TEAMS_HTML)]))
    assert both is not None
    assert both.message_id == "1:42"
    assert both.text.startswith("Ο αριθμός σειράς")


def test_an_entity_without_a_message_id_quotes_nothing() -> None:
    entities = [
        {"type": "quotedReply", "quotedReply": {"messageId": " ", "preview": "x"}},
        {"type": "clientInfo", "locale": "el-GR"},
    ]
    assert quoted(activity(text="hello", entities=entities)) is None


def test_a_message_without_a_quote_quotes_nothing() -> None:
    assert quoted(activity(text="Πότε είναι η προθεσμία;")) is None
    # Teams sends every message's HTML; a blockquote the person typed is not a reply.
    typed = "<blockquote>a quote I typed</blockquote><p>and my text</p>"
    assert quoted(activity(text="a quote I typed\nand my text", attachments=[html(typed)])) is None
    other = f'<blockquote itemtype="{REPLY}"><p>no id</p></blockquote><p>text</p>'
    assert quoted(activity(text="text", attachments=[html(other)])) is None


def test_only_the_first_reply_quote_is_taken_and_nested_markup_stays_inside_it() -> None:
    content = (
        f'<blockquote itemscope="" itemtype="{REPLY}" itemid="1:7">'
        '<div><p itemprop="preview">first <i>preview</i><br></p><img src="x"></div>'
        "</blockquote>"
        f'<p>mine</p><blockquote itemtype="{REPLY}" itemid="1:8"><p>later</p></blockquote>'
    )
    found = quoted(activity(text="first preview mine", attachments=[html(content)]))
    assert found == Quote("1:7", "mine\nlater")


def test_without_html_the_text_less_the_preview_is_the_persons_own() -> None:
    entity = {"type": "quotedReply", "quotedReply": {"messageId": "1:9", "preview": ""}}
    assert quoted(activity(text="  just this  ", entities=[entity])) == Quote("1:9", "just this")
    # A quote with only images: no text of the person's own.
    only = f'<blockquote itemtype="{REPLY}" itemid="1:9"><p itemprop="preview">p</p></blockquote>'
    assert quoted(activity(text="p", attachments=[html(only)])) == Quote("1:9", "")
