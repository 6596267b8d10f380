"""The reminders' buttons (rem, dl, cal) and a reminder handed to the Notifier port."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.dialogs.reminders.actions import (
    AreaPage,
    ChooseArea,
    EditField,
    OpenDeadline,
    PickScope,
    StopFromReminder,
    ToggleKind,
    ToggleTime,
    calendar,
    deadlines,
    reminders,
)
from bot.dialogs.reminders.notices import ReminderNotices
from bot.services.reminders.deadline_view import DeadlineView
from bot.services.reminders.delivery import DueReminder
from bot.ui import Action, Address, Delivered, RecipientGone, Screen
from bot.ui.actions import pack


@pytest.mark.parametrize(
    ("action", "data"),
    [
        (ToggleKind("meeting"), "rem:k:meeting"),
        (ToggleTime("7d"), "rem:t:7d"),
        (AreaPage(0), "rem:area:0"),
        (ChooseArea("d", 12), "rem:a:d:12"),
        (StopFromReminder(), "rem:off"),
        (OpenDeadline(5), "dl:o:5"),
        (EditField("title_el"), "dl:e:title_el"),
        (PickScope(0), "dl:s:0"),
    ],
)
def test_buttons_pack_to_the_wire_strings_and_back(action: Action, data: str) -> None:
    assert pack(action) == data
    codec = {"rem": reminders, "dl": deadlines, "cal": calendar}[data.split(":")[0]]
    assert codec.parse(data) == action


@pytest.mark.parametrize(
    "data",
    [
        "dl:o:-1",
        "dl:o:99999999999999999999",
        "dl:o:five",
        "dl:o:5:6",
        "rem:area:x",
        "rem:a:d12",
        "rem:nope",
        "cal:file:1",
        "faq:menu",
    ],
)
def test_forged_buttons_parse_to_nothing(data: str) -> None:
    assert all(codec.parse(data) is None for codec in (reminders, deadlines, calendar))


@dataclass
class FakeNotifier:
    channel: str = "fake"
    sent: list[tuple[Address, Screen]] = field(default_factory=list)
    refuse: Exception | None = None

    async def deliver(self, to: Address, screen: Screen) -> Delivered:
        if self.refuse is not None:
            raise self.refuse
        self.sent.append((to, screen))
        return Delivered(str(len(self.sent)))


def due(locale: str | None = "en") -> DueReminder:
    deadline = DeadlineView(
        id=7,
        kind="meeting",
        title_el="Σύλλογος διδασκόντων",
        title_en="Teachers' association",
        notes_el="",
        notes_en="",
        due_at=datetime(2027, 9, 15, 11, 0, tzinfo=UTC),
        updated_at=datetime(2027, 9, 1, 9, 0, tzinfo=UTC),
        link=None,
        revision=1,
    )
    return DueReminder(1, 4242, locale, "1d", deadline, datetime(2027, 9, 14, 6, 0, tzinfo=UTC))


async def test_a_reminder_goes_to_the_persons_chat_in_their_language_with_a_stop_button() -> None:
    notifier = FakeNotifier()
    delivered = await ReminderNotices(notifier, Settings(telegram_token="1:x"))(due("en"))
    assert delivered == Delivered("1")
    [(to, screen)] = notifier.sent
    assert to == Address.telegram(4242)
    assert screen.text.startswith("⏰ Reminder: Teachers' association\nTomorrow at 14:00")
    assert not screen.markup  # the staff's titles are shown as written
    assert screen.actions() == [StopFromReminder()]


@pytest.mark.parametrize(
    ("locale", "start"), [("en-US", "⏰ Reminder:"), ("el-GR", "⏰ Υπενθύμιση:")]
)
async def test_a_client_language_with_a_region_is_the_readers_language(
    locale: str, start: str
) -> None:
    notifier = FakeNotifier()
    await ReminderNotices(notifier, Settings(telegram_token="1:x"))(due(locale))
    [(_to, screen)] = notifier.sent
    assert screen.text.startswith(start)


async def test_a_refusal_of_the_channel_reaches_the_dispatcher() -> None:
    notifier = FakeNotifier(refuse=RecipientGone("blocked"))
    with pytest.raises(RecipientGone):
        await ReminderNotices(notifier, Settings(telegram_token="1:x"))(due())
