"""Dates typed by staff (local Greek time) and their storage in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.reminders.deadlines import DeadlineDraft, DeadlineError, format_local, parse_when

ATHENS = ZoneInfo("Europe/Athens")


@pytest.mark.parametrize(
    ("typed", "local"),
    [
        ("15/9/2027 14:00", "2027-09-15 14:00"),
        ("15/09/2027 14.00", "2027-09-15 14:00"),
        ("1/8/2027 10:00", "2027-08-01 10:00"),
        ("15-9-27 9:30", "2027-09-15 09:30"),
        ("15.9.2027", "2027-09-15 23:59"),  # a day without a time: by its end
        ("2027-09-15 14:00", "2027-09-15 14:00"),
        ("2027-09-15T14:00", "2027-09-15 14:00"),
        ("  15/9/2027   στις 14:00 ", "2027-09-15 14:00"),
        ("15/9/2027, at 14:00", "2027-09-15 14:00"),
    ],
)
def test_typed_dates_are_read_as_greek_local_time(typed: str, local: str) -> None:
    assert format_local(parse_when(typed, ATHENS), ATHENS) == local


def test_summer_and_winter_dates_keep_their_wall_clock_time() -> None:
    assert parse_when("15/7/2027 10:00", ATHENS) == datetime(2027, 7, 15, 7, 0, tzinfo=UTC)
    assert parse_when("15/1/2027 10:00", ATHENS) == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "typed", ["31/2/2027", "15/13/2027", "tomorrow", "15/9/2027 25:00", "15/9/2027 14", ""]
)
def test_unreadable_dates_are_refused(typed: str) -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_when(typed, ATHENS)
    assert caught.value.code == "bad_date"


def test_a_draft_survives_the_json_of_a_persisted_conversation() -> None:
    draft = DeadlineDraft(
        kind="meeting",
        title_el="Σύλλογος",
        due_at=datetime(2027, 9, 24, 10, 30, tzinfo=UTC),
        scope="centre",
        centre_id=3,
    )
    assert DeadlineDraft.from_dict(draft.to_dict()) == draft
    assert DeadlineDraft.from_dict(DeadlineDraft().to_dict()) == DeadlineDraft()
