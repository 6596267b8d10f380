"""The optional e-mail copy of new tickets, for centres that keep an e-mail-fed helpdesk.

Sent with the standard library's SMTP client in a worker thread, so the bot's
event loop never waits on a mail server. Nothing is sent unless SMTP_HOST and
the centre's helpdesk mailbox are both set.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bot.config import Settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 20


class MailError(Exception):
    """The copy could not be sent (the ticket itself is stored regardless)."""


def mail_enabled(settings: Settings, to: str | None) -> bool:
    return bool(settings.smtp_host and to)


def build_message(
    settings: Settings, *, to: str, subject: str, body: str, reference: str
) -> EmailMessage:
    """A plain-text UTF-8 message; the reference is in the subject and a header for threading."""
    message = EmailMessage()
    sender = settings.smtp_from or settings.smtp_user or f"keplibot@{settings.smtp_host}"
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=reference.replace("-", ""))
    message["X-Keplibot-Ticket"] = reference
    message.set_content(body, charset="utf-8")
    return message


def _send_blocking(settings: Settings, message: EmailMessage) -> None:
    assert settings.smtp_host is not None
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS
    ) as smtp:
        smtp.ehlo()
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_user and settings.smtp_password is not None:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


async def send_copy(
    settings: Settings, *, to: str, subject: str, body: str, reference: str
) -> None:
    """Send the copy; raise MailError (with the server's reason) if it cannot be sent."""
    message = build_message(settings, to=to, subject=subject, body=body, reference=reference)
    try:
        await asyncio.to_thread(_send_blocking, settings, message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    log.info("e-mail copy of %s sent to %s", reference, to)
