"""Complaint status on the real stack: only for the conversation that filed the complaint,
or for whoever proves ownership with a one-time code mailed to the complaint's contact.

The complaints are filed through the chat (the first test) or stored with the domain's
own function, as the assistant stores them; the code arrives at a real SMTP server
(:class:`tests.support.mailbox.Mailbox`) and is typed back through the REST channel.
"""

from __future__ import annotations

import re
import uuid

import pytest

from bot.domain.complaints.records import create_complaint
from bot.domain.complaints.staff import resolve
from bot.domain.complaints.status_access import LOOKUP_LIMIT
from bot.storage.db import get_engine, session_scope
from tests.e2e.conftest import Customer, RunningStack
from tests.support.mailbox import Mailbox, code_in

OUTCOME = "We refunded HKD 2,300 to the card ending 4421."
REFERENCE = re.compile(r"cmp-\d{4}-\d{5}")


def _unique_email() -> str:
    return f"jo.{uuid.uuid4().hex[:8]}@example.com"


def _unique_phone() -> str:
    return f"9{uuid.uuid4().int % 10**7:07d}"


def _store_resolved(stack: RunningStack, owner: Customer, contact: str) -> str:
    """A resolved complaint of ``owner``'s REST conversation, left with ``contact``."""
    with session_scope(get_engine(stack.database_url)) as session:
        receipt = create_complaint(
            session,
            sender_id=owner.sender,
            channel="rest",
            category="damaged",
            # One complaint per contact (the same text twice would be the same complaint).
            description=f"The carton was crushed and two vases inside are broken ({contact}).",
            contact=contact,
        )
        resolve(session, receipt.reference, OUTCOME, actor="e2e-manager")
        return receipt.reference


def _reveals_nothing(reply: str, reference: str) -> None:
    assert reference.lower() not in reply
    for secret in ("refunded", "4421", "damaged", "resolved", "vases"):
        assert secret not in reply, reply


@pytest.mark.parametrize(
    "ask",
    [
        "any update on my complaint? my email is {email}",
        "has my complaint been resolved? {phone}",
        "{phone}",
        '/complaint_status{{"term":"{email}"}}',
    ],
    ids=["email-in-words", "phone-in-words", "bare-phone", "slash-command"],
)
def test_a_typed_contact_shows_a_stranger_nothing(
    running_stack: RunningStack, customer: Customer, ask: str
) -> None:
    email, phone = _unique_email(), _unique_phone()
    by_email = _store_resolved(running_stack, customer, email)
    by_phone = _store_resolved(running_stack, customer, phone)
    stranger = running_stack.customer()
    reply = stranger.reply_text(ask.format(email=email, phone=phone))
    _reveals_nothing(reply, by_email)
    _reveals_nothing(reply, by_phone)
    # The owner's own conversation is told as before.
    own = customer.reply_text("any update on my complaint?")
    assert by_email.lower() in own and "refunded hkd 2,300" in own


def test_the_filing_chat_is_told_where_its_complaint_stands(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    assert "what kind of problem" in customer.reply_text("I want to make a complaint")
    customer.say("Damaged goods")
    customer.say("The carton was crushed and two vases broke.")
    customer.say(demo_shipments[3]["tracking_number"])
    customer.say(_unique_email())
    receipt = customer.reply_text("yes, submit it")
    reference = REFERENCE.search(receipt).group()  # type: ignore[union-attr]
    status = customer.reply_text("what's the status of my complaint?")
    assert reference in status and "a colleague will contact you by" in status


def test_the_owner_proves_ownership_from_another_chat_with_a_mailed_code(
    running_stack: RunningStack, customer: Customer, mailbox: Mailbox
) -> None:
    email = _unique_email()
    reference = _store_resolved(running_stack, customer, email)
    other_chat = running_stack.customer()
    first = other_chat.reply_text(f"status of complaint {reference}")
    assert "couldn't find" in first and "refunded" not in first
    sent = other_chat.reply_text(f"{reference} my email is {email.upper()}")
    assert "6-digit code is on its way" in sent and "refunded" not in sent
    (message,) = mailbox.wait_for(email)
    code = code_in(message)
    assert reference in str(message.get_payload(decode=True))
    # The code works only in the chat that asked for it...
    elsewhere = running_stack.customer().reply_text(f"{reference} code {code}")
    assert "refunded" not in elsewhere and "isn't valid" in elsewhere
    # ...where it shows the complaint, outcome included, once.
    shown = other_chat.reply_text(f"{reference} code {code}")
    assert reference.lower() in shown and "refunded hkd 2,300" in shown
    again = other_chat.reply_text(f"{reference} code {code}")
    assert "isn't valid" in again and "refunded" not in again


def test_no_such_complaint_and_a_wrong_contact_get_the_same_answer_and_no_mail(
    running_stack: RunningStack, customer: Customer, mailbox: Mailbox
) -> None:
    email = _unique_email()
    reference = _store_resolved(running_stack, customer, email)
    unknown = "CMP-2019-99999"
    stranger = running_stack.customer()
    wrong_contact = stranger.reply_text(f"{reference} my email is someone@example.org")
    no_such = running_stack.customer().reply_text(f"{unknown} my email is {email}")
    assert wrong_contact.replace(reference.lower(), "REF") == no_such.replace(
        unknown.lower(), "REF"
    )
    assert mailbox.to(email) == [] and mailbox.to("someone@example.org") == []


def test_look_ups_are_limited_per_conversation(
    running_stack: RunningStack, customer: Customer, mailbox: Mailbox
) -> None:
    email = _unique_email()
    reference = _store_resolved(running_stack, customer, email)
    stranger = running_stack.customer()
    for number in range(LOOKUP_LIMIT):
        assert "on its way" in stranger.reply_text(f"CMP-2019-{number:05d} {email}")
    limited = stranger.reply_text(f"{reference} {email}")
    assert "can't look up more" in limited
    assert mailbox.to(email) == []
