"""The Bot API's error answers, with Telegram's status codes and descriptions."""

from __future__ import annotations

from typing import Any


class BotApiError(Exception):
    """An error answered as `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> BotApiError:
    """400 with Telegram's `Bad Request: ` prefix."""
    return BotApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> BotApiError:
    """403 with Telegram's `Forbidden: ` prefix."""
    return BotApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> BotApiError:
    """429 flood answer; `retry_after` in whole seconds (at least 1)."""
    seconds = max(1, int(retry_after))
    return BotApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def not_found() -> BotApiError:
    """Unknown method or file (Telegram's answer has no prefix)."""
    return BotApiError(404, "Not Found")


def unauthorized() -> BotApiError:
    return BotApiError(401, "Unauthorized")


def bad_gateway() -> BotApiError:
    return BotApiError(502, "Bad Gateway")


def migrated(new_chat_id: int) -> BotApiError:
    """400 for a group upgraded to a supergroup: the new id in `migrate_to_chat_id`."""
    return BotApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )
