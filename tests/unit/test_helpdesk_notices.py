"""What an outbox row carries and the screen it becomes at delivery (no channel involved)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.dialogs.helpdesk import actions as act
from bot.dialogs.helpdesk import notices, screens
from bot.i18n import get_translator
from bot.services.helpdesk.ticket_types import AttachmentKind, Change, NewAttachment
from bot.services.helpdesk.ticket_workflow import Status
from bot.ui import Button, File, Screen
from tests.unit.test_helpdesk_text import TICKET

EL = get_translator("el")


def _photo(n: int) -> NewAttachment:
    return NewAttachment(AttachmentKind.PHOTO, f"photo-{n}", f"u{n}", None)


def test_a_notice_with_buttons_survives_the_outbox_as_the_same_screen() -> None:
    for status in Status:
        ticket = replace(TICKET, status=status)
        screen = Screen.of("🎫 <b>KPL</b>", screens.teacher_buttons(EL, ticket), markup=True)
        payload = {"text": screen.text, "markup": notices.rows_of(screen)}
        assert notices.screen_of(payload) == screen


def test_a_forged_or_retired_button_in_a_payload_is_left_out() -> None:
    payload = {
        "text": "x",
        "markup": [[("ok", "tk:v:7"), ("forged", "tk:v:99999999999999999999")], [("old", "zz:1")]],
    }
    assert notices.screen_of(payload) == Screen.of(
        "x", [[Button("ok", act.ViewTicket(7))]], markup=True
    )


def test_media_rows_become_files_passed_on_by_the_channels_own_ids() -> None:
    calls = notices.split_media([_photo(n) for n in range(12)])
    assert [len(c) for c in calls] == [10, 2]  # albums of at most ten
    media = [notices.media_item(a, notices.caption("📎", a)) for a in calls[1]]
    screen = notices.screen_of({"media": media})
    assert screen.files == (
        File("photo", ref="photo-10", caption="📎", kind="photo"),
        File("photo", ref="photo-11", caption="📎", kind="photo"),
    )
    assert notices.split_media([_photo(0)]) == [[_photo(0)]]


def test_an_erased_payload_is_not_a_screen() -> None:
    with pytest.raises(KeyError):
        notices.screen_of({"erased": True})


def test_a_change_with_nothing_to_say_makes_no_notice_unless_files_follow() -> None:
    change = Change(ticket=TICKET, events=())
    assert screens.teacher_notice(EL, change) is None
    notice = screens.teacher_notice(EL, change, with_files=True)
    assert notice is not None
    assert TICKET.reference in notice.text
