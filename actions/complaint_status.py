"""Where a complaint stands: told to the conversation that filed it, or after a one-time code.

The rules are the domain's (:mod:`bot.domain.complaints.status_access`); this action reads
the message, calls them and sends the code through the contact messenger built here from
the settings (:class:`bot.core.mail.SmtpMailer`).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    OFFER_STATUS_REFERENCE,
    channel_of,
    in_thread,
    language_of,
    latest_text,
    settings,
)
from bot.core.i18n import message, normalise_input
from bot.core.mail import SmtpMailer
from bot.domain.complaints.rules import normalise_reference, without_references
from bot.domain.complaints.status_access import (
    CODE_TTL,
    Asker,
    CodeDelivery,
    find_code,
    own_complaints,
    request_code,
    verify_code,
)
from bot.domain.complaints.wording import (
    format_code_maybe_sent,
    format_code_message,
    format_code_not_accepted,
    format_status,
    format_status_not_in_this_chat,
    status_code_needs_reference,
    status_lookups_limited,
    status_unavailable,
)
from bot.domain.contacts import parse_contact
from bot.domain.delivery import ContactMessenger
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

#: Most complaints listed in one answer.
SHOWN = 3
CONTACT_KINDS = ("email", "phone")


@functools.lru_cache(maxsize=1)
def messenger() -> ContactMessenger:
    """The action server's way to reach a complaint's contact (SMTP, from the settings)."""
    return SmtpMailer(settings().mail)


def _send(delivery: CodeDelivery, language: str) -> None:
    minutes = int(CODE_TTL.total_seconds() // 60)
    mail = format_code_message(delivery.reference, delivery.code, minutes, language)
    try:
        messenger().send(delivery.contact_kind, delivery.contact, mail.subject, mail.text)
    except (OSError, ValueError):
        # The asker is answered the same either way; staff see why no code arrived.
        logger.error(
            "FAULT: could not send the one-time code for %s to its %s contact",
            delivery.reference,
            delivery.contact_kind,
            exc_info=True,
        )


class ActionComplaintStatus(Action):
    """Tells a customer where their own complaints stand; never anyone else's."""

    def name(self) -> str:
        return "action_complaint_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = normalise_input(latest_text(tracker))
        language = language_of(tracker)
        reference = normalise_reference(text)
        rest = without_references(text)
        asker = Asker(tracker.sender_id, channel_of(tracker))
        tz = settings().tz
        try:
            own = await run_in_session(
                get_engine(), lambda session: own_complaints(session, asker, reference=reference)
            )
            if own:
                for view in own[:SHOWN]:
                    dispatcher.utter_message(text=format_status(view, tz, language))
                return []
            code = find_code(rest)
            contact = parse_contact(rest)
            if code is not None and reference is None:
                dispatcher.utter_message(text=status_code_needs_reference(language))
                return []
            if code is not None and reference is not None:
                wanted = reference
                checked = await run_in_session(
                    get_engine(),
                    lambda session: verify_code(session, asker, reference=wanted, code=code),
                )
                if checked.limited:
                    dispatcher.utter_message(text=status_lookups_limited(language))
                elif checked.view is None:
                    dispatcher.utter_message(text=format_code_not_accepted(reference, language))
                else:
                    dispatcher.utter_message(text=format_status(checked.view, tz, language))
                return []
            if contact is not None and reference is not None:
                wanted, given = reference, contact.value
                reachable = frozenset(k for k in CONTACT_KINDS if messenger().can_reach(k))
                asked = await run_in_session(
                    get_engine(),
                    lambda session: request_code(
                        session, asker, reference=wanted, contact=given, can_reach=reachable
                    ),
                )
                if asked.limited:
                    dispatcher.utter_message(text=status_lookups_limited(language))
                    return []
                if asked.delivery is not None:
                    await in_thread(_send, asked.delivery, language)
                minutes = int(CODE_TTL.total_seconds() // 60)
                dispatcher.utter_message(text=format_code_maybe_sent(reference, minutes, language))
                return []
        except SQLAlchemyError:
            logger.exception("complaint status lookup failed")
            dispatcher.utter_message(text=status_unavailable(language))
            return []
        dispatcher.utter_message(text=format_status_not_in_this_chat(reference, language))
        if reference is None:
            # The same question whatever exists, so it tells a stranger nothing.
            dispatcher.utter_message(**message("complaints.status.have_reference", language))
            return [SlotSet("pending_offer", OFFER_STATUS_REFERENCE)]
        return []
