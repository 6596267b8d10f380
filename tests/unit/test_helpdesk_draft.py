"""The typed fault-report draft: stored as JSON and read back, the untyped dict of before
read as it was, anything else `Unreadable`; what it needs before «Send»; « Back»'s trail."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.services.helpdesk.draft import (
    KEY,
    VERSION,
    FileProblem,
    Missing,
    ReportDraft,
    Unreadable,
    is_draft_id,
    load,
)
from bot.services.helpdesk.ticket_types import (
    MAX_ATTACHMENTS,
    MAX_FILE_BYTES,
    AttachmentKind,
    Category,
    NewAttachment,
    Urgency,
)

PHOTO = NewAttachment(AttachmentKind.PHOTO, "AgAD-photo", "uniq-1", "Η οθόνη", file_size=1234)
DRAFT = ReportDraft(
    school_id=7,
    school_name="1ο Γυμνάσιο Αθηνών",
    school_code="0551010",
    lab="Εργαστήριο 1",
    category=Category.PRINTER,
    equipment="PR-2",
    description="Τυπώνει λευκές σελίδες",
    attachments=(PHOTO,),
    urgency=Urgency.MINOR,
    trail=("school", "lab"),
)

# What the untyped report handler stored in user_data (before drafts had a version).
UNTYPED: dict[str, Any] = {
    "id": "0123456789abcdef0123456789abcdef",
    "school_id": 7,
    "school_name": "1ο Γυμνάσιο Αθηνών",
    "school_code": "0551010",
    "lab": "Εργαστήριο 1",
    "category": "printer",
    "equipment": None,
    "description": "Τυπώνει",
    "attachments": [
        {
            "kind": "document",
            "file_id": "BQAD-doc",
            "file_unique_id": "uniq-2",
            "caption": None,
            "file_name": "scan.pdf",
            "mime_type": "application/pdf",
            "file_size": 2048,
        }
    ],
    "urgency": None,
    "duplicate_of": 12,
    "duplicate_ref": "KPL-2026-00012",
    "editing": True,
    "album": "album-1",
    "trail": ["school_confirm", "lab", "category", "equipment", "duplicate", "description"],
}


def test_a_draft_goes_through_json_and_back_unchanged() -> None:
    stored = json.loads(json.dumps(DRAFT.to_dict()))
    assert stored["version"] == VERSION
    assert ReportDraft.from_dict(stored) == DRAFT


def test_the_untyped_draft_of_before_is_read_as_it_was() -> None:
    draft = ReportDraft.from_dict(UNTYPED)
    assert draft.id == UNTYPED["id"]
    assert (draft.school_id, draft.category, draft.urgency) == (7, Category.PRINTER, None)
    assert (draft.duplicate_of, draft.duplicate_ref) == (12, "KPL-2026-00012")
    assert draft.attachments == (
        NewAttachment(
            AttachmentKind.DOCUMENT,
            "BQAD-doc",
            "uniq-2",
            None,
            "scan.pdf",
            "application/pdf",
            2048,
        ),
    )
    assert (draft.editing, draft.album) == (True, "album-1")
    assert draft.trail[-1] == "description"
    # Written back, it is the typed version (and reads the same).
    assert ReportDraft.from_dict(draft.to_dict()) == draft


def test_an_untyped_draft_from_before_drafts_had_ids_gets_one() -> None:
    old = {k: v for k, v in UNTYPED.items() if k not in ("id", "trail")}
    draft = ReportDraft.from_dict(old)
    assert is_draft_id(draft.id)
    assert draft.trail == ()


@pytest.mark.parametrize(
    "stored",
    [
        {**UNTYPED, "version": VERSION + 1},  # written by a newer bot
        {**UNTYPED, "version": "2"},
        {**UNTYPED, "category": "toaster"},
        {**UNTYPED, "urgency": 3},
        {**UNTYPED, "school_id": "7"},
        {**UNTYPED, "school_id": True},
        {**UNTYPED, "attachments": ["AgAD-photo"]},
        {**UNTYPED, "attachments": [{"kind": "video", "file_id": "x"}]},
        {**UNTYPED, "attachments": [{"kind": "photo"}]},
        "a draft",
        ["school", 7],
    ],
)
def test_a_draft_that_is_not_one_this_code_knows_is_unreadable(stored: object) -> None:
    with pytest.raises(Unreadable):
        ReportDraft.from_dict(stored)


def test_load_reads_user_data() -> None:
    assert load(None) is None
    assert load({}) is None
    assert load({KEY: None}) is None
    assert load({KEY: DRAFT.to_dict()}) == DRAFT
    with pytest.raises(Unreadable):
        load({KEY: {"version": 99}})


def test_a_draft_needs_school_then_words_or_a_photo_then_category_then_urgency() -> None:
    draft = ReportDraft()
    assert draft.missing() is Missing.SCHOOL
    draft = draft.replace(school_id=1)
    assert draft.missing() is Missing.DESCRIPTION
    assert draft.replace(attachments=(PHOTO,)).missing() is Missing.CATEGORY
    draft = draft.replace(description="Δεν ανοίγει")
    assert draft.missing() is Missing.CATEGORY
    draft = draft.replace(category=Category.COMPUTER)
    assert draft.missing() is Missing.URGENCY
    assert draft.replace(urgency=Urgency.BLOCKING).missing() is None
    # An addition to an open ticket needs neither: the ticket has them.
    assert ReportDraft(school_id=1, description="κι εδώ", duplicate_of=4).missing() is None


def test_files_over_the_size_or_the_count_are_refused() -> None:
    big = NewAttachment(AttachmentKind.DOCUMENT, "BQAD", file_size=MAX_FILE_BYTES + 1)
    assert ReportDraft().file_problem(big) is FileProblem.TOO_LARGE
    full = ReportDraft(attachments=(PHOTO,) * MAX_ATTACHMENTS)
    assert full.file_problem(PHOTO) is FileProblem.TOO_MANY
    assert ReportDraft().file_problem(PHOTO) is None


def test_an_added_file_has_its_caption_and_name_cleaned() -> None:
    dirty = NewAttachment(
        AttachmentKind.DOCUMENT, "BQAD", caption="a\x00b", file_name="σ" * 300 + ".pdf"
    )
    [kept] = ReportDraft().with_attachment(dirty).attachments
    assert kept.caption == "ab"
    assert kept.file_name is not None
    assert len(kept.file_name) <= 255
    assert kept.file_name.endswith(".pdf")


def test_the_trail_records_steps_and_back_steps_back() -> None:
    draft = ReportDraft().visit("school").visit("lab").visit("category")
    assert draft.trail == ("school", "lab", "category")
    assert draft.visit("lab").trail == ("school", "lab")  # seen before: cut back to it
    back, step = draft.back()
    assert (back.trail, step) == (("school", "lab"), "lab")
    first, none = ReportDraft().visit("school").back()
    assert (first.trail, none) == (("school",), None)


def test_draft_ids_are_32_hex_digits() -> None:
    assert is_draft_id(ReportDraft().id)
    assert ReportDraft().id != ReportDraft().id
    for bad in ("0" * 31, "0" * 33, "G" * 32, "0" * 31 + "A", "", None, 12):
        assert not is_draft_id(bad)
