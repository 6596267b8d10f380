"""Telegram's adapter of the Notifier port, against the emulator: what a screen becomes
(text split, buttons on the last part, a reply in a forum topic, an album by file id)
and what each of Telegram's refusals becomes (the outcome the durable queues act on)."""

from __future__ import annotations

import pytest

from bot.dialogs.helpdesk import actions as act
from bot.emulator.sim import SimClient, SimUser
from bot.ui import Address, Button, File, Screen
from bot.ui.notifier import (
    Delivered,
    PermanentFailure,
    RecipientGone,
    RecipientMoved,
    RetryLater,
    TemporaryFailure,
)
from handlers.notifier import TelegramNotifier
from tests.e2e.conftest import ALICE, BotHarness, Launch, labels
from tests.e2e.helpdesk_e2e import png

STAFF = SimUser(2001, "Στέλιος", "Τεχνικός", language_code="el")
FORUM = -1002000000001
GROUP = -4000001


async def _notifier(launch: Launch, sim: SimClient) -> tuple[BotHarness, TelegramNotifier]:
    bot = await launch()
    await sim.send_text(ALICE, "/start")  # opens the private chat
    await bot.idle()
    assert bot.app is not None
    return bot, TelegramNotifier(bot.app.bot)


def _ids(delivered: Delivered) -> list[int]:
    assert delivered.message is not None
    return [int(delivered.message), *(int(m) for m in delivered.extra)]


async def test_a_long_text_is_split_with_the_buttons_under_its_last_part(
    launch: Launch, sim: SimClient
) -> None:
    bot, notifier = await _notifier(launch, sim)
    paragraph = "<b>Βλάβη</b> στο εργαστήριο. " * 40
    text = "\n\n".join([paragraph] * 5)  # about 6,000 characters: two messages
    screen = Screen.of(text, [[Button("📜 Λεπτομέρειες", act.ViewTicket(42))]], markup=True)

    delivered = await notifier.deliver(Address.telegram(ALICE.id), screen)

    ids = _ids(delivered)
    sent = {m["message_id"]: m for m in await bot.bot_messages(ALICE.id)}
    assert len(ids) >= 2
    assert set(ids) <= set(sent)
    parts = [sent[i] for i in ids]
    assert all(len(p["text"]) <= 4096 for p in parts)
    assert all("<b>" not in p["text"] for p in parts)  # taken as HTML, not shown as tags
    assert [labels(p) for p in parts] == [[]] * (len(parts) - 1) + [["📜 Λεπτομέρειες"]]
    assert parts[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "tk:v:42"
    assert "".join(p["text"] for p in parts).count("Βλάβη") == 200


async def test_a_notice_replies_in_its_forum_topic_and_photos_go_as_one_album_by_file_id(
    launch: Launch, sim: SimClient
) -> None:
    bot, notifier = await _notifier(launch, sim)
    await sim.add_to_group(STAFF, FORUM, "ΚΕΠΛΗΝΕΤ", is_forum=True)
    topic = await sim.create_topic(STAFF, FORUM, "Βλάβες")
    thread = int(topic["message_thread_id"])
    await bot.idle()
    post = await notifier.deliver(
        Address.telegram(FORUM, thread=thread), Screen("🎫 KPL-2026-00001", markup=True)
    )
    assert post.message is not None
    photos = [
        (await sim.send_photo(ALICE, png(seed)))["photo"][-1]["file_id"] for seed in range(3)
    ]
    await bot.idle()

    reply = await notifier.deliver(
        Address.telegram(FORUM, reply_to=int(post.message), thread=thread),
        Screen("💬 Η δασκάλα έγραψε:\nΔεν ανοίγει.", markup=True),
    )
    album = await notifier.deliver(
        Address.telegram(FORUM, reply_to=int(post.message), thread=thread),
        Screen(
            "",
            files=tuple(
                File("photo", ref=file_id, caption=f"📎 <b>{n}</b>", kind="photo")
                for n, file_id in enumerate(photos)
            ),
            markup=True,
        ),
    )

    in_group = {m["message_id"]: m for m in await bot.bot_messages(FORUM)}
    [answer] = [in_group[i] for i in _ids(reply)]
    assert answer["reply_to_message_id"] == int(post.message)
    assert answer["message_thread_id"] == thread
    shown = [in_group[i] for i in _ids(album)]
    assert len(shown) == 3
    assert len({m["media_group_id"] for m in shown}) == 1
    assert shown[0]["media_group_id"]
    assert [m["photo"]["file_id"] for m in shown] == photos  # passed on, not re-uploaded
    assert shown[0]["reply_to_message_id"] == int(post.message)
    assert {m["message_thread_id"] for m in shown} == {thread}
    assert [m["caption"] for m in shown] == ["📎 0", "📎 1", "📎 2"]


async def test_a_blocked_user_or_an_unknown_chat_is_gone(launch: Launch, sim: SimClient) -> None:
    _bot, notifier = await _notifier(launch, sim)
    await sim.block(ALICE.id)
    with pytest.raises(RecipientGone):
        await notifier.deliver(Address.telegram(ALICE.id), Screen("Γεια"))
    with pytest.raises(RecipientGone):
        await notifier.deliver(Address.telegram(987654321), Screen("Γεια"))


@pytest.mark.parametrize(
    ("kind", "count", "outcome"),
    [
        # More 429s than the rate limiter waits out itself: the queue is told when to retry.
        ("429", 4, RetryLater),
        # More 5xx answers than the request layer retries: the queue retries with backoff.
        ("5xx", 4, TemporaryFailure),
    ],
)
async def test_telegram_faults_become_the_queues_outcomes(
    launch: Launch, sim: SimClient, kind: str, count: int, outcome: type[Exception]
) -> None:
    _bot, notifier = await _notifier(launch, sim)
    await sim.inject_fault("sendMessage", kind, count=count, retry_after=1)
    with pytest.raises(outcome) as raised:
        await notifier.deliver(Address.telegram(ALICE.id), Screen("Γεια"))
    if isinstance(raised.value, RetryLater):
        assert raised.value.retry_after == 1
    await sim.clear_faults()
    delivered = await notifier.deliver(Address.telegram(ALICE.id), Screen("Γεια"))
    assert delivered.message is not None


async def test_a_group_that_became_a_supergroup_is_followed_to_its_new_address(
    launch: Launch, sim: SimClient
) -> None:
    bot, notifier = await _notifier(launch, sim)
    await sim.add_to_group(STAFF, GROUP, "ΚΕΠΛΗΝΕΤ (ομάδα)")
    supergroup = int((await sim.migrate_group(GROUP))["id"])
    await bot.idle()
    with pytest.raises(RecipientMoved) as moved:
        await notifier.deliver(Address.telegram(GROUP), Screen("🎫 KPL-2026-00001"))
    assert moved.value.new == Address.telegram(supergroup)
    delivered = await notifier.deliver(moved.value.new, Screen("🎫 KPL-2026-00001"))
    assert delivered.message is not None


async def test_a_refused_message_is_a_permanent_failure_and_other_channels_are_refused(
    launch: Launch, sim: SimClient
) -> None:
    _bot, notifier = await _notifier(launch, sim)
    with pytest.raises(PermanentFailure):  # Telegram cannot parse the markup
        await notifier.deliver(Address.telegram(ALICE.id), Screen("<b>ανοιχτό", markup=True))
    with pytest.raises(PermanentFailure):
        await notifier.deliver(Address("email", "kep@example.org"), Screen("Γεια"))
