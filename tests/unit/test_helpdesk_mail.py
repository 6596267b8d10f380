"""The e-mail copy of a new ticket, sent to a local SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.config import Settings, load_settings
from bot.dialogs.helpdesk import text as helpdesk_text
from bot.i18n import get_translator
from bot.services.helpdesk import mail as helpdesk_mail
from bot.services.helpdesk.mail import MailError
from bot.services.helpdesk.ticket_types import (
    AttachmentKind,
    AttachmentView,
    Category,
    TicketView,
    Urgency,
)
from bot.services.helpdesk.ticket_workflow import Status
from tests.helpdesk_smtp import Mailbox, free_port, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as server:
        yield server


def _settings(port: int, **extra: Any) -> Settings:
    return load_settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_from="keplibot@keplinet.example",
        _env_file=None,
        **extra,
    )


TICKET = TicketView(
    id=1,
    reference="KPL-2026-00042",
    status=Status.NEW,
    category=Category.PRINTER,
    urgency=Urgency.BLOCKING,
    lab="Εργαστήριο 2",
    equipment="HP-LJ-01",
    description="Ο εκτυπωτής βγάζει λευκές σελίδες.",
    school_id=1,
    school_code="0551010",
    school_name="1ο Γυμνάσιο Αθηνών",
    centre_id=1,
    centre_name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας",
    reporter_id=1001,
    reporter_name="Μαρία Παπαδοπούλου",
    reporter_locale="el",
    assignee_id=None,
    assignee_name=None,
    created_at=datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
    updated_at=datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
    first_response_at=None,
    resolved_at=None,
    closed_at=None,
    staff_chat_id=None,
    staff_message_id=None,
    attachments=(
        AttachmentView(1, AttachmentKind.PHOTO, "f1", "η σελίδα", None, False),
        AttachmentView(2, AttachmentKind.DOCUMENT, "f2", None, "log.txt", False),
        AttachmentView(3, AttachmentKind.PHOTO, "f3", "εσωτερικό", None, True),
    ),
)


async def test_the_copy_reaches_the_centres_mailbox_in_greek(smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    settings = _settings(port)
    tr = get_translator("el")
    await helpdesk_mail.send_copy(
        settings,
        to="helpdesk@dide-a-athin.att.sch.gr",
        subject=helpdesk_text.mail_subject(tr, TICKET),
        body=helpdesk_text.mail_body(tr, TICKET, settings.tz),
        reference=TICKET.reference,
    )
    assert mailbox.envelopes == [
        ("keplibot@keplinet.example", ["helpdesk@dide-a-athin.att.sch.gr"])
    ]
    message = mailbox.messages[0]
    assert message["Subject"].startswith("[KPL-2026-00042] ")
    assert "1ο Γυμνάσιο Αθηνών (0551010)" in message["Subject"]
    assert message["X-Keplibot-Ticket"] == "KPL-2026-00042"
    body = message.get_content()
    assert "Ο εκτυπωτής βγάζει λευκές σελίδες." in body
    assert "HP-LJ-01" in body
    assert "- log.txt\n" in body  # a file by its name
    assert "- Φωτογραφία: η σελίδα\n" in body  # a photo by its kind, in Greek, and caption
    assert "εσωτερικό" not in body  # an internal attachment stays in the staff chat


async def test_a_mail_server_that_is_down_raises_mail_error() -> None:
    settings = _settings(free_port())
    with pytest.raises(MailError):
        await helpdesk_mail.send_copy(
            settings, to="x@example.org", subject="s", body="b", reference="KPL-2026-00001"
        )


def test_no_copy_without_smtp_host_or_mailbox() -> None:
    assert not helpdesk_mail.mail_enabled(load_settings(_env_file=None), "x@example.org")
    assert not helpdesk_mail.mail_enabled(_settings(25), None)
    assert helpdesk_mail.mail_enabled(_settings(25), "x@example.org")
