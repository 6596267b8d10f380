"""Images (and files) a teacher sends in a Teams personal chat: the report's attachments.

Teams delivers an image pasted or attached in a personal chat as an attachment with an
`image/*` content type and a `contentUrl`: either inline (`data:image/…;base64,…`) or a
URL of the Bot Connector that answers only with the bot's token. The token is sent only
to a URL under the activity's `serviceUrl` (the one its signed token names), never to
anything else a message could point at. The bytes are kept in the database
(`bot.services.channels.store_file`) and the attachment's file id is that stored file's
reference, so the staff chat on Telegram gets the photo as an upload. A file (Teams' "file
download info", a pre-authorised URL) is kept the same way, as a document
(`handlers.helpdesk.outbox`), as a Telegram photo is passed on by its file id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from dataclasses import dataclass
from typing import Final

import aiohttp
from microsoft_agents.activity import Activity

from bot.services import channels
from bot.services.helpdesk.ticket_types import MAX_FILE_BYTES, AttachmentKind, NewAttachment
from teams.auth import TokenSource
from teams.turn import CHANNEL, Turn

log = logging.getLogger(__name__)

TIMEOUT: Final = aiohttp.ClientTimeout(total=30)
EXTENSIONS: Final = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}
PHOTOS: Final = frozenset({"image/png", "image/jpeg"})


FILE_INFO: Final = "application/vnd.microsoft.teams.file.download.info"
MIMES: Final = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


@dataclass(frozen=True)
class Image:
    """An image (or a file) of an activity: its content type and where its bytes are.

    `signed`: the URL answers only with the bot's token (the connector's); a file's
    download URL is pre-authorised by Teams."""

    mime: str
    url: str
    name: str
    kind: AttachmentKind = AttachmentKind.PHOTO
    signed: bool = True


@dataclass(frozen=True)
class Fetched:
    """An image's bytes (None: it could not be had) and its size when it was too large."""

    data: bytes | None
    too_large: int | None = None


def images(activity: Activity) -> list[Image]:
    """The images attached to a message (inline or at the connector), in order."""
    found = []
    for number, attachment in enumerate(activity.attachments or [], start=1):
        mime = (attachment.content_type or "").lower()
        url = attachment.content_url or ""
        if mime.startswith("image/") and url:
            extension = EXTENSIONS.get(mime, "img")
            name = attachment.name or f"photo-{number}.{extension}"
            # Telegram shows JPEG and PNG as photos; anything else (HEIC, GIF…) goes as a file.
            kind = AttachmentKind.PHOTO if mime in PHOTOS else AttachmentKind.DOCUMENT
            found.append(Image(mime, url, name, kind))
        elif mime == FILE_INFO and isinstance(attachment.content, dict):
            download = attachment.content.get("downloadUrl")
            name = attachment.name or f"file-{number}"
            file_type = str(attachment.content.get("fileType") or "").lower()
            if isinstance(download, str) and download.startswith(("https://", "http://")):
                file_mime = MIMES.get(file_type, "application/octet-stream")
                found.append(Image(file_mime, download, name, AttachmentKind.DOCUMENT, False))
    return found


def _inline(url: str) -> bytes | None:
    header, _, payload = url.partition(",")
    if not header.endswith(";base64"):
        return None
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


async def fetch(
    http: aiohttp.ClientSession, tokens: TokenSource, image: Image, service_url: str
) -> Fetched:
    """The image's bytes: inline, or downloaded from the connector with the bot's token."""
    if image.url.startswith("data:"):
        data = _inline(image.url)
        if data is not None and len(data) > MAX_FILE_BYTES:
            return Fetched(None, len(data))
        return Fetched(data)
    headers = {}
    if image.signed:  # the bot's token goes only to the conversation's own connector
        if not service_url or not image.url.startswith(service_url.rstrip("/") + "/"):
            log.warning("teams: an image outside the conversation's service was not fetched")
            return Fetched(None)
        headers["Authorization"] = f"Bearer {await tokens.token()}"
    try:
        async with http.get(image.url, headers=headers, timeout=TIMEOUT) as resp:
            if resp.status != 200:
                log.warning("teams: an image download answered %s", resp.status)
                return Fetched(None)
            data = await resp.content.read(MAX_FILE_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("teams: an image was not downloaded: %s", type(exc).__name__)
        return Fetched(None)
    if len(data) > MAX_FILE_BYTES:
        return Fetched(None, resp.content_length or len(data))
    return Fetched(data)


def pending(image: Image, size: int) -> NewAttachment:
    """The attachment an image would be, before it is stored (to ask the draft first)."""
    return NewAttachment(image.kind, "stored:0", None, None, image.name, image.mime, size)


async def keep(turn: Turn, image: Image, data: bytes) -> NewAttachment:
    """Store the image's bytes for this teacher; the attachment that refers to them."""
    async with turn.runtime.sessions() as session:
        ref = await channels.store_file(
            session,
            CHANNEL,
            turn.user_id,
            data,
            name=image.name,
            mime=image.mime,
            now=turn.runtime.clock(),
        )
    unique = hashlib.sha256(data).hexdigest()[:32]
    return NewAttachment(image.kind, ref, unique, None, image.name, image.mime, len(data))
