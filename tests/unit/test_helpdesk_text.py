"""What people read about tickets: labels, cards, history lines, durations, button data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from bot.dialogs.helpdesk import actions as act
from bot.dialogs.helpdesk import screens, text
from bot.dialogs.helpdesk.report.screens import Env, summary_text
from bot.i18n import get_translator
from bot.services.helpdesk.draft import ReportDraft
from bot.services.helpdesk.ticket_types import (
    AttachmentKind,
    AttachmentView,
    Category,
    EventKind,
    EventView,
    NewAttachment,
    Page,
    TicketView,
    Urgency,
)
from bot.services.helpdesk.ticket_workflow import Refusal, Status
from bot.ui import Button
from bot.ui.actions import pack

ATHENS = ZoneInfo("Europe/Athens")
EL = get_translator("el")
EN = get_translator("en")
T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)

TICKET = TicketView(
    id=2_147_483_647,  # the largest id a button may have to carry
    reference="KPL-2026-00042",
    status=Status.NEW,
    category=Category.NETWORK,
    urgency=Urgency.BLOCKING,
    lab="Εργαστήριο <1>",
    equipment="SW-01",
    description="Δεν υπάρχει σύνδεση & το router αναβοσβήνει.",
    school_id=1,
    school_code="0551010",
    school_name="1ο Γυμνάσιο Αθηνών",
    centre_id=1,
    centre_name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας",
    reporter_id=1001,
    reporter_name="Μαρία <Π>",
    reporter_locale="el",
    assignee_id=None,
    assignee_name=None,
    created_at=T0,
    updated_at=T0,
    first_response_at=None,
    resolved_at=None,
    closed_at=None,
    staff_chat_id=None,
    staff_message_id=None,
    attachments=(
        AttachmentView(1, AttachmentKind.PHOTO, "f1", None, None, False),
        AttachmentView(2, AttachmentKind.PHOTO, "f2", None, None, True),
    ),
)


def test_every_status_category_and_urgency_has_a_label_and_an_icon() -> None:
    for status in Status:
        assert text.status(EL, status) != text.status(EN, status)
    for category in Category:
        assert text.CATEGORY_ICONS[category]
        assert EL.gettext(text.CATEGORY_LABELS[category])
    for urgency in Urgency:
        assert text.urgency(EL, urgency).startswith(text.URGENCY_ICONS[urgency])


def test_greek_labels_are_the_ones_teachers_know() -> None:
    assert text.status(EL, Status.IN_PROGRESS) == "🔧 Υπό διεκπεραίωση"
    assert text.status(EL, Status.RESOLVED) == "✅ Διεκπεραιωμένο"
    assert text.category(EL, Category.NETWORK) == "🌐 Δίκτυο/Ίντερνετ ΠΣΔ"
    assert EL.gettext("✅ Solved") == "✅ Λύθηκε"
    assert EL.gettext("🔁 Reopen") == "🔁 Ξανάνοιξε"


@pytest.mark.parametrize(
    ("span", "greek", "english"),
    [
        (None, "—", "—"),
        (timedelta(seconds=20), "0 λεπ.", "0 min"),
        (timedelta(minutes=45), "45 λεπ.", "45 min"),
        (timedelta(hours=2, minutes=30), "2 ώρ. 30 λεπ.", "2 h 30 min"),
        (timedelta(days=1, hours=3, minutes=5), "1 ημέρα 3 ώρ.", "1 day 3 h"),
        (timedelta(days=3), "3 ημέρες", "3 days"),
    ],
)
def test_durations_read_naturally(span: timedelta | None, greek: str, english: str) -> None:
    assert text.duration(EL, span) == greek
    assert text.duration(EN, span) == english


def test_the_card_escapes_what_people_typed() -> None:
    card = text.ticket_card(EL, TICKET, ATHENS, for_staff=True)
    assert "Εργαστήριο &lt;1&gt;" in card
    assert "Μαρία &lt;Π&gt;" in card
    assert "σύνδεση &amp; το router" in card
    assert "<b>KPL-2026-00042</b>" in card
    assert "2/3/26, 10:30" in card  # Athens time, Greek format


def test_teachers_do_not_see_internal_attachments_or_who_reported() -> None:
    staff = text.ticket_card(EL, TICKET, ATHENS, for_staff=True)
    teacher = text.ticket_card(EL, TICKET, ATHENS, for_staff=False)
    assert "📎 2 συνημμένα" in staff
    assert "📎 1 συνημμένο" in teacher
    assert "Δήλωση από" in staff
    assert "Δήλωση από" not in teacher


def _event(kind: EventKind, **kwargs: object) -> EventView:
    values: dict[str, object] = {
        "id": 1,
        "at": T0,
        "actor_id": 2001,
        "actor_name": "Νίκος",
        "role": "staff",
        "kind": kind,
        "from_status": None,
        "to_status": None,
        "text": None,
        "internal": False,
    }
    values.update(kwargs)
    return EventView(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (_event(EventKind.CREATED), "Νίκος δήλωσε τη βλάβη"),
        (_event(EventKind.ASSIGNED), "Νίκος ανέλαβε το αίτημα"),
        (_event(EventKind.ASSIGNED, text="Ελένη"), "Νίκος ανέλαβε το αίτημα από Ελένη"),
        (
            _event(EventKind.STATUS, to_status=Status.WAITING),
            "Νίκος άλλαξε την κατάσταση σε «Αναμονή απάντησης σχολείου»",
        ),
        (_event(EventKind.REPLY, text="Ερχόμαστε"), "Νίκος απάντησε: «Ερχόμαστε»"),
        (
            _event(EventKind.NOTE, text="RAM", internal=True),
            "Νίκος 🔒 εσωτερική σημείωση: «RAM»",
        ),
        (_event(EventKind.REOPENED), "Νίκος άνοιξε ξανά το αίτημα"),
        (_event(EventKind.CLOSED), "Νίκος έκλεισε το αίτημα"),
    ],
)
def test_history_lines(event: EventView, expected: str) -> None:
    line = text.event_line(EL, event, ATHENS)
    assert line == f"• 2/3/26, 10:30\u202fπ.μ. — {expected}"


def test_refusals_say_why_in_the_users_language() -> None:
    assert text.refusal(EN, Refusal.ALREADY, Status.RESOLVED, 14) == (
        "Nothing changed: the ticket is already «Resolved»."
    )
    assert "14 ημέρες" in text.refusal(EL, Refusal.REOPEN_EXPIRED, Status.CLOSED, 14)


def test_button_data_fits_telegrams_64_bytes_for_any_ticket() -> None:
    for status in Status:
        ticket = replace(TICKET, status=status)
        for rows in (
            screens.staff_buttons(EL, ticket),
            screens.teacher_buttons(EL, ticket),
            screens.teacher_view_buttons(EL, ticket),
        ):
            for row in rows:
                for button in row:
                    assert button.action is not None
                    data = pack(button.action)  # the codec refuses anything over 64 bytes
                    assert len(data.encode()) <= 64
                    assert act.parse(data) == button.action


@pytest.mark.parametrize(
    ("page", "nav"),
    [
        (0, [("Επόμενα »", "st:mine:1")]),
        (1, [("« Προηγούμενα", "st:mine:0"), ("Επόμενα »", "st:mine:2")]),
        (2, [("« Προηγούμενα", "st:mine:1")]),
    ],
)
def test_a_list_page_has_a_button_per_ticket_and_the_way_to_the_others(
    page: int, nav: list[tuple[str, str]]
) -> None:
    resolved = replace(TICKET, id=7, reference="KPL-2026-00007", status=Status.RESOLVED)
    found = Page(items=(TICKET, resolved), page=page, pages=3, total=6)
    rows = _wire(screens.list_rows(EL, found, act.StaffView, act.MinePage))
    assert rows == [
        [("🆕 KPL-2026-00042", f"st:v:{TICKET.id}")],
        [("✅ KPL-2026-00007", "st:v:7")],
        nav,
    ]
    single = Page(items=(TICKET,), page=0, pages=1, total=1)
    assert _wire(screens.list_rows(EL, single, act.ViewTicket, act.MyTickets)) == [
        [("🆕 KPL-2026-00042", f"tk:v:{TICKET.id}")]
    ]


def _wire(rows: list[list[Button]]) -> list[list[tuple[str, str]]]:
    """Rows of buttons as (label, callback data), as Telegram gets them."""
    return [[(b.label, pack(b.action)) for b in row if b.action is not None] for row in rows]


def test_the_summary_shows_the_draft_as_the_teacher_entered_it() -> None:
    draft = ReportDraft(
        school_name="1ο Γυμνάσιο Αθηνών",
        school_code="0551010",
        lab="Εργαστήριο 1",
        category=Category.PRINTER,
        description="Τυπώνει <λευκές> σελίδες",
        attachments=(
            NewAttachment(AttachmentKind.PHOTO, "p1"),
            NewAttachment(AttachmentKind.DOCUMENT, "d1"),
        ),
        urgency=Urgency.MINOR,
    )
    env = Env(
        tr=EL,
        category=partial(text.category, EL),
        urgency=partial(text.urgency, EL),
        duplicate_card=partial(text.duplicate_card, EL, now=T0),
        too_large=str,
        description_max=2000,
    )
    shown = summary_text(env, draft)
    assert shown.splitlines() == [
        "<b>Ελέγξτε τη δήλωσή σας</b>",
        "🏫 1ο Γυμνάσιο Αθηνών (0551010)",
        "📍 Εργαστήριο 1 · 🖨 Εκτυπωτής",
        "🟢 Μικρό πρόβλημα: το εργαστήριο λειτουργεί",
        "📝 Τυπώνει &lt;λευκές&gt; σελίδες",
        "📎 2 συνημμένα",
    ]
