"""Mail to customers over SMTP: the one outbound mail adapter.

:class:`SmtpMailer` hands a plain-text message to the SMTP server of
:class:`bot.core.settings.MailSettings` (STARTTLS or SSL with certificate checks, login
when configured, a timeout on every step). It has the methods of the domain's
:class:`bot.domain.delivery.ContactMessenger`; the action server builds one from its
settings (``actions/common.py``) and passes it to the domain.

A phone contact is reached through an email-to-SMS gateway when one is configured
(``<digits>@<gateway>``); this project has no direct SMS provider interface to call, so
without a gateway a phone contact cannot be sent anything (see docs/security.md).

Plain Python (``smtplib``); imports nothing of the project but the settings.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from bot.core.settings import MailSettings

EMAIL = "email"
PHONE = "phone"


class SmtpMailer:
    """Sends one message at a time over SMTP; raises ``OSError`` when it cannot."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def can_reach(self, contact_kind: str) -> bool:
        """Whether a contact of this kind (``email``/``phone``) can be sent anything."""
        if not self.settings.host:
            return False
        if contact_kind == EMAIL:
            return True
        return contact_kind == PHONE and bool(self.settings.sms_email_gateway)

    def address_of(self, contact_kind: str, contact: str) -> str:
        """The mail address a contact is reached at (a phone through the SMS gateway).

        Raises:
            ValueError: this kind of contact cannot be reached.
        """
        if contact_kind == EMAIL:
            return contact
        if contact_kind == PHONE and self.settings.sms_email_gateway:
            digits = "".join(ch for ch in contact if ch.isdigit())
            return f"{digits}@{self.settings.sms_email_gateway}"
        raise ValueError(f"no way to reach a {contact_kind} contact")

    def send(self, contact_kind: str, contact: str, subject: str, text: str) -> None:
        """Hand one plain-text message for ``contact`` to the SMTP server.

        Raises:
            ValueError: the contact cannot be reached (see :meth:`can_reach`).
            OSError: the server could not be reached or refused the message
                (``smtplib.SMTPException`` is an ``OSError``).
        """
        if not self.can_reach(contact_kind):
            raise ValueError(f"no way to reach a {contact_kind} contact")
        config = self.settings
        message = EmailMessage()
        message["From"] = config.sender
        message["To"] = self.address_of(contact_kind, contact)
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="freightdesk")
        message.set_content(text)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if config.tls == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            if config.tls == "starttls":
                smtp.starttls(context=context)
            if config.user:
                smtp.login(config.user, config.password)
            smtp.send_message(message)
