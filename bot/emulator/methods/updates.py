"""Getting updates: getMe, logOut, close, getUpdates and the webhook methods."""

from __future__ import annotations

import asyncio
import itertools
import re

from bot.emulator.errors import BotApiError, bad_request
from bot.emulator.methods.base import (
    BotApi,
    Described,
    api_method,
)
from bot.emulator.params import Params
from bot.emulator.state import (
    DEFAULT_UPDATE_TYPES,
    JSON,
    WebhookConfig,
    World,
)

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@api_method("getMe")
async def get_me(api: BotApi, p: Params) -> JSON:
    return {
        **api.world.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("logOut")
async def log_out(api: BotApi, p: Params) -> bool:
    return True


@api_method("close")
async def close(api: BotApi, p: Params) -> bool:
    return True


def interrupt_polling(world: World, reason: str) -> None:
    world.poll_generation += 1
    world.poll_end_reason = reason
    world.update_signal.bump()


@api_method("getUpdates")
async def get_updates(api: BotApi, p: Params) -> list[JSON]:
    world = api.world
    if world.webhook is not None:
        raise BotApiError(409, CONFLICT_WEBHOOK)
    offset = p.integer("offset")
    limit = min(max(p.integer("limit", default=100) or 100, 1), 100)
    timeout = max(p.number("timeout", 0.0) or 0.0, 0.0)
    allowed = p.json_list("allowed_updates", what="allowed updates")
    if allowed is not None:
        world.allowed_updates = frozenset(allowed) or DEFAULT_UPDATE_TYPES
    if offset is not None and offset != 0:
        world.confirm_updates(offset)
    interrupt_polling(
        world, "terminated by other getUpdates request; make sure that only one bot instance "
        "is running"
    )  # fmt: skip
    generation = world.poll_generation
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if world.poll_generation != generation:
            raise BotApiError(409, f"Conflict: {world.poll_end_reason}")
        if world.updates:
            return list(itertools.islice(world.updates, limit))
        remaining = deadline - loop.time()
        if remaining <= 0 or api.closing.is_set():
            return []
        await world.update_signal.wait_past(world.update_signal.version, remaining)


@api_method("setWebhook")
async def set_webhook(api: BotApi, p: Params) -> Described:
    world = api.world
    url = (p.string("url") or "").strip()
    if not url:
        return await delete_webhook(api, p)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.string("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.integer("max_connections", default=40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = p.json_list("allowed_updates", what="allowed updates")
    if p.flag("drop_pending_updates"):
        world.drop_pending_updates()
    same = world.webhook is not None and world.webhook.url == url
    world.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=max_connections,
        allowed_updates=allowed if allowed else None,
        ip_address=p.string("ip_address"),
        has_custom_certificate="certificate" in p.uploads,
    )
    interrupt_polling(world, "terminated by setWebhook request")
    api.webhook_changed()
    return Described(True, "Webhook is already set" if same else "Webhook was set")


@api_method("deleteWebhook")
async def delete_webhook(api: BotApi, p: Params) -> Described:
    world = api.world
    existed = world.webhook is not None
    world.webhook = None
    if p.flag("drop_pending_updates"):
        world.drop_pending_updates()
    api.webhook_changed()
    world.update_signal.bump()
    return Described(True, "Webhook was deleted" if existed else "Webhook is already deleted")


@api_method("getWebhookInfo")
async def get_webhook_info(api: BotApi, p: Params) -> JSON:
    hook = api.world.webhook
    info: JSON = {
        "url": hook.url if hook else "",
        "has_custom_certificate": bool(hook and hook.has_custom_certificate),
        "pending_update_count": len(api.world.updates),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.allowed_updates:
            info["allowed_updates"] = hook.allowed_updates
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message or ""
    return info
