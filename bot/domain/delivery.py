"""What the domain needs to reach a customer outside the chat, declared by the domain.

A one-time code proving that a customer owns a complaint's contact is sent to that
contact (:mod:`bot.domain.complaints.status_access`). The domain talks to the small
interface below; :class:`bot.core.mail.SmtpMailer` implements it over SMTP (and an
email-to-SMS gateway for phone contacts), the action server passes one in, and a test may
pass anything with the same methods.

Plain Python: imports nothing of the project.
"""

from __future__ import annotations

from typing import Protocol


class ContactMessenger(Protocol):
    """Sending a short message to an email address or phone number."""

    def can_reach(self, contact_kind: str) -> bool:
        """Whether a contact of this kind (``email`` or ``phone``) can be sent anything."""

    def send(self, contact_kind: str, contact: str, subject: str, text: str) -> None:
        """Send ``text`` to the contact.

        Raises:
            ValueError: this kind of contact cannot be reached.
            OSError: the message could not be handed over.
        """
