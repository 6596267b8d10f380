"""Images a Teams user sends: inline ones decoded, the connector's fetched with the bot's
token, which never goes anywhere but the conversation's own `serviceUrl`."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from microsoft_agents.activity import Activity

from bot.services.helpdesk.ticket_types import MAX_FILE_BYTES, AttachmentKind
from teams import photos


class Tokens:
    def __init__(self) -> None:
        self.asked = 0

    async def token(self) -> str:
        self.asked += 1
        return "the-bots-token"


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[str | None]]]:
    seen: list[str | None] = []

    async def image(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.Response(body=b"\x89PNG image", content_type="image/png")

    app = web.Application()
    app.router.add_get("/emea/v3/attachments/{aid}/views/o", image)
    app.router.add_get("/elsewhere/{aid}", image)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def activity(*attachments: dict[str, object]) -> Activity:
    return Activity.model_validate({"type": "message", "attachments": list(attachments)})


async def test_the_token_goes_only_to_the_conversations_connector(
    server: tuple[str, list[str | None]],
) -> None:
    base, seen = server
    service = f"{base}/emea/"
    tokens = Tokens()
    found = photos.images(
        activity(
            {
                "contentType": "image/png",
                "contentUrl": f"{service}v3/attachments/a1/views/o",
            },
            {"contentType": "image/png", "contentUrl": f"{base}/elsewhere/a2"},
            {"contentType": "image/jpeg", "contentUrl": f"{base}/emea.evil/v3/attachments/a3"},
            {"contentType": "text/html", "content": "<p>pasted</p>"},
        )
    )
    assert [i.name for i in found] == ["photo-1.png", "photo-2.png", "photo-3.jpg"]
    assert {i.kind for i in found} == {AttachmentKind.PHOTO}
    async with aiohttp.ClientSession() as http:
        fetched = [await photos.fetch(http, tokens, i, service) for i in found]  # type: ignore[arg-type]
    assert [f.data for f in fetched] == [b"\x89PNG image", None, None]
    assert seen == ["Bearer the-bots-token"]  # nothing was asked of the other addresses
    assert tokens.asked == 1


async def test_inline_images_and_files() -> None:
    data = b"\x89PNG inline"
    inline = "data:image/png;base64," + base64.b64encode(data).decode()
    info: dict[str, object] = {
        "contentType": photos.FILE_INFO,
        "name": "log.pdf",
        "content": {"downloadUrl": "https://files.example/log", "fileType": "pdf"},
    }
    found = photos.images(
        activity(
            {"contentType": "image/png", "contentUrl": inline},
            {"contentType": "image/png", "contentUrl": "data:image/png;base64,@@@"},
            info,
        )
    )
    assert [(i.kind, i.signed) for i in found] == [
        (AttachmentKind.PHOTO, True),
        (AttachmentKind.PHOTO, True),
        (AttachmentKind.DOCUMENT, False),
    ]
    assert found[2].mime == "application/pdf"
    tokens = Tokens()
    async with aiohttp.ClientSession() as http:
        good = await photos.fetch(http, tokens, found[0], "")  # type: ignore[arg-type]
        bad = await photos.fetch(http, tokens, found[1], "")  # type: ignore[arg-type]
    assert good.data == data
    assert bad.data is None
    assert tokens.asked == 0
    big = "data:image/png;base64," + base64.b64encode(b"x" * (MAX_FILE_BYTES + 1)).decode()
    [large] = photos.images(activity({"contentType": "image/png", "contentUrl": big}))
    async with aiohttp.ClientSession() as http:
        refused = await photos.fetch(http, tokens, large, "")  # type: ignore[arg-type]
    assert refused == photos.Fetched(None, MAX_FILE_BYTES + 1)


def test_images_telegram_cannot_show_as_photos_go_as_files() -> None:
    found = photos.images(
        activity(
            {"contentType": "image/heic", "contentUrl": "https://x.example/a", "name": "a.heic"},
            {"contentType": "image/gif", "contentUrl": "https://x.example/b"},
        )
    )
    assert [(i.name, i.kind) for i in found] == [
        ("a.heic", AttachmentKind.DOCUMENT),
        ("photo-2.gif", AttachmentKind.DOCUMENT),
    ]
