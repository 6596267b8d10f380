"""The /reminders introduction tells the reminder times and quiet hours actually configured."""

from __future__ import annotations

from tests.e2e.conftest import ALICE, BOB, Launch


async def test_the_intro_tells_the_default_times_and_quiet_hours(launch: Launch) -> None:
    bot = await launch()
    [screen] = await bot.send(ALICE, "/reminders")
    assert (
        "Από προεπιλογή σας υπενθυμίζω 7 μέρες πριν, 1 μέρα πριν και το πρωί της ίδιας μέρας "
        "(08:00). Καμία υπενθύμιση στις ώρες ησυχίας (21:00–08:00)."
    ) in screen["text"]


async def test_the_intro_follows_other_settings(launch: Launch) -> None:
    settings = {"reminder_offsets": "3d,2h,morning", "quiet_hours": "off"}
    bot = await launch(settings={**settings, "reminder_morning": "07:30"})
    [screen] = await bot.send(BOB, "/reminders")
    assert (
        "By default I remind you 3 days before, on the morning of the day (07:30), "
        "and 2 hours before."
    ) in screen["text"]
    assert "quiet" not in screen["text"]
    assert "7 days" not in screen["text"]
