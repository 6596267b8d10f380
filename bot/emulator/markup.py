"""Validation of `reply_markup`: inline keyboards, custom keyboards, remove, force reply."""

from __future__ import annotations

from typing import Any

from bot.emulator.errors import bad_request

JSON = dict[str, Any]

MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_INLINE_EXTRA = ("style", "icon_custom_emoji_id")
_KEYBOARD_OPTIONS = (
    "is_persistent",
    "resize_keyboard",
    "one_time_keyboard",
    "input_field_placeholder",
    "selective",
)
_KEYBOARD_BUTTON_FIELDS = (
    "text",
    "request_users",
    "request_chat",
    "request_contact",
    "request_location",
    "request_poll",
    "web_app",
)


def _cant_parse() -> Exception:
    return bad_request("can't parse reply keyboard markup JSON object")


def validate_reply_markup(raw: Any, *, inline_only: bool = False) -> JSON | None:
    """The normalised markup, or a 400 `BotApiError` where Telegram would refuse it."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _cant_parse()
    if "inline_keyboard" in raw:
        return {"inline_keyboard": _inline_rows(raw["inline_keyboard"])}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in raw:
        return _custom_keyboard(raw)
    if "remove_keyboard" in raw:
        if raw["remove_keyboard"] is not True:
            raise bad_request('field "remove_keyboard" must be true')
        result: JSON = {"remove_keyboard": True}
        if "selective" in raw:
            result["selective"] = bool(raw["selective"])
        return result
    if "force_reply" in raw:
        if raw["force_reply"] is not True:
            raise bad_request('field "force_reply" must be true')
        result = {"force_reply": True}
        for key in ("input_field_placeholder", "selective"):
            if key in raw:
                result[key] = raw[key]
        return result
    raise _cant_parse()


def _inline_rows(rows: Any) -> list[list[JSON]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return [[_inline_button(button) for button in row] for row in rows]


def _inline_button(button: Any) -> JSON:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton expected")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request("can't parse inline keyboard button: there must be exactly one action")
    action = actions[0]
    value = button[action]
    if action == "callback_data":
        if not isinstance(value, str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "callback_data" must be of type String'
            )
        size = len(value.encode("utf-8"))
        if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if action == "url" and not (
        isinstance(value, str) and value.startswith(("http://", "https://", "tg://"))
    ):
        raise bad_request(f"inline keyboard button URL '{value}' is invalid: Wrong HTTP URL")
    result: JSON = {"text": text, action: value}
    for key in _INLINE_EXTRA:
        if key in button:
            result[key] = button[key]
    return result


def _custom_keyboard(raw: JSON) -> JSON:
    rows = raw["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
        )
    normalised: list[list[JSON]] = []
    for row in rows:
        out_row: list[JSON] = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse keyboard button: KeyboardButton expected")
            if not button["text"].strip():
                raise bad_request("keyboard button text must be non-empty")
            out_row.append({k: button[k] for k in _KEYBOARD_BUTTON_FIELDS if k in button})
        normalised.append(out_row)
    result: JSON = {"keyboard": normalised}
    for key in _KEYBOARD_OPTIONS:
        if key in raw:
            result[key] = raw[key]
    return result


def inline_callback_data(markup: JSON | None) -> list[str]:
    """Every `callback_data` of an inline keyboard (empty for other markups)."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [
        button["callback_data"]
        for row in markup["inline_keyboard"]
        for button in row
        if "callback_data" in button
    ]
