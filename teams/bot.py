"""`POST /api/messages`: the Bot Connector's activities, checked, turned into turns.

Every request is refused (401, nothing read further) unless its token is the Bot
Connector's for this bot and this activity's `serviceUrl` (`teams.auth`). A valid
activity from a personal chat is answered through the connector (`teams.connector`)
before the request returns 200; a group or channel conversation is told that keplibot
works in a personal chat. One conversation's activities are handled one at a time (in
this process, and on PostgreSQL across processes); its state is read before and written
after each (the database), with the ids of its latest activities, so that one the Bot
Connector sends again (a retry) is answered once. Ids longer than keplibot stores get 400.

What an activity becomes:

- a card submit (`value` = {"a": packed action}): the action of its codec (points, FAQ,
  reminders, calendar, main menu, flow, language); data that parse as nothing, or that
  no longer fit the conversation, get "This button is no longer active." and change nothing;
- a JSON file (Teams' file download info, the manifest allows files): a declaration to
  score, as on Telegram;
- images or other files: the fault report's photos and documents (`teams.report`), or a
  message for a ticket after «Reply / add photos» (`teams.tickets`);
- a quoted reply to a notice about one of the person's tickets (`teams.quotes`): its text
  and images go to that ticket, as after «Reply / add photos»; another quote is an
  ordinary message (its own text, without the quoted one);
- a text: a command (`/points`, `points`, `/faq`, `/mypoints`, `/report`, `/mytickets`,
  `/reminders`, `/calendar`, `/privacy`, `/mydata`, `/delete`, `/cancel`, `/start`, `/help`,
  `/language`, as Teams' command list sends them), else a message for a ticket, else the
  answer to the question on screen (points, report), else an FAQ question;
- the bot added to a personal chat (`conversationUpdate`): the greeting and the menu.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, Final

import aiohttp
from aiohttp import web
from microsoft_agents.activity import Activity
from pydantic import ValidationError

from bot.config import Settings, SettingsError
from bot.dialogs.common import (
    LANGUAGE_ACTIONS,
    CancelFlow,
    DiscardFlow,
    KeepFlow,
    LeaveFlow,
    language,
)
from bot.dialogs.common import flow as flow_codec
from bot.dialogs.common import privacy as privacy_codec
from bot.dialogs.faq.actions import faq as faq_codec
from bot.dialogs.helpdesk.actions import teacher as teacher_codec
from bot.dialogs.helpdesk.report.actions import REPORT
from bot.dialogs.menu import MainMenu, OpenFaq, OpenPoints, OpenReminders, OpenReport, menu
from bot.dialogs.points.actions import points as points_codec
from bot.dialogs.reminders.actions import calendar as calendar_codec
from bot.dialogs.reminders.actions import reminders as reminders_codec
from bot.i18n import get_translator, pick_locale
from bot.runtime import Runtime
from bot.services import channels
from bot.services.exclusive import in_turn
from bot.services.points.files import MAX_FILE_BYTES
from bot.ui import Action, Codec
from teams import faq, flows, photos, points, quotes, reminders, report, tickets
from teams import privacy as teams_privacy
from teams.actions import ShowLanguages, ShowPrivacy, teams
from teams.auth import InboundAuth, TokenSource, Unauthorized, require_teams
from teams.connector import Connector, Conversation
from teams.files import ROUTE, FileStore
from teams.notifier import TeamsNotifier
from teams.render import submitted
from teams.turn import CHANNEL, Turn, greeting, languages, main_menu

log = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 256 * 1024
# The ids of a conversation's latest activities, kept in its state: a retried one is
# answered once.
SURROGATE: Final = re.compile("[\ud800-\udfff]")
HANDLED: Final = "handled"
HANDLED_KEPT: Final = 20
FILE_INFO: Final = "application/vnd.microsoft.teams.file.download.info"
DOWNLOAD_TIMEOUT: Final = aiohttp.ClientTimeout(total=20)
CODECS: Final[tuple[Codec, ...]] = (
    points_codec,
    faq_codec,
    REPORT,
    teacher_codec,
    privacy_codec,
    menu,
    flow_codec,
    language,
    teams,
    reminders_codec,
    calendar_codec,
)
COMMANDS: Final = frozenset(
    {"start", "help", "menu", "points", "mypoints", "faq", "cancel", "language"}
    | {"report", "mytickets"}  # the helpdesk
    | {"reminders", "calendar"}
    | {"privacy", "mydata", "delete"}
)


def check_settings(settings: Settings) -> None:
    """SettingsError naming what the Teams channel lacks (its app, PUBLIC_BASE_URL)."""
    require_teams(settings)
    if not settings.public_base_url:
        raise SettingsError("PUBLIC_BASE_URL: needed with TEAMS_APP_ID (files are offered there)")


def json_file(activity: Activity) -> tuple[str, str] | None:
    """(name, download URL) of a JSON file sent in a personal chat (Teams' "file download
    info" attachment), else None."""
    for attachment in activity.attachments or []:
        content = attachment.content if isinstance(attachment.content, dict) else {}
        url = content.get("downloadUrl")
        name = attachment.name or ""
        if (
            attachment.content_type == FILE_INFO
            and isinstance(url, str)
            and url.startswith(("https://", "http://"))
            and (content.get("fileType") == "json" or name.lower().endswith(".json"))
        ):
            return name, url
    return None


async def read_up_to(stream: aiohttp.StreamReader, limit: int) -> bytes:
    """The stream to its end, or to one byte over `limit` (`read(n)` alone returns what
    has arrived so far: the first chunk of a long body)."""
    data = bytearray()
    while len(data) <= limit:
        chunk = await stream.read(limit + 1 - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def whole_characters(data: Any) -> Any:
    """`data` (parsed JSON) with each half of a UTF-16 pair JSON escaped alone ("\\ud800")
    as U+FFFD: such a string can be neither stored nor sent on."""
    if isinstance(data, str):
        return SURROGATE.sub("\ufffd", data)
    if isinstance(data, list):
        return [whole_characters(item) for item in data]
    if isinstance(data, dict):
        return {whole_characters(k): whole_characters(v) for k, v in data.items()}
    return data


def storable(activity: Activity) -> bool:
    """Whether the activity's sender and conversation ids fit what keplibot stores
    (`bot.services.channels`); Teams' own never exceed it."""
    sender, conversation = activity.from_property, activity.conversation
    external = (sender.aad_object_id or sender.id or "") if sender is not None else ""
    conversation_id = conversation.id if conversation is not None else ""
    return (
        len(external) <= channels.MAX_EXTERNAL_ID
        and len(conversation_id) <= channels.MAX_CONVERSATION_ID
    )


def parse_action(data: str | None) -> Action | None:
    """The action packed in a card's data, by its namespace; None for anything else."""
    for codec in CODECS:
        action = codec.parse(data)
        if action is not None:
            return action
    return None


class TeamsAdapter:
    """The Teams channel of one running bot (built by `teams.web.add_routes`)."""

    def __init__(self, runtime: Runtime, http: aiohttp.ClientSession) -> None:
        settings = runtime.settings
        check_settings(settings)
        assert settings.public_base_url is not None
        self.runtime = runtime
        self._http = http
        self.auth = InboundAuth(settings, http)
        self.connector = Connector(TokenSource(settings, http))
        self.files = FileStore(settings.public_base_url)
        # Notices sent on the core's own account: the queues' (`teams.web` registers it).
        self.notifier = TeamsNotifier(runtime, self.connector, self.files)
        # One conversation's activities one after the other: conversation → (lock, waiting).
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    # --- HTTP ---------------------------------------------------------------------------

    async def messages(self, request: web.Request) -> web.Response:
        body = await read_up_to(request.content, MAX_BODY_BYTES)
        if len(body) > MAX_BODY_BYTES:
            return web.json_response({"error": "body too large"}, status=413)
        try:
            data = whole_characters(json.loads(body))
            service_url = data["serviceUrl"] if isinstance(data, dict) else None
        except (ValueError, KeyError, RecursionError):  # nested deeper than any activity
            data = service_url = None
        try:
            await self.auth.claims(request.headers.get("Authorization"), str(service_url))
        except Unauthorized as exc:
            log.warning("teams: request refused: %s", exc)
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            activity = Activity.model_validate(data)
        except ValidationError:
            return web.json_response({"error": "not an activity"}, status=400)
        if activity.channel_id != "msteams" or activity.conversation is None:
            return web.json_response({"error": "not a Teams activity"}, status=400)
        if not storable(activity):
            return web.json_response({"error": "ids too long"}, status=400)
        await self._in_order(activity.conversation.id, activity)
        return web.Response(status=200)

    async def _in_order(self, key: str, activity: Activity) -> None:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            # In this process, then across processes on one PostgreSQL (webhook workers).
            async with lock, in_turn(self.runtime.engine, f"teams:{key}"):
                await self.on_activity(activity)
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def add_routes(self, web_app: web.Application) -> None:
        web_app.router.add_post("/api/messages", self.messages)
        web_app.router.add_get(ROUTE, self.files.serve)

    # --- one activity -------------------------------------------------------------------

    async def on_activity(self, activity: Activity) -> None:
        sender = activity.from_property
        conversation = activity.conversation
        if sender is None or conversation is None or activity.recipient is None:
            return
        external = sender.aad_object_id or sender.id
        if not external:
            return
        where = Conversation(
            service_url=activity.service_url or "",
            conversation_id=conversation.id,
            bot_id=activity.recipient.id,
            bot_name=activity.recipient.name or "keplibot",
            user_id=sender.id,
            tenant_id=conversation.tenant_id,
        )
        personal = (conversation.conversation_type or "personal") == "personal"
        if activity.type == "conversationUpdate":
            added = [m.id for m in activity.members_added or []]
            if personal and where.bot_id in added:
                turn = await self._turn(activity, where, external)
                await turn.show(main_menu(turn.tr, greeting(turn.tr, sender.name)))
                await self._save(turn)
            return
        if activity.type != "message":
            return
        turn = await self._turn(activity, where, external)
        handled = turn.state.get(HANDLED)
        handled = [i for i in handled if isinstance(i, str)] if isinstance(handled, list) else []
        if activity.id and activity.id in handled:
            # The Bot Connector's retry of an activity already answered: answered once.
            log.info("teams: activity %s came again: already handled", activity.id)
            return
        if activity.id:
            turn.state[HANDLED] = [*handled, activity.id][-HANDLED_KEPT:]
        if not personal:
            await turn.say(
                turn.tr.gettext("keplibot works in a personal chat: open a chat with it.")
            )
            return
        try:
            declaration = json_file(activity)
            images = [] if declaration else photos.images(activity)
            quote = quotes.quoted(activity)
            text = quote.text if quote is not None else (activity.text or "").strip()
            message = activity.value is None and declaration is None and bool(text or images)
            if quote is not None and message:  # a quoted notice: this message is for its ticket
                await self.on_quote(turn, quote)
            if activity.value is not None:
                await self.on_submit(turn, submitted(activity.value))
            elif images:  # the fault report's photos (one outside any flow starts one)
                await self.on_images(turn, activity, images, text)
            elif declaration is not None:
                name, url = declaration
                await points.upload(turn, name, await self._download(url))
            else:
                await self.on_text(turn, text)
        except Exception:
            # The state of before this activity stays (it is saved only after a turn that
            # went through), so nothing entered earlier is lost.
            log.exception("teams: an activity of %s failed", where.conversation_id)
            await self._apologise(turn)
            return
        await self._save(turn)

    async def on_quote(self, turn: Turn, quote: quotes.Quote) -> None:
        """A quoted reply to a notice about one of the person's tickets: this message goes
        to that ticket, as after «Reply / add photos»; any other quote changes nothing."""
        ticket_id = await quotes.ticket_of(turn, quote)
        if ticket_id is not None:
            turn.state[tickets.REPLY] = ticket_id

    async def on_images(
        self, turn: Turn, activity: Activity, images: list[photos.Image], text: str
    ) -> None:
        """Images (with `text`, the person's own): the fault report's photos
        (`teams.report.media`), or a ticket's after «Reply / add photos» or a quoted notice;
        outside a report the first one asks to leave another flow, as `/report` would."""
        tokens = self.connector.tokens
        fetched = [
            await photos.fetch(self._http, tokens, image, activity.service_url or "")
            for image in images
        ]
        kept = [(i, f.data) for i, f in zip(images, fetched, strict=True) if f.data]
        if tickets.replying(turn) is not None:  # photos for a ticket («Reply / add photos»)
            files = [await photos.keep(turn, image, data) for image, data in kept]
            if files or text:
                await tickets.message(turn, text, files)
            else:
                await report.media(turn, images, fetched, f"teams-{activity.id}")
            return
        if report.asking(turn) or flows.active(turn) is None or not kept:
            await report.media(turn, images, fetched, f"teams-{activity.id}")
            return
        image, data = kept[0]
        await flows.may_start(turn, "report", await photos.keep(turn, image, data))

    async def _download(self, url: str) -> bytes | None:
        """A file the person sent (Teams' pre-authorised download URL); None when it cannot
        be had or is over the declaration's size limit."""
        try:
            async with self._http.get(url, timeout=DOWNLOAD_TIMEOUT) as resp:
                if resp.status != 200:
                    log.warning("teams: a file download answered %s", resp.status)
                    return None
                data = await read_up_to(resp.content, MAX_FILE_BYTES)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("teams: a file was not downloaded: %s", type(exc).__name__)
            return None
        return data

    async def _apologise(self, turn: Turn) -> None:
        try:
            await turn.say(
                turn.tr.gettext(
                    "Sorry, something went wrong on my side. Nothing you entered is lost: "
                    "please try again, or send /cancel to start over."
                )
            )
        except Exception:  # the connector may be what failed
            log.warning("teams: the apology could not be sent either", exc_info=True)

    async def _turn(self, activity: Activity, where: Conversation, external: str) -> Turn:
        sender = activity.from_property
        assert sender is not None
        async with self.runtime.sessions() as session:
            person = await channels.person(
                session,
                CHANNEL,
                external,
                name=sender.name or "",
                language=activity.locale,
                now=self.runtime.clock(),
            )
            state = await channels.load_state(
                session, CHANNEL, where.conversation_id, person.user_id
            )
        default = self.runtime.settings.default_locale
        tr = get_translator(pick_locale(person.locale, activity.locale, default))
        card = activity.reply_to_id if activity.value is not None else None
        return Turn(
            runtime=self.runtime,
            connector=self.connector,
            files=self.files,
            conversation=where,
            user_id=person.user_id,
            name=sender.name or "",
            tr=tr,
            state=state,
            card_id=card,
        )

    async def _save(self, turn: Turn) -> None:
        if turn.forget:
            return
        async with self.runtime.sessions() as session:
            await channels.save_state(
                session,
                CHANNEL,
                turn.conversation.conversation_id,
                turn.user_id,
                turn.state,
                turn.conversation.reference(),
                now=self.runtime.clock(),
            )

    async def on_submit(self, turn: Turn, data: str | None) -> None:
        turn.state.pop(tickets.REPLY, None)  # «Reply / add photos» was for the next message
        action = parse_action(data)
        if action is None:
            await turn.say(turn.tr.gettext("This button is no longer active."))
            return
        if points.handles(action):
            await points.pressed(turn, action)
        elif type(action).codec is faq_codec:
            if not await faq.pressed(turn, action):
                await turn.say(turn.tr.gettext("This button is no longer active."))
        elif type(action).codec in (reminders_codec, calendar_codec):
            if not await reminders.pressed(turn, action):
                await turn.say(turn.tr.gettext("This button is no longer active."))
        elif isinstance(action, OpenReminders):
            await reminders.show(turn, replace=True)
        elif type(action).codec is REPORT:
            await report.pressed(turn, action)
        elif type(action).codec is teacher_codec:
            await tickets.pressed(turn, action)
        elif type(action).codec is privacy_codec:
            await teams_privacy.pressed(turn, action)
        elif isinstance(action, CancelFlow | KeepFlow | DiscardFlow | LeaveFlow):
            await flows.pressed(turn, action)
        elif isinstance(action, OpenPoints):
            if await flows.may_start(turn, "points"):
                await points.start(turn)
        elif isinstance(action, OpenReport):
            if await flows.may_start(turn, "report"):
                await report.start(turn, replace=True)
        elif isinstance(action, OpenFaq):
            await faq.topics(turn, replace=True)
        elif isinstance(action, MainMenu):
            await turn.show(main_menu(turn.tr, turn.tr.gettext("Choose below:")), replace=True)
        elif isinstance(action, ShowPrivacy):
            await teams_privacy.notice(turn, replace=True)
        elif isinstance(action, ShowLanguages):
            await turn.show(languages(turn.tr), replace=True)
        elif type(action).codec is language:
            await self._choose_language(turn, type(action).verb)
        else:  # an entry Teams does not have
            await turn.say(turn.tr.gettext("This button is no longer active."))

    async def _choose_language(self, turn: Turn, locale: str) -> None:
        if locale not in LANGUAGE_ACTIONS:
            return
        async with self.runtime.sessions() as session:
            await channels.set_locale(session, turn.user_id, locale)
        turn.tr = tr = get_translator(locale)
        names = {"el": "Ελληνικά", "en": "English"}
        text = tr.gettext("Language: {language}. You can change it at any time with /language.")
        await turn.show(main_menu(tr, text.format(language=names[locale])), replace=True)

    async def on_text(self, turn: Turn, text: str) -> None:
        words = text.lstrip("/").split(maxsplit=1) if text else []
        command = words[0].lower() if words else ""
        rest = words[1] if len(words) > 1 else ""
        if command == "faq" and text.startswith("/") and rest:
            await faq.question(turn, rest)  # "/faq <question>", as on Telegram
        elif command in COMMANDS and (text.startswith("/") or text.lower() == command):
            await self.on_command(turn, command)
        elif not text:  # an attachment without text: not understood in Teams yet
            await turn.show(main_menu(turn.tr, turn.tr.gettext("Choose below:")))
        elif tickets.replying(turn) is not None:  # after «Reply / add photos»
            await tickets.message(turn, text, [])
        elif points.asking(turn):
            await points.text(turn, text)
        elif report.asking(turn):
            await report.text(turn, text)
        else:
            await faq.question(turn, text)

    async def on_command(self, turn: Turn, command: str) -> None:
        tr = turn.tr
        turn.state.pop(tickets.REPLY, None)  # a command is not a message for a ticket
        if command in ("points", "report") and not await flows.may_start(turn, command):
            return
        if command == "points":
            await points.start(turn)
        elif command == "report":
            await report.start(turn)
        elif command == "mytickets":
            await tickets.my_tickets(turn)
        elif command in ("privacy", "mydata", "delete"):  # answered inside a flow too
            show = {"privacy": teams_privacy.notice, "delete": teams_privacy.ask_delete}
            await show.get(command, teams_privacy.mydata)(turn)
        elif command == "mypoints":
            await points.my_points(turn)
        elif command == "faq":
            await faq.topics(turn)
        elif command == "language":
            await turn.show(languages(tr))
        elif command in ("reminders", "calendar"):
            await (reminders.show if command == "reminders" else reminders.calendar)(turn)
        elif command == "cancel":
            await flows.leave_all(turn)
            await turn.show(main_menu(tr, tr.gettext("Cancelled. You are back at the main menu.")))
        else:  # start, help, menu
            await flows.leave_all(turn)
            await turn.show(main_menu(tr, greeting(tr, turn.name)))
