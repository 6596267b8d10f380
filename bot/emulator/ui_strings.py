"""Labels of the emulator's web chat page, translated with the project's Babel catalogs.

The page is static (no build step), so it fetches these from `/sim/ui?locale=el`
instead of carrying its own translations.
"""

from __future__ import annotations

from typing import Final

from bot.i18n import N_, get_translator

UI_STRINGS: Final[dict[str, str]] = {
    "title": N_("keplibot: offline demo"),
    "subtitle": N_("Talk to the bot as on a phone. Nothing leaves this computer."),
    "who_are_you": N_("Who are you?"),
    "existing_users": N_("Continue as"),
    "new_user": N_("New user"),
    "first_name": N_("First name"),
    "last_name": N_("Last name (optional)"),
    "username": N_("Username (optional)"),
    "language": N_("Telegram language"),
    "greek": N_("Greek"),
    "english": N_("English"),
    "start_chatting": N_("Start chatting"),
    "switch_user": N_("Switch user"),
    "ui_language": N_("Interface language"),
    "chat_with_bot": N_("Chat with the bot"),
    "bot_label": N_("bot"),
    "typing": N_("typing…"),
    "uploading": N_("sending a file…"),
    "edited": N_("edited"),
    "message_placeholder": N_("Message"),
    "send": N_("Send"),
    "attach": N_("Attach"),
    "attach_photo": N_("Photo"),
    "attach_document": N_("Document"),
    "menu": N_("Menu"),
    "no_commands": N_("The bot has not set any commands."),
    "download": N_("Download"),
    "photo": N_("Photo"),
    "document": N_("Document"),
    "voice": N_("Voice message"),
    "forwarded": N_("Forwarded message"),
    "reply": N_("Reply"),
    "replying_to": N_("Replying to"),
    "cancel": N_("Cancel"),
    "topic": N_("Topic"),
    "general_topic": N_("General"),
    "all_topics": N_("All topics"),
    "topic_created": N_("Topic created: {name}"),
    "topic_edited": N_("Topic renamed: {name}"),
    "topic_closed": N_("Topic closed"),
    "topic_reopened": N_("Topic reopened"),
    "empty_chat": N_("No messages yet. Send /start to begin."),
    "blocked": N_("You have blocked the bot. Send a message to unblock it."),
    "block_bot": N_("Block the bot"),
    "unblock_bot": N_("Unblock the bot"),
    "connection_lost": N_("Connection to the emulator lost. Retrying…"),
    "send_failed": N_("Could not send: {error}"),
    "open_link": N_("Open link"),
    "opens_link": N_("The bot asks to open a link: {url}"),
    "hide_keyboard": N_("Hide keyboard"),
    "show_keyboard": N_("Show keyboard"),
    "close": N_("Close"),
    "name_required": N_("Please enter a first name."),
    # The demo's personas (sample people): who the person at the page can be.
    "demo_personas": N_("Try it as"),
    "demo_teams": N_("The same teachers in Microsoft Teams (offline stand-in) ↗"),
    "demo_personas_hint": N_(
        "Sample people of the demo: teachers of different schools, staff of two support "
        "centres and the administrator. Switch between them at any time from the list at "
        "the top of the chat."
    ),
    "switch_persona": N_("Switch person"),
    "chat_list": N_("Chat"),
    "role_teacher": N_("Teacher"),
    "role_staff": N_("Support-centre staff"),
    "role_admin": N_("Administrator"),
    "hint_teacher": N_(
        "As a teacher: send /report (or a photo) to report a fault, /reminders to follow "
        "the deadlines, /points to compute your points, or ask a question."
    ),
    "hint_staff": N_(
        "As staff: open your centre's staff group from the list above. New fault reports "
        "arrive there, with buttons to take them, reply and resolve."
    ),
    "hint_admin": N_(
        "As the administrator: /deadlines manages the dates of the selection process, "
        "/invite makes a staff invitation, /staff lists and removes the staff."
    ),
}


def ui_strings(locale: str | None) -> tuple[str, dict[str, str]]:
    """(normalised locale, {key: translated label}) for the web page."""
    tr = get_translator(locale)
    return tr.locale, {key: tr.gettext(message) for key, message in UI_STRINGS.items()}
