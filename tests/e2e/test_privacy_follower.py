"""Erasure of a teacher who only FOLLOWS someone else's ticket (joined from the duplicate
offer): their name and the text they added must not survive anywhere, the helpdesk
outbox's record of the notices about them included."""

from __future__ import annotations

from bot.emulator.sim import SimUser
from handlers.privacy import ERASE_DATA
from tests.e2e.conftest import Launch
from tests.e2e.helpdesk_e2e import TEACHER, open_desk, report_fault
from tests.e2e.test_privacy import everything_stored

FOLLOWER = SimUser(1002, "Ζηνοβία", "Ιχνογράφου", "zinovia_mrk", language_code="el")
ADDED = "ΙΧΝΟΣ-5519: και στο διπλανό PC το ίδιο."
MARKERS = ("Ζηνοβία", "Ιχνογράφου", "zinovia_mrk", "ΙΧΝΟΣ-5519")


async def test_erasing_a_follower_leaves_nothing_of_them_in_any_table(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk, TEACHER, equipment="PC-07")
    # A colleague reports the same PC, joins the open ticket and adds a text.
    await desk.send(FOLLOWER, "/report")
    [choices] = await desk.send(FOLLOWER, "0551010")
    await desk.press(FOLLOWER, choices, "0551010")
    [category] = await desk.send(FOLLOWER, "Εργαστήριο Πληροφορικής 1")
    await desk.press(FOLLOWER, category, "Υπολογιστής")
    [offer] = await desk.send(FOLLOWER, "pc-07")
    await desk.press(FOLLOWER, offer, "Παρακολούθηση")
    [photos] = await desk.send(FOLLOWER, ADDED)
    summary = (await desk.press(FOLLOWER, photos, "Χωρίς φωτογραφίες")).message
    done = (await desk.press(FOLLOWER, summary, "Προσθήκη στο")).message
    assert done["text"].startswith("➕ Προστέθηκε στο KPL-2026-00001.")
    before = {
        table
        for table, _c, value in await everything_stored(database_url)
        if any(marker in value for marker in MARKERS)
    }
    assert "ticket_events" in before  # the scan sees what she added

    [warning] = await desk.send(FOLLOWER, "/delete")
    await desk.bot.press(FOLLOWER, warning, ERASE_DATA)
    assert desk.bot.app is not None
    await desk.bot.app.update_persistence()
    left = [
        (table, column, value)
        for table, column, value in await everything_stored(database_url)
        if any(marker in value for marker in MARKERS)
    ]
    assert left == []
