"""The fault report's dialog without Telegram: (draft, input) → (draft, state, screen), and
its buttons' callback data (codec "rp": the wire strings of before, forged data refused)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest

from bot.dialogs.common import CancelFlow
from bot.dialogs.helpdesk import text
from bot.dialogs.helpdesk.report import screens, sent, steps
from bot.dialogs.helpdesk.report.actions import (
    FLOW,
    REPORT,
    AttachmentsDone,
    Back,
    ChooseCategory,
    ChooseSchool,
    Edit,
    FollowDuplicate,
    KeepSchool,
    Send,
    category_of,
    summary_press,
)
from bot.dialogs.helpdesk.report.screens import Env, FindDuplicate, Outcome, Step
from bot.i18n import get_translator
from bot.services.helpdesk.draft import ReportDraft
from bot.services.helpdesk.schools import SchoolInfo, SearchOutcome, SearchResult
from bot.services.helpdesk.ticket_types import AttachmentKind, Category, NewAttachment, Urgency
from bot.ui import Screen
from bot.ui.actions import pack

EN = get_translator("en")
T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
SCHOOL = SchoolInfo(7, "0551010", "1st Gymnasium of Athens", "Γυμνάσιο", "Α΄ Αθήνας", None, 1)
PHOTO = NewAttachment(AttachmentKind.PHOTO, "AgAD-photo", "uniq-1")
ENV = Env(
    tr=EN,
    category=partial(text.category, EN),
    urgency=partial(text.urgency, EN),
    duplicate_card=partial(text.duplicate_card, EN, now=T0),
    too_large=lambda size: f"too large: {size}",
    description_max=50,
)
READY = ReportDraft(
    school_id=7,
    school_name="1st Gymnasium of Athens",
    school_code="0551010",
    lab="Lab 1",
    category=Category.COMPUTER,
    description="It does not start",
    urgency=Urgency.PARTIAL,
)


def data(screen: Screen | None) -> list[str]:
    assert screen is not None
    return [pack(a) for a in screen.actions()]


def outcome(result: object) -> Outcome:
    assert isinstance(result, Outcome)
    return result


def test_the_wire_strings_are_those_of_before() -> None:
    draft_id = "0123456789abcdef0123456789abcdef"
    assert pack(Back()) == "rp:back"
    assert pack(KeepSchool()) == "rp:keep"
    assert pack(ChooseSchool(42)) == "rp:sch:42"
    assert pack(ChooseCategory("pc")) == "rp:cat:pc"
    assert pack(FollowDuplicate(2**31 - 1)) == "rp:dup:2147483647"
    assert pack(AttachmentsDone()) == "rp:done"
    assert pack(Send(draft_id)) == f"rp:send:{draft_id}"
    assert pack(Edit(draft_id)) == f"rp:edit:{draft_id}"
    assert pack(CancelFlow()) == "flow:cancel"
    assert FLOW.parse("flow:cancel") == CancelFlow()


@pytest.mark.parametrize(
    "forged",
    ["rp:dup:" + "9" * 20, "rp:dup:-1", "rp:dup:1x", "rp:dup:١", "rp:sch:", "rp:keep:1", "rp:x"],
)
def test_forged_report_data_parse_to_nothing(forged: str) -> None:
    assert REPORT.parse(forged) is None


def test_a_category_that_does_not_exist_is_none() -> None:
    assert category_of(ChooseCategory("pc")) is Category.COMPUTER
    assert category_of(ChooseCategory("toaster")) is None


@pytest.mark.parametrize(
    ("pressed", "expected"),
    [
        ("rp:send:" + "a" * 32, (Send, "a" * 32)),
        ("rp:edit:" + "0" * 32, (Edit, "0" * 32)),
        ("rp:send", (Send, None)),  # a summary from before drafts had ids: the current draft
        ("rp:send:" + "A" * 32, None),
        ("rp:send:" + "a" * 31, None),
        ("rp:send:" + "g" * 32, None),
        ("rp:send:" + "a" * 32 + ":x", None),
        ("rp:dup:1", None),
        (None, None),
    ],
)
def test_summary_buttons_name_a_32_hex_draft_or_none(
    pressed: str | None, expected: object
) -> None:
    assert summary_press(pressed) == expected


def test_a_remembered_school_is_offered_first_without_back() -> None:
    shown = steps.start(ENV, SCHOOL)
    assert shown.step is Step.SCHOOL_CONFIRM
    assert data(shown.screen) == ["rp:keep", "rp:other", "flow:cancel"]
    assert shown.screen is not None
    assert "<b>1st Gymnasium of Athens</b> (0551010)" in shown.screen.text
    assert shown.draft.school_id == 7
    assert shown.draft.trail == ("school_confirm",)


def test_every_step_has_back_and_cancel_from_the_second_on() -> None:
    first = steps.start(ENV, None)
    assert data(first.screen) == ["flow:cancel"]
    found = SearchResult(SearchOutcome.FOUND, (SCHOOL,), 1)
    choices = steps.school_found(ENV, first.draft, "0551010", found)
    assert data(choices.screen) == ["rp:sch:7", "flow:cancel"]  # still the school step
    lab = outcome(steps.school_chosen(ENV, choices.draft, SCHOOL))
    assert lab.step is Step.LAB
    assert data(lab.screen) == ["rp:back", "flow:cancel"]
    # « Back»: the school question again, the school kept.
    back = outcome(steps.back(ENV, lab.draft))
    assert (back.step, back.draft.school_id) == (Step.SCHOOL, 7)
    assert steps.back(ENV, back.draft) is None  # the first question


def test_the_lab_given_last_time_is_a_button_and_remembered_again() -> None:
    env = Env(**{**ENV.__dict__, "last_lab": "Lab 2"})
    asked = screens.ask_lab(env, READY)
    assert data(asked.screen)[0] == "rp:lab"
    chosen = outcome(steps.lab_last(env, READY))
    assert (chosen.draft.lab, chosen.lab, chosen.step) == ("Lab 2", "Lab 2", Step.CATEGORY)
    too_long = outcome(steps.lab_text(ENV, READY, "x" * 101))
    assert too_long.step is Step.LAB
    assert too_long.screen is not None
    assert too_long.screen.text.startswith("Please write at most 100 characters.")


def test_the_device_leads_to_the_duplicate_check_or_back_to_the_summary() -> None:
    looked = steps.equipment_text(ENV, READY, "  PC-07 ")
    assert isinstance(looked, FindDuplicate)
    assert looked.draft.equipment == "PC-07"
    editing = outcome(steps.equipment_skip(ENV, READY.replace(editing=True)))
    assert editing.step is Step.CONFIRM
    assert editing.draft.equipment is None
    assert outcome(steps.after_equipment(ENV, READY, None)).step is Step.DESCRIPTION


def test_a_voice_note_is_the_description_and_an_album_is_acknowledged_once() -> None:
    draft = READY.replace(description="", attachments=())
    voice = steps.Media(NewAttachment(AttachmentKind.VOICE, "AwAD"), voice=True)
    kept = outcome(steps.description_media(ENV, draft, voice))
    assert kept.screen is not None
    assert kept.screen.text.startswith("🎤 Voice message kept as the description.")
    first = steps.Media(PHOTO, album="album-1")
    at_lab = outcome(steps.media_elsewhere(ENV, draft, first, Step.LAB))
    assert at_lab.step is Step.LAB
    assert at_lab.screen is not None
    assert at_lab.screen.text.startswith("📎 Kept (1 photo or file so far).")
    second = outcome(steps.media_elsewhere(ENV, at_lab.draft, first, Step.LAB))
    assert (second.screen, len(second.draft.attachments)) == (None, 2)


def test_a_caption_becomes_the_description_and_too_large_files_are_refused() -> None:
    media = steps.Media(PHOTO, caption=" The screen \x00is black ")
    started = steps.start_with_media(ENV, None, media)
    assert started.draft.description == "The screen is black"
    assert started.screen is not None
    assert started.screen.text.startswith("📎 I kept it, and its caption as the description.")
    big = steps.Media(NewAttachment(AttachmentKind.DOCUMENT, "BQAD", file_size=21 * 2**20))
    assert steps.refuse_first_file(ENV, big) == f"too large: {21 * 2**20}"


def test_text_while_collecting_photos_joins_the_description_unless_too_long() -> None:
    draft = READY.replace(description="It does not start")
    added = steps.attachments_text(ENV, draft, "since Monday")
    assert added.draft.description == "It does not start\nsince Monday"
    over = steps.attachments_text(ENV, draft, "x" * 40)
    assert over.draft == draft
    assert over.screen is not None
    assert over.screen.buttons == ()
    assert over.screen.text.startswith("Your description has 58 characters")


def test_the_summary_carries_the_draft_id_and_send_asks_what_is_missing() -> None:
    summary = screens.show_summary(ENV, READY.visit("urgency").replace(editing=True))
    assert summary.draft.editing is False
    assert data(summary.screen) == [
        f"rp:send:{READY.id}",
        f"rp:edit:{READY.id}",
        "rp:back",
        "flow:cancel",
    ]
    assert steps.before_send(ENV, READY) is None
    asked = steps.before_send(ENV, READY.replace(description=""))
    assert asked is not None
    assert (asked.step, asked.draft.editing) == (Step.DESCRIPTION, True)
    asked = steps.before_send(ENV, READY.replace(urgency=None))
    assert asked is not None
    assert asked.step is Step.URGENCY


def test_the_teacher_hears_registered_first_and_the_centre_only_when_it_can_receive() -> None:
    body = sent.registered(ENV, "KPL-2026-00001", "A & B", routable=True, contacts="")
    assert body.startswith("✅ Your report is registered as <b>KPL-2026-00001</b>.")
    assert "A &amp; B has it" in body
    closed = sent.closed_meanwhile(ENV, READY.replace(duplicate_of=3, duplicate_ref="KPL-3"))
    assert (closed.step, closed.draft.duplicate_of) == (Step.URGENCY, None)


def test_every_button_of_every_step_packs_within_64_bytes() -> None:
    draft = READY.replace(attachments=(PHOTO,), editing=True, duplicate_ref="KPL-2026-00001")
    for step, ask in screens.ASKS.items():
        shown = ask(ENV, draft.visit("school"), "")
        assert shown.step is step
        for action in data(shown.screen):
            assert len(action.encode()) <= 64
            assert REPORT.parse(action) is not None or FLOW.parse(action) is not None
