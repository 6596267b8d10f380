"""A local stand-in for Microsoft's side of a Teams bot: tests (and a demo) run offline.

One aiohttp app plays

- Entra ID / the Bot Framework's token service: `GET /openid` (OpenID metadata),
  `GET /keys` (its RSA signing key), `POST /token` (the bot's client-credentials grant,
  checked against the app id and password it was made with);
- the Bot Connector at `serviceUrl` (`/emea/`): `POST v3/conversations/{id}/activities`
  (send), `PUT v3/conversations/{id}/activities/{activity}` (update). It is strict where Teams
  is: the bot's bearer token, the Activity schema (the SDK's model, `type` message,
  `from` the bot, the conversation of the URL), a message at most 28 KB, Adaptive Cards
  of version 1.0–1.5 with known element types and `Action.Submit` data as an object;
  anything else is refused (400/401/404/413) and recorded in `refusals`;
- Teams users: `send(user, text)` and `submit(user, message, label)` post activities
  to the bot's endpoint with a token signed by its key (as the Bot Connector does), and
  wait for the bot's answer; `send_image(user, data)` sends an image as Teams does (at
  the connector's `v3/attachments/…`, fetched with the bot's token, or inline);
  `reply(user, message, text)` quotes a bot message as Teams does (a "quotedReply"
  entity, or Teams' HTML with a Reply blockquote);
  `conversation(user)` is what the user saw.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.activity import Activity
from pydantic import ValidationError

MAX_BYTES: Final = 28 * 1024
CARD_VERSIONS: Final = frozenset({"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"})
ELEMENTS: Final = frozenset(
    {"TextBlock", "ActionSet", "Container", "ColumnSet", "Image", "FactSet"}
)
ACTIONS: Final = frozenset({"Action.Submit", "Action.OpenUrl"})
ISSUER: Final = "https://api.botframework.com"
REGION: Final = "/emea/"
JSON = dict[str, Any]


@dataclass(frozen=True)
class TeamsUser:
    """A person in Teams: their ids, name and client locale."""

    aad_object_id: str
    name: str
    locale: str = "el-GR"

    @property
    def id(self) -> str:
        return "29:" + self.aad_object_id

    @property
    def conversation_id(self) -> str:
        return "a:personal-" + self.aad_object_id


@dataclass
class Message:
    """A message the bot sent, as it is now (after updates)."""

    id: str
    activity: JSON
    versions: list[JSON] = field(default_factory=list)

    @property
    def card(self) -> JSON | None:
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                content: JSON = attachment["content"]
                return content
        return None

    @property
    def text(self) -> str:
        """What the person reads: the text, or the card's text blocks, line by line."""
        parts = [self.activity["text"]] if self.activity.get("text") else []
        card = self.card
        if card is not None:
            parts += [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
        return "\n".join(parts)

    @property
    def buttons(self) -> list[JSON]:
        card = self.card
        if card is None:
            return []
        return [a for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]

    @property
    def labels(self) -> list[str]:
        return [str(a["title"]) for a in self.buttons]

    @property
    def files(self) -> list[JSON]:
        return [
            a
            for a in self.activity.get("attachments") or []
            if a.get("contentType") != "application/vnd.microsoft.card.adaptive"
        ]

    def data_of(self, label: str) -> JSON:
        for action in self.buttons:
            if label in str(action["title"]):
                data: JSON = action["data"]
                return data
        raise AssertionError(f"no button {label!r} in {self.labels}")


def _card_problems(card: object) -> list[str]:
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return ["the attachment's content is not an AdaptiveCard"]
    problems = []
    if card.get("version") not in CARD_VERSIONS:
        problems.append(f"card version {card.get('version')!r}")
    body = card.get("body")
    if not isinstance(body, list):
        return [*problems, "card body is not a list"]
    for element in body:
        kind = element.get("type") if isinstance(element, dict) else None
        if kind not in ELEMENTS:
            problems.append(f"unknown element {kind!r}")
        elif kind == "TextBlock" and not isinstance(element.get("text"), str):
            problems.append("a TextBlock without text")
        elif kind == "ActionSet":
            for action in element.get("actions") or []:
                if action.get("type") not in ACTIONS or not action.get("title"):
                    problems.append(f"bad action {action!r}")
                elif action["type"] == "Action.Submit" and not isinstance(
                    action.get("data"), dict
                ):
                    problems.append("Action.Submit data is not an object")
                elif action["type"] == "Action.OpenUrl" and not str(
                    action.get("url", "")
                ).startswith(("https://", "http://")):
                    problems.append("Action.OpenUrl without an http(s) url")
    return problems


class StandIn:
    """The stand-in server; `await start()`, then point the bot's settings at `settings()`."""

    def __init__(
        self,
        app_id: str = "00000000-0000-4000-8000-00000000b07",
        password: str | None = "secret-of-the-test-bot",
        certificate: x509.Certificate | None = None,
    ) -> None:
        self.app_id = app_id
        self.password = password
        self.certificate = certificate  # the app's certificate credential, if it has one
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "standin-key-1"
        self.bot_url = ""  # the bot's messaging endpoint, set by the test
        self.url = ""
        self.tokens: set[str] = set()
        self.messages: dict[str, list[Message]] = {}
        self.refusals: list[str] = []
        # conversation id → (status, headers) of the next send's answer (a fault to test).
        self.faults: dict[str, tuple[int, dict[str, str]]] = {}
        self.uploads: dict[str, bytes] = {}  # files users sent, at their download URLs
        self.images: dict[str, bytes] = {}  # images users sent, at the connector
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    # --- server -------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/openid", self._openid)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/token", self._token)
        # The Bot Connector under a regional path, as Teams' serviceUrl has one.
        app.router.add_post(f"{REGION}v3/conversations/{{cid}}/activities", self._send)
        app.router.add_post(f"{REGION}v3/conversations/{{cid}}/activities/{{aid}}", self._send)
        app.router.add_put(f"{REGION}v3/conversations/{{cid}}/activities/{{aid}}", self._update)
        app.router.add_get("/files/{token}", self._file)
        app.router.add_get(f"{REGION}v3/attachments/{{aid}}/views/original", self._image)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._http = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def service_url(self) -> str:
        """The Bot Connector's URL in activities (Teams': https://smba.trafficmanager.net/emea/)."""
        return f"{self.url}{REGION}"

    def settings(self) -> dict[str, Any]:
        """The bot's settings that point it here (with the secret, when the app has one)."""
        return {
            "teams_app_id": self.app_id,
            "teams_app_password": self.password,
            "teams_openid_metadata": f"{self.url}/openid",
            "teams_token_issuer": ISSUER,
            "teams_token_url": f"{self.url}/token",
        }

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{self.url}/keys"})

    async def _keys(self, request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return web.json_response({"keys": [jwk]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != self.app_id
            or form.get("scope") != "https://api.botframework.com/.default"
            or not self._credential_ok(form)
        ):
            return self._refuse("token request refused", 401)
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": token}
        )

    def _credential_ok(self, form: Any) -> bool:
        """The client secret, or a client assertion signed with the app's certificate."""
        assertion = form.get("client_assertion")
        if assertion is None:
            return self.password is not None and form.get("client_secret") == self.password
        if self.certificate is None or form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return False
        thumbprint = base64.urlsafe_b64encode(self.certificate.fingerprint(hashes.SHA1()))
        try:
            if (
                jwt.get_unverified_header(str(assertion)).get("x5t")
                != thumbprint.rstrip(b"=").decode()
            ):
                return False
            claims = jwt.decode(
                str(assertion),
                self.certificate.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256"],
                audience=f"{self.url}/token",
                issuer=self.app_id,
                options={"require": ["exp", "nbf", "jti", "sub"]},
            )
        except jwt.PyJWTError:
            return False
        return bool(claims.get("sub") == self.app_id)

    def _refuse(self, reason: str, status: int) -> web.Response:
        self.refusals.append(reason)
        return web.json_response(
            {"error": {"code": "BadArgument", "message": reason}}, status=status
        )

    async def _checked(self, request: web.Request) -> JSON | web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            return self._refuse("the bot's token is missing or unknown", 401)
        body = await request.read()
        if len(body) > MAX_BYTES:
            return self._refuse(f"message of {len(body)} bytes (limit {MAX_BYTES})", 413)
        data = json.loads(body)
        try:
            Activity.model_validate(data)
        except ValidationError as exc:
            return self._refuse(f"not an activity: {exc}", 400)
        cid = request.match_info["cid"]
        problems = []
        if data.get("type") != "message":
            problems.append(f"type {data.get('type')!r}")
        if (data.get("from") or {}).get("id") != f"28:{self.app_id}":
            problems.append("from is not the bot")
        if (data.get("conversation") or {}).get("id") != cid:
            problems.append("conversation does not match the URL")
        if cid not in self.messages:
            return self._refuse(f"unknown conversation {cid}", 404)
        attachments = data.get("attachments") or []
        if not data.get("text") and not attachments:
            problems.append("a message without text or attachments")
        for attachment in attachments:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                problems += _card_problems(attachment.get("content"))
            elif not attachment.get("contentUrl") or not attachment.get("name"):
                problems.append("a file without contentUrl or name")
        if problems:
            return self._refuse("; ".join(problems), 400)
        return data

    async def _send(self, request: web.Request) -> web.Response:
        fault = self.faults.pop(request.match_info["cid"], None)
        if fault is not None:
            status, headers = fault
            error = {"error": {"code": "Fault", "message": f"fault {status}"}}
            return web.json_response(error, status=status, headers=headers)
        data = await self._checked(request)
        if isinstance(data, web.Response):
            return data
        message = Message(f"1:{next(self._ids)}", data)
        self.messages[request.match_info["cid"]].append(message)
        return web.json_response({"id": message.id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        data = await self._checked(request)
        if isinstance(data, web.Response):
            return data
        for message in self.messages[request.match_info["cid"]]:
            if message.id == request.match_info["aid"]:
                message.versions.append(message.activity)
                message.activity = data
                return web.json_response({"id": message.id})
        return self._refuse("no such activity", 404)

    # --- acting as Teams ----------------------------------------------------------------

    def token(
        self,
        *,
        audience: str | None = None,
        service_url: str | None = None,
        key: Any = None,
        lifetime: int = 3600,
    ) -> str:
        """A Bot Connector token for the bot (tests forge bad ones with the arguments)."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience or self.app_id,
            "serviceurl": service_url or self.service_url,
            "nbf": now - 10,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def activity(self, user: TeamsUser, **fields: Any) -> JSON:
        self.messages.setdefault(user.conversation_id, [])
        return {
            "type": "message",
            "id": f"u{next(self._ids)}",
            "timestamp": "2026-12-03T16:00:00Z",
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": user.id, "name": user.name, "aadObjectId": user.aad_object_id},
            "recipient": {"id": f"28:{self.app_id}", "name": "keplibot"},
            "conversation": {
                "id": user.conversation_id,
                "conversationType": "personal",
                "tenantId": "t-1",
            },
            "locale": user.locale,
            **fields,
        }

    async def post(self, activity: JSON, *, token: str | None = "valid") -> int:
        """Post `activity` to the bot as the Bot Connector does; the HTTP status."""
        assert self._http is not None
        headers = {}
        if token == "valid":
            headers["Authorization"] = f"Bearer {self.token()}"
        elif token is not None:
            headers["Authorization"] = token
        async with self._http.post(self.bot_url, json=activity, headers=headers) as resp:
            return resp.status

    def conversation(self, user: TeamsUser) -> list[Message]:
        return self.messages.get(user.conversation_id, [])

    async def send(self, user: TeamsUser, text: str) -> list[Message]:
        """The user types `text`; the bot's new messages."""
        before = len(self.conversation(user))
        status = await self.post(self.activity(user, text=text))
        assert status == 200, status
        return self.conversation(user)[before:]

    async def submit(
        self, user: TeamsUser, message: Message, label: str, *, data: JSON | None = None
    ) -> list[Message]:
        """The user presses `label` on `message`'s card (or submits `data` from it)."""
        value = data if data is not None else message.data_of(label)
        before = len(self.conversation(user))
        status = await self.post(self.activity(user, value=value, replyToId=message.id))
        assert status == 200, status
        return self.conversation(user)[before:]

    async def _file(self, request: web.Request) -> web.Response:
        data = self.uploads.get(request.match_info["token"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def send_file(self, user: TeamsUser, name: str, data: bytes) -> list[Message]:
        """The user sends a file in the personal chat (as Teams delivers it to a bot that
        supports files: a download URL, valid without a token)."""
        token = secrets.token_urlsafe(16)
        self.uploads[token] = data
        info = {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": name,
            "contentUrl": f"{self.url}/sharepoint/{token}",
            "content": {
                "downloadUrl": f"{self.url}/files/{token}",
                "uniqueId": token,
                "fileType": name.rpartition(".")[2].lower(),
            },
        }
        before = len(self.conversation(user))
        status = await self.post(self.activity(user, attachments=[info]))
        assert status == 200, status
        return self.conversation(user)[before:]

    async def _image(self, request: web.Request) -> web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            return self._refuse("an image fetched without the bot's token", 401)
        data = self.images.get(request.match_info["aid"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="image/png")

    def image_attachment(self, data: bytes, *, inline: bool = False) -> JSON:
        """An image as Teams attaches it to a user's message."""
        if inline:
            url = "data:image/png;base64," + base64.b64encode(data).decode()
        else:
            aid = secrets.token_urlsafe(12)
            self.images[aid] = data
            url = f"{self.service_url}v3/attachments/{aid}/views/original"
        return {"contentType": "image/png", "contentUrl": url}

    async def send_image(
        self, user: TeamsUser, *images: bytes, inline: bool = False, text: str = ""
    ) -> list[Message]:
        """The user sends one message with `images` (and `text`); the bot's new messages."""
        attachments = [self.image_attachment(data, inline=inline) for data in images]
        before = len(self.conversation(user))
        activity = self.activity(user, attachments=attachments, text=text)
        status = await self.post(activity)
        assert status == 200, status
        return self.conversation(user)[before:]

    def quote(self, message: Message, text: str, *, form: str = "entity") -> JSON:
        """The fields of a user's activity that quote `message` with the new `text`, as
        Teams sends a quoted reply: `form` "entity" (a "quotedReply" entity, newer Teams)
        or "html" (Teams' HTML with a Reply blockquote; the text then starts with the
        quoted preview, as older clients put it)."""
        preview = message.text[:80]
        html_text = html.escape(text).replace("\n", "<br>")
        if form == "entity":
            entity = {
                "type": "quotedReply",
                "quotedReply": {
                    "messageId": message.id,
                    "senderId": f"28:{self.app_id}",
                    "senderName": "keplibot",
                    "preview": preview,
                    "time": "2026-12-03T16:00:00Z",
                    "isReplyDeleted": False,
                    "validatedMessageReference": True,
                },
            }
            page = f"<p>{html_text}</p>"
            return {"text": text, "entities": [entity], "attachments": [self._html(page)]}
        if form != "html":
            raise ValueError(f"no quote form {form!r}")
        page = (
            '<blockquote itemscope="" itemtype="http://schema.skype.com/Reply" '
            f'itemid="{html.escape(message.id)}"><strong itemprop="mri">28:{self.app_id}'
            f'</strong><span itemprop="time" itemid="{html.escape(message.id)}"></span>'
            f'<p itemprop="preview">{html.escape(preview)}</p></blockquote>'
            f"<p>{html_text}</p>"
        )
        return {"text": f"{preview}\r\n{text}", "attachments": [self._html(page)]}

    @staticmethod
    def _html(content: str) -> JSON:
        return {"contentType": "text/html", "content": content}

    async def reply(
        self,
        user: TeamsUser,
        message: Message,
        text: str,
        *,
        form: str = "entity",
        images: tuple[bytes, ...] = (),
        message_id: str | None = None,
    ) -> list[Message]:
        """The user quotes `message` (or, forged, the id `message_id`) and writes `text`,
        with `images`; the bot's new messages. The activity must pass the SDK's Activity
        schema, as every activity the stand-in sends or takes."""
        fields = self.quote(message, text, form=form)
        if message_id is not None:  # a quote of a message the user never saw
            fields = self.quote(Message(message_id, message.activity), text, form=form)
        fields["attachments"] += [self.image_attachment(data) for data in images]
        activity = self.activity(user, **fields)
        Activity.model_validate(activity)  # as the bot reads it: a malformed one fails here
        before = len(self.conversation(user))
        status = await self.post(activity)
        assert status == 200, status
        return self.conversation(user)[before:]

    async def download(self, attachment: JSON) -> bytes:
        url = str(attachment["contentUrl"])
        if url.startswith("data:"):
            return base64.b64decode(url.partition(",")[2])
        assert self._http is not None
        async with self._http.get(url) as resp:
            assert resp.status == 200, resp.status
            return await resp.read()
