"""The /sim API: users' actions, transcripts, long polls (no sleeps) and the page's assets."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from bot.emulator import EmulatorServer, SimApiError, SimClient, SimUser
from tests.emulator.conftest import ALICE, BOB, RawApi, png


async def test_wait_for_bot_messages_returns_when_the_bot_answers(
    raw: RawApi, sim: SimClient
) -> None:
    sent = await sim.send_text(ALICE, "/start")
    waiting = asyncio.create_task(sim.wait_for_bot_messages(ALICE.id, count=2, timeout=10))
    await raw.ok("sendMessage", chat_id=ALICE.id, text="one")
    await raw.ok("sendMessage", chat_id=ALICE.id, text="two")
    replies = await asyncio.wait_for(waiting, 10)
    assert [m["text"] for m in replies] == ["one", "two"]
    assert all(m["message_id"] > sent["message_id"] for m in replies)


async def test_wait_defaults_to_after_the_last_user_message(raw: RawApi, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    await raw.ok("sendMessage", chat_id=ALICE.id, text="first answer")
    await sim.send_text(ALICE, "/help")
    await raw.ok("sendMessage", chat_id=ALICE.id, text="second answer")
    [reply] = await sim.wait_for_bot_messages(ALICE.id)
    assert reply["text"] == "second answer"
    both = await sim.wait_for_bot_messages(ALICE.id, count=2, after_message_id=0)
    assert [m["text"] for m in both] == ["first answer", "second answer"]


async def test_waiting_in_vain_raises_with_the_transcript(sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    with pytest.raises(TimeoutError, match=r"#1 user: '/start'"):
        await sim.wait_for_bot_messages(ALICE.id, timeout=0.2)


async def test_wait_until_sees_an_edit(raw: RawApi, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    sent = await raw.ok("sendMessage", chat_id=ALICE.id, text="before")

    def edited(transcript: list[dict[str, object]]) -> bool:
        return any(m["text"] == "after" and m["edited"] for m in transcript)

    waiting = asyncio.create_task(sim.wait_until(ALICE.id, edited, timeout=10))
    await raw.ok("editMessageText", chat_id=ALICE.id, message_id=sent["message_id"], text="after")
    transcript = await asyncio.wait_for(waiting, 10)
    assert transcript[-1]["text"] == "after"


async def test_the_changes_long_poll_answers_on_a_change(
    emu: EmulatorServer, http: aiohttp.ClientSession, raw: RawApi, sim: SimClient
) -> None:
    await sim.send_text(ALICE, "/start")
    async with http.get(f"{emu.url}/sim/chats/{ALICE.id}/changes?since=0") as resp:
        first = await resp.json()
    assert [m["text"] for m in first["messages"]] == ["/start"]
    url = f"{emu.url}/sim/chats/{ALICE.id}/changes?since={first['version']}&wait=30"
    waiting = asyncio.create_task(http.get(url))
    await raw.ok("sendMessage", chat_id=ALICE.id, text="news")
    async with await asyncio.wait_for(waiting, 10) as resp:
        changes = await resp.json()
    assert [m["text"] for m in changes["messages"]] == ["news"]
    assert changes["version"] > first["version"]


async def test_a_user_s_profile_and_language_reach_the_bot(raw: RawApi, sim: SimClient) -> None:
    await sim.send_text(ALICE, "γεια")
    english = SimUser(ALICE.id, "Alice", "Papadopoulou", "alice_p", language_code="en")
    await sim.send_text(english, "hello")
    first, second = await raw.ok("getUpdates")
    assert first["message"]["from"]["language_code"] == "el"
    assert second["message"]["from"] == {
        "id": ALICE.id,
        "is_bot": False,
        "first_name": "Alice",
        "last_name": "Papadopoulou",
        "username": "alice_p",
        "language_code": "en",
    }
    assert second["message"]["chat"]["first_name"] == "Alice"


async def test_an_album_shares_its_media_group_id(raw: RawApi, sim: SimClient) -> None:
    await sim.send_photo(ALICE, png(), caption="1/2", media_group_id="album-1")
    await sim.send_photo(ALICE, png(8, 8), media_group_id="album-1")
    updates = await raw.ok("getUpdates")
    assert [u["message"]["media_group_id"] for u in updates] == ["album-1", "album-1"]
    assert updates[0]["message"]["caption"] == "1/2"


async def test_sim_refusals(sim: SimClient, raw: RawApi) -> None:
    with pytest.raises(SimApiError, match="not a PNG"):
        await sim.send_photo(ALICE, b"not an image")
    with pytest.raises(SimApiError, match="not found"):
        await sim.send_text(ALICE, "hi", chat=-100999)
    await sim.add_to_group(ALICE, -100555, "Staff", status="creator")
    with pytest.raises(SimApiError, match="not a member") as error:
        await sim.send_text(BOB, "hi", chat=-100555)
    assert error.value.status == 403
    with pytest.raises(SimApiError, match="text is empty"):
        await sim.send_text(ALICE, "   ")
    await sim.send_text(ALICE, "/start")
    sent = await raw.ok("sendMessage", chat_id=ALICE.id, text="no buttons")
    with pytest.raises(SimApiError, match="no button"):
        await sim.press(ALICE, sent["message_id"], "anything")
    with pytest.raises(SimApiError, match="not found"):
        await sim.press(ALICE, 999, "anything")


async def test_stats_count_calls_and_record_send_times(raw: RawApi, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    await raw.ok("getMe")
    await raw.ok("sendMessage", chat_id=ALICE.id, text="a")
    await raw.ok("sendMessage", chat_id=ALICE.id, text="b")
    await raw.error("sendMessage", chat_id=ALICE.id, text="")
    stats = await sim.stats()
    assert stats["calls"] == {"getMe": 1, "sendMessage": 3}
    assert stats["errors"] == {"sendMessage": {"400": 1}}
    times = stats["sent"][str(ALICE.id)]
    assert len(times) == 2
    assert times[0] <= times[1]


async def test_topics_created_by_users_reach_the_bot(raw: RawApi, sim: SimClient) -> None:
    await sim.add_to_group(ALICE, -100777, "ΚΕ.ΠΛΗ.ΝΕ.Τ.", is_forum=True, status="creator")
    topic = await sim.create_topic(ALICE, -100777, "Εργαστήριο 2")
    await sim.send_text(ALICE, "Ο εκτυπωτής", chat=-100777, thread_id=topic["message_thread_id"])
    updates = await raw.ok("getUpdates")
    created = updates[1]["message"]
    assert created["forum_topic_created"]["name"] == "Εργαστήριο 2"
    message = updates[2]["message"]
    assert (message["message_thread_id"], message["is_topic_message"]) == (
        topic["message_thread_id"],
        True,
    )
    state = await sim.chat_state(-100777)
    assert [t["name"] for t in state["topics"]] == ["Εργαστήριο 2"]


async def test_ui_labels_come_translated(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{emu.url}/sim/ui", params={"locale": "el"}) as resp:
        greek = await resp.json()
    async with http.get(f"{emu.url}/sim/ui", params={"locale": "en"}) as resp:
        english = await resp.json()
    assert greek["strings"]["start_chatting"] == "Έναρξη συνομιλίας"
    assert english["strings"]["start_chatting"] == "Start chatting"
    assert greek["strings"].keys() == english["strings"].keys()


async def test_the_page_is_served_without_external_resources(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emu.url}/") as resp:
        assert resp.status == 200
        page = await resp.text()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/app.js" in assets
    assert "/static/style.css" in assets
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
    for path in ("/static/app.js", "/static/style.css"):
        async with http.get(f"{emu.url}{path}") as resp:
            assert resp.status == 200
            assert "@import" not in await resp.text()


async def test_files_download_by_path_with_the_token_only(
    emu: EmulatorServer, http: aiohttp.ClientSession, raw: RawApi, sim: SimClient
) -> None:
    await sim.send_document(ALICE, b"data", "a.txt", "text/plain")
    [update] = await raw.ok("getUpdates")
    file = await raw.ok("getFile", file_id=update["message"]["document"]["file_id"])
    async with http.get(f"{emu.url}/file/bot{raw.token}/{file['file_path']}") as resp:
        assert (resp.status, await resp.read()) == (200, b"data")
    async with http.get(f"{emu.url}/file/botnonsense/{file['file_path']}") as resp:
        assert resp.status == 401
    async with http.get(f"{emu.url}/file/bot{raw.token}/documents/missing.txt") as resp:
        assert resp.status == 404


async def test_download_returns_a_json_file_s_bytes_unparsed(sim: SimClient) -> None:
    content = '{"schema": "ysepehy-declaration/1", "branch": "ΠΕ86"}\n'.encode()
    sent = await sim.send_document(ALICE, content, "δήλωση.json", "application/json")
    data = await sim.download(sent["document"]["file_id"])
    assert isinstance(data, bytes)
    assert data == content
    with pytest.raises(SimApiError, match="file not found") as raised:
        await sim.download("no-such-file")
    assert raised.value.status == 404
