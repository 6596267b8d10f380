"""Microsoft Teams end to end: the real adapter over HTTP, against the local stand-in for
the Bot Connector (`teams.standin`), on the test's database (SQLite and PostgreSQL).

The bot is the whole application (`bot.app`, polling the Telegram emulator as usual)
with keplibot's web server (`bot.web`) mounting `POST /api/messages` because
TEAMS_APP_ID is set; the stand-in signs the Bot Connector's tokens with its own key,
served as the OpenID metadata the settings name.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pydantic import SecretStr
from sqlalchemy import select

from bot.channel_models import ChannelConversation
from bot.cli import main
from bot.db import create_engine, session_factory
from bot.services.channels import user_id_for
from bot.web import listening_socket, web_server
from teams.bot import HANDLED
from teams.standin import Message, StandIn, TeamsUser
from tests.e2e.conftest import BotHarness, Launch

MARIA = TeamsUser("7f0c1a52-0000-4000-8000-000000000001", "Μαρία Παπαδοπούλου", "el-GR")
HELEN = TeamsUser("7f0c1a52-0000-4000-8000-000000000002", "Helen Smith", "en-US")


@dataclass
class TeamsWorld:
    standin: StandIn
    bot: BotHarness


@contextlib.asynccontextmanager
async def teams_world(
    launch: Launch, standin: StandIn, **settings: Any
) -> AsyncIterator[TeamsWorld]:
    """The bot (with its web server) and `standin`, started; `settings` override the
    stand-in's."""
    await standin.start()
    sock = listening_socket("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    bot = await launch(settings={**standin.settings(), "public_base_url": base, **settings})
    assert bot.app is not None
    try:
        async with web_server(bot.app, sock) as url:
            standin.bot_url = f"{url}/api/messages"
            yield TeamsWorld(standin, bot)
    finally:
        await standin.stop()


@pytest.fixture
async def world(launch: Launch) -> AsyncIterator[TeamsWorld]:
    async with teams_world(launch, StandIn()) as made:
        yield made
    assert made.standin.refusals == []


def last_card(messages: list[Message]) -> Message:
    cards = [m for m in messages if m.card is not None]
    assert cards, [m.text for m in messages]
    return cards[-1]


async def state_of(database_url: str, user: TeamsUser) -> dict[str, object]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            row = await session.scalar(
                select(ChannelConversation.state).where(
                    ChannelConversation.conversation_id == user.conversation_id
                )
            )
            # The dialogs' state, without the ids of the activities handled (teams.bot.HANDLED).
            return {k: v for k, v in (row or {}).items() if k != HANDLED}
    finally:
        await engine.dispose()


# --- tokens ------------------------------------------------------------------------------


def forged_hs256(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """An HS256 token made by hand (PyJWT refuses to sign with a public key)."""

    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    header = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = part(json.dumps(claims).encode())
    signature = part(hmac.new(secret, header + b"." + body, hashlib.sha256).digest())
    return (header + b"." + body + b"." + signature).decode()


async def test_requests_without_a_valid_token_are_refused(world: TeamsWorld) -> None:
    standin = world.standin
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    hello = standin.activity(MARIA, text="/start")
    assert await standin.post(hello, token=None) == 401
    assert await standin.post(hello, token="Bearer not-a-jwt") == 401
    assert await standin.post(hello, token=f"Bearer {standin.token(key=stranger)}") == 401
    assert (
        await standin.post(hello, token=f"Bearer {standin.token(audience='another-bot')}") == 401
    )
    other_service = standin.token(service_url="https://evil.example/")
    assert await standin.post(hello, token=f"Bearer {other_service}") == 401
    assert await standin.post(hello, token=f"Bearer {standin.token(lifetime=-3600)}") == 401
    # A token signed with the HMAC of the public key (key confusion), or not signed at all.
    public = standin.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = jwt.decode(standin.token(), options={"verify_signature": False})
    hmac_token = forged_hs256(claims, public, standin.kid)
    assert await standin.post(hello, token=f"Bearer {hmac_token}") == 401
    unsigned = jwt.encode(claims, "", algorithm="none", headers={"kid": standin.kid})
    assert await standin.post(hello, token=f"Bearer {unsigned}") == 401
    assert await standin.post(hello, token=standin.token()) == 401  # no "Bearer"
    # Nothing was handled: no answer, no user, no state.
    assert standin.conversation(MARIA) == []
    assert await state_of(world.bot.database_url, MARIA) == {}
    # The same activity with the Bot Connector's token is answered.
    assert await standin.post(hello) == 200
    assert "Μαρία" in standin.conversation(MARIA)[0].text


# --- FAQ ---------------------------------------------------------------------------------


async def test_faq_questions_in_greek_and_english(world: TeamsWorld) -> None:
    standin = world.standin
    [answer] = await standin.send(MARIA, "για πόσο καιρό ορίζεται ο υπεύθυνος εργαστηρίου")
    assert answer.text.startswith("**Πόσο διαρκεί η θητεία του/της Υ.Σ.Ε.Π.Ε.Η.Υ.;**")
    assert "**Μόνιμος/η εκπαιδευτικός:** ένα διδακτικό έτος." in answer.text
    assert any("👍" in label for label in answer.labels)
    [answer] = await standin.send(HELEN, "for how long is the lab manager appointed")
    assert answer.text.startswith("**How long is the lab manager's term?**")
    assert "**Permanent teacher:** one school year." in answer.text
    # A vote is kept once per answer message; the second time says so.
    [thanks] = await standin.submit(HELEN, answer, "👍")
    assert thanks.text == "Thank you for telling me!"
    assert "✓ 👍 Yes" in answer.labels  # the answer's card shows the vote
    [again] = await standin.submit(HELEN, answer, "👍")
    assert again.text == "You have already told me. Thank you!"
    # "/faq <question>" is the question; "faq" alone, the topics.
    [answer] = await standin.send(HELEN, "/faq for how long is the lab manager appointed")
    assert answer.text.startswith("**How long is the lab manager's term?**")
    [topics] = await standin.send(HELEN, "faq")
    assert "« Main menu" in topics.labels
    assert not topics.text.startswith("**How long")


# --- points ------------------------------------------------------------------------------

QUESTION = re.compile(r"^(\d/7 · .*)$", re.MULTILINE)


async def answer_interview(standin: StandIn, user: TeamsUser) -> Message:
    """Answer every question as a teacher would: some on purpose (one unrelated doctorate,
    a number typed), the rest Skip, "none" or No."""
    card = last_card(await standin.send(user, "/points"))
    typed = 0
    for _ in range(80):
        labels = card.labels
        if "⬇️ JSON" in labels:
            return card
        if "Τίτλος 1" not in card.text and "➕ Προσθήκη τίτλου" in labels:
            choice = "➕ Προσθήκη τίτλου"  # one title: a doctorate (the first option)
        elif "✅ Τέλος" in labels:
            choice = "✅ Τέλος"
        elif nothing := [label for label in labels if label.startswith(("Καμία", "Κανένας"))]:
            choice = nothing[0]
        elif "Περισσότερα…" in labels and typed < 2:
            typed += 1  # a number above the keypad's, typed (years of service)
            card = last_card(await standin.send(user, "7"))
            continue
        elif "Παράλειψη »" in labels:
            choice = "Παράλειψη »"
        elif "5" in labels:
            choice = "5"  # days a week at the school
        elif "Όχι" in labels:
            choice = "Όχι"
        elif not labels or labels[0] in ("« Πίσω", "✖ Ακύρωση"):
            card = last_card(await standin.send(user, "2"))  # a typed number
            continue
        else:
            choice = labels[0]
        await standin.submit(user, card, choice)
        card = last_card(standin.conversation(user))
    raise AssertionError(f"the interview did not end: {card.text}")


async def test_points_through_teams_end_at_the_total_of_keplibot_score(
    world: TeamsWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standin = world.standin
    result = await answer_interview(standin, MARIA)
    assert "⬇️ JSON" in result.labels
    [json_message] = await standin.submit(MARIA, result, "⬇️ JSON")
    [attachment] = json_message.files
    assert attachment["name"].endswith(".json")
    declaration = await standin.download(attachment)
    path = tmp_path / "declaration.json"
    path.write_bytes(declaration)
    capsys.readouterr()
    assert main(["score", str(path)]) == 0
    total = Decimal(json.loads(capsys.readouterr().out)["total"])
    assert total > 2  # a doctorate and years typed beyond the keypad
    shown = (
        f"{total:f}".rstrip("0").rstrip(".").replace(".", ",")
        if "." in f"{total:f}"
        else f"{total:f}"
    )
    assert f"Ενδεικτικό σύνολο: {shown} μόρια" in result.text, (shown, result.text)
    # Sent back as a file, the declaration is scored again: the same total.
    [again] = await standin.send_file(MARIA, "δήλωση.json", declaration)
    assert again.text.startswith("📂 Η δήλωση του αρχείου δήλωση.json:")
    assert f"Ενδεικτικό σύνολο: {shown} μόρια" in again.text
    [refused] = await standin.send_file(MARIA, "άλλο.json", b'{"schema": "x"}')
    assert refused.text.startswith("⚠️ Αυτό το αρχείο δεν είναι δήλωση")
    assert refused.card is None
    # The PDF is too large for a Teams message: offered at a link of keplibot's server.
    [pdf_message] = await standin.submit(MARIA, again, "⬇️ PDF")
    [pdf] = pdf_message.files
    assert pdf["contentUrl"].startswith("http://127.0.0.1:")
    assert (await standin.download(pdf)).startswith(b"%PDF")


async def test_a_card_submitted_twice_or_forged_changes_nothing(world: TeamsWorld) -> None:
    standin = world.standin
    question = last_card(await standin.send(MARIA, "/points"))
    assert "1/7" in question.text
    yes, no = question.data_of("Ναι"), question.data_of("Όχι")
    # Pressed: the card becomes the next question (Teams updates the message).
    assert await standin.submit(MARIA, question, "Ναι") == []
    assert "Ποια θέση έχετε στο σχολείο;" in question.text
    after_first = await state_of(world.bot.database_url, MARIA)
    # The same card again: its counter is behind the session's.
    [stale] = await standin.submit(MARIA, question, "", data=yes)
    assert stale.text == "Αυτό το κουμπί δεν είναι πια ενεργό."
    assert await state_of(world.bot.database_url, MARIA) == after_first
    # Helen submits Maria's card data: she has no interview, and Maria's is untouched.
    [refused] = await standin.submit(HELEN, question, "", data=no)
    assert refused.text == "This button is no longer active."
    assert await state_of(world.bot.database_url, MARIA) == after_first
    # Two buttons of one card pressed at once: one answers, the other is too late.
    card = last_card(standin.conversation(MARIA))
    first, second = card.data_of("Εκπαιδευτικός"), card.data_of("Διευθυντής")
    replies = await asyncio.gather(
        standin.submit(MARIA, card, "", data=first), standin.submit(MARIA, card, "", data=second)
    )
    late = [m for reply in replies for m in reply]
    assert [m.text for m in late] == ["Αυτό το κουμπί δεν είναι πια ενεργό."]
    after_first = await state_of(world.bot.database_url, MARIA)
    # Garbage and unknown actions: the same answer, no crash.
    for data in ({"a": "p:y:999999999999"}, {"a": "zz:top"}, {"a": 7}, {"b": "x"}):
        [reply] = await standin.submit(MARIA, question, "", data=data)
        assert reply.text == "Αυτό το κουμπί δεν είναι πια ενεργό."
    assert await state_of(world.bot.database_url, MARIA) == after_first
    assert user_id_for("teams", MARIA.aad_object_id) >= 2**62


# --- language, greeting, cancel -------------------------------------------------------------


async def test_the_bot_added_greets_in_the_teams_locale_and_a_chosen_language_is_kept(
    world: TeamsWorld,
) -> None:
    standin = world.standin
    added = standin.activity(
        HELEN,
        type="conversationUpdate",
        membersAdded=[{"id": f"28:{standin.app_id}"}, {"id": HELEN.id}],
    )
    assert await standin.post(added) == 200
    [greeting] = standin.conversation(HELEN)
    assert greeting.text.startswith("Hello, Helen Smith! 👋\nI am keplibot")
    assert "Here in Microsoft Teams I can calculate your points" in greeting.text
    assert greeting.labels == [
        "🧮 Points calculation",
        "❓ Frequently asked questions",
        "🛠 Report a fault",
        "⏰ Reminders",
        "🌐 Language / Γλώσσα",
        "🔒 Your data",
    ]
    assert await standin.submit(HELEN, greeting, "Language") == []
    assert greeting.text == "Choose the language I speak with you:"
    assert await standin.submit(HELEN, greeting, "Ελληνικά") == []
    assert greeting.text.startswith("Γλώσσα: Ελληνικά.")
    # Her Teams client is still in English: her own choice wins from now on.
    [topics] = await standin.send(HELEN, "/faq")
    assert topics.card is not None
    assert "« Κύριο μενού" in topics.labels


async def test_cancel_asks_before_discarding_answers(world: TeamsWorld) -> None:
    standin = world.standin
    card = last_card(await standin.send(MARIA, "/points"))
    await standin.submit(MARIA, card, "Ναι")
    assert await standin.submit(MARIA, card, "Ακύρωση") == []
    assert card.text == "⚠️ Να απορριφθούν οι απαντήσεις σας στον υπολογισμό μορίων;"
    await standin.submit(MARIA, card, "Συνέχεια")
    assert "Ποια θέση έχετε στο σχολείο;" in card.text
    await standin.submit(MARIA, card, "Ακύρωση")
    await standin.submit(MARIA, card, "Απόρριψη")
    assert card.text == "Ακυρώθηκε. Επιστρέψατε στο κύριο μενού."
    assert "points" not in await state_of(world.bot.database_url, MARIA)
    # Text is an FAQ question again, not an answer to the interview.
    [answer] = await standin.send(MARIA, "για πόσο καιρό ορίζεται ο υπεύθυνος εργαστηρίου")
    assert answer.text.startswith("**Πόσο διαρκεί η θητεία")


# --- keeping, /mypoints, changing an answer, expiry ------------------------------------------


async def test_a_kept_declaration_comes_back_with_mypoints_and_an_answer_can_be_changed(
    world: TeamsWorld,
) -> None:
    standin = world.standin
    result = await answer_interview(standin, MARIA)
    [notice] = await standin.submit(MARIA, result, "Ναι, να αποθηκευτεί")
    assert notice.text.startswith("💾 Αποθηκεύτηκε: το /mypoints τη δείχνει ξανά")
    assert "🗑 Διαγραφή της αποθηκευμένης δήλωσης" in result.labels
    total_line = next(line for line in result.text.splitlines() if "μόρια" in line)
    [finished] = await standin.submit(MARIA, result, "Ολοκλήρωση")
    assert finished.labels[0] == "🧮 Υπολογισμός μορίων"
    [kept] = await standin.send(MARIA, "/mypoints")
    assert total_line in kept.text
    # Change an answer: the list of answers, a number, the question again, the new total.
    [answers] = await standin.submit(MARIA, kept, "Αλλαγή απάντησης")
    number = next(label for label in answers.labels if label.strip().isdigit())
    assert await standin.submit(MARIA, answers, number) == []
    assert answers.text.startswith("✏️ Αλλαγή απάντησης")


async def test_a_result_not_kept_is_dropped_after_six_hours(world: TeamsWorld) -> None:
    from teams.points import purge_expired

    standin = world.standin
    result = await answer_interview(standin, MARIA)
    app = world.bot.app
    assert app is not None
    runtime = app.bot_data.runtime
    assert "points" in await state_of(world.bot.database_url, MARIA)
    assert await purge_expired(runtime) == 0  # just shown: kept
    real = runtime.clock
    runtime.clock = lambda: real() + timedelta(hours=6, minutes=1)
    try:
        assert await purge_expired(runtime) == 1
    finally:
        runtime.clock = real
    assert "points" not in await state_of(world.bot.database_url, MARIA)
    [gone] = await standin.submit(MARIA, result, "⬇️ JSON")
    assert gone.text.startswith("Αυτό το κουμπί δεν είναι πια ενεργό.")
    assert "Δεν έχω πια αυτό το αποτέλεσμα" in gone.text


# --- notices (the Notifier port) ------------------------------------------------------------


async def test_a_notice_reaches_a_known_conversation_and_refusals_become_outcomes(
    world: TeamsWorld,
) -> None:
    import aiohttp

    from bot.dialogs.menu import MainMenu
    from bot.ui import Address, Button, Screen
    from bot.ui.notifier import PermanentFailure, RecipientGone, RetryLater, TemporaryFailure
    from teams.auth import TokenSource
    from teams.connector import Connector
    from teams.files import FileStore
    from teams.notifier import TeamsNotifier, address

    standin = world.standin
    app = world.bot.app
    assert app is not None
    runtime = app.bot_data.runtime
    await standin.send(MARIA, "/start")  # the conversation (and its reference) is known
    async with aiohttp.ClientSession() as http:
        connector = Connector(TokenSource(runtime.settings, http))
        notifier = TeamsNotifier(runtime, connector, FileStore("https://bot.example.gr"))
        notice = Screen.of(
            "<b>KPL-2026-00001</b>: solved", [[Button("« Menu", MainMenu())]], markup=True
        )
        delivered = await notifier.deliver(address(MARIA.conversation_id), notice)
        last = standin.conversation(MARIA)[-1]
        assert delivered.message == last.id
        assert last.text == "**KPL-2026-00001**: solved"
        assert last.labels == ["« Menu"]
        outcomes = {
            429: RetryLater,
            403: RecipientGone,
            404: RecipientGone,
            400: PermanentFailure,
            413: PermanentFailure,
            401: TemporaryFailure,
            502: TemporaryFailure,
        }
        for status, outcome in outcomes.items():
            headers = {"Retry-After": "7"} if status == 429 else {}
            standin.faults[MARIA.conversation_id] = (status, headers)
            with pytest.raises(outcome) as caught:
                await notifier.deliver(address(MARIA.conversation_id), notice)
            if isinstance(caught.value, RetryLater):
                assert caught.value.retry_after == 7
        with pytest.raises(RecipientGone):
            await notifier.deliver(address("a:never-talked-to-the-bot"), notice)
        with pytest.raises(PermanentFailure):
            await notifier.deliver(Address.telegram(1001), notice)


# --- a certificate instead of the secret ----------------------------------------------------


def certificate_pem(path: Path) -> x509.Certificate:
    """A self-signed certificate and its key in one PEM file at `path`, as Entra ID takes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "keplibot")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + certificate.public_bytes(serialization.Encoding.PEM)
    path.write_bytes(pem)
    return certificate


async def test_the_bot_can_use_a_certificate_instead_of_the_secret(
    launch: Launch, tmp_path: Path
) -> None:
    certificate = certificate_pem(tmp_path / "bot.pem")
    standin = StandIn(password=None, certificate=certificate)
    async with teams_world(
        launch,
        standin,
        teams_app_password=None,
        teams_certificate_file=str(tmp_path / "bot.pem"),
    ):
        [greeting] = await standin.send(MARIA, "/start")
        assert greeting.text.startswith("Γεια σας, Μαρία Παπαδοπούλου!")
    assert standin.refusals == []


async def test_a_certificate_the_app_does_not_have_gets_no_token(
    launch: Launch, tmp_path: Path
) -> None:
    certificate_pem(tmp_path / "other.pem")
    standin = StandIn(password=None, certificate=certificate_pem(tmp_path / "bot.pem"))
    async with teams_world(
        launch,
        standin,
        teams_app_password=None,
        teams_certificate_file=str(tmp_path / "other.pem"),
    ):
        assert await standin.send(MARIA, "/start") == []
    assert standin.tokens == set()
    assert "token request refused" in standin.refusals


async def test_without_teams_app_id_there_is_no_teams_endpoint(bot: BotHarness) -> None:
    import aiohttp

    assert bot.app is not None
    sock = listening_socket("127.0.0.1", 0)
    async with web_server(bot.app, sock) as url, aiohttp.ClientSession() as http:
        async with http.post(f"{url}/api/messages", json={"type": "message"}) as resp:
            assert resp.status == 404
        async with http.get(f"{url}/healthz") as resp:
            assert resp.status == 200


async def test_teams_without_a_public_base_url_stops_at_start(bot: BotHarness) -> None:
    from aiohttp import web

    from bot.config import SettingsError
    from teams.web import add_routes

    assert bot.app is not None
    runtime = bot.app.bot_data.runtime
    settings = runtime.settings.model_copy(
        update={"teams_app_id": "x", "teams_app_password": SecretStr("y")}
    )
    runtime.settings = settings
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        add_routes(web.Application(), runtime)
