"""When the weekly summary was last due: the key its outbox record is filed under."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_settings
from handlers.helpdesk.summary import summary_slot

ATHENS = ZoneInfo("Europe/Athens")


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (datetime(2026, 3, 9, 8, 0, tzinfo=ATHENS), datetime(2026, 3, 9, 8, 0, tzinfo=ATHENS)),
        (datetime(2026, 3, 9, 7, 59, tzinfo=ATHENS), datetime(2026, 3, 2, 8, 0, tzinfo=ATHENS)),
        (datetime(2026, 3, 15, 23, 0, tzinfo=ATHENS), datetime(2026, 3, 9, 8, 0, tzinfo=ATHENS)),
        # Across the change to summer time (29 March 2026): still 08:00 local.
        (datetime(2026, 3, 30, 9, 0, tzinfo=ATHENS), datetime(2026, 3, 30, 8, 0, tzinfo=ATHENS)),
    ],
)
def test_the_last_scheduled_summary_is_mondays_at_eight_local(
    now: datetime, slot: datetime
) -> None:
    settings = load_settings(_env_file=None, helpdesk_summary_weekday=0, helpdesk_summary_hour=8)
    assert summary_slot(settings, now) == slot
