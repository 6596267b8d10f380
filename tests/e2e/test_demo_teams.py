"""The offline demo's Microsoft Teams chat: the page and its API drive the real Teams
adapter over HTTP (through the stand-in), as the sample teachers; a reminder comes on its
own. No browser: the page's own calls, as its script makes them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.demo_support import running_demo

JSON = dict[str, Any]


async def call(http: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    async with http.request(method, url, json=body) as resp:
        assert resp.status == 200, (url, resp.status, await resp.text())
        return await resp.json()


def button(message: JSON, label: str) -> JSON:
    for b in message["buttons"]:
        if label in b["title"]:
            return dict(b["data"])
    raise AssertionError(f"no button {label!r} in {[b['title'] for b in message['buttons']]}")


async def test_the_demo_offers_a_teams_chat_that_talks_to_the_real_adapter(
    tmp_path: Path,
) -> None:
    async with (
        running_demo(tmp_path / "demo", reminder_lead=timedelta(seconds=4)) as url,
        aiohttp.ClientSession() as http,
    ):
        teams = (await call(http, "GET", f"{url}sim/personas"))["teams"]
        assert teams.startswith("http://127.0.0.1:")
        async with http.get(teams) as resp:
            assert resp.status == 200
            assert "/api/chat/" in await resp.text()
        ui = await call(http, "GET", f"{teams}api/ui?locale=en")
        assert ui["strings"]["title"] == "keplibot in Microsoft Teams (offline stand-in)"
        assert ui["telegram"] == url
        personas = (await call(http, "GET", f"{teams}api/personas"))["personas"]
        assert [p["name"] for p in personas] == [
            "Μαρία Παπαδοπούλου",
            "Γιώργος Νικολάου",
            "Helen Brown",
        ]
        helen = next(p["n"] for p in personas if p["locale"] == "en-US")
        chat = f"{teams}api/chat/{helen}"

        await call(http, "POST", f"{chat}/send", {"text": "/start"})
        [typed, menu] = (await call(http, "GET", chat))["messages"]
        assert typed == {"me": True, "text": "/start"}
        assert menu["text"].startswith("Hello, Helen Brown! 👋")
        await call(
            http, "POST", f"{chat}/submit", {"message": menu["id"], "data": button(menu, "⏰")}
        )
        [_typed, offer] = (await call(http, "GET", chat))["messages"]  # changed in place
        assert offer["text"].startswith("⏰ Reminders")
        follow = button(offer, "Follow all deadlines")
        await call(http, "POST", f"{chat}/submit", {"message": offer["id"], "data": follow})

        # The sample date's reminder, due a few seconds after the start, reaches her in
        # Teams on its own (the reminders' queue, routed to her conversation).
        for _ in range(60):
            messages = (await call(http, "GET", chat))["messages"]
            if any(m["text"].startswith("⏰ Reminder:") for m in messages):
                break
            await asyncio.sleep(0.5)
        reminders = [m for m in messages if m["text"].startswith("⏰ Reminder:")]
        assert len(reminders) == 1, [m["text"] for m in messages]
        assert any("Stop these reminders" in b["title"] for b in reminders[0]["buttons"])

        # A bad request is refused and sends nothing.
        async with http.post(f"{chat}/send", json={"text": ""}) as resp:
            assert resp.status == 400
        async with http.get(f"{teams}api/chat/99") as resp:
            assert resp.status == 404
        assert len((await call(http, "GET", chat))["messages"]) == len(messages)
