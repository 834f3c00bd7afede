"""Per-conversation rate limits on the real stack, through the REST channel: a customer
(or a script) cannot flood the complaint queue or the agents' queue from one
conversation, is told so plainly, and the refused action leaves nothing stored."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select

from bot.domain.handoff import agent_chat
from bot.domain.rate_limits import LIMITS
from bot.engine.rasa_client import RasaClient
from bot.storage.db import get_engine, session_scope
from bot.storage.models import Complaint, ComplaintCounter, Handoff, RateLimitHit
from tests.e2e.conftest import TOKEN, Customer, RunningStack

REFERENCE = re.compile(r"cmp-\d{4}-\d{5}")


def _file_complaint(customer: Customer, shipment: str, description: str) -> str:
    """Walk the complaint form; return what the bot said to the confirmation."""
    assert "what kind of problem" in customer.reply_text("I want to make a complaint")
    assert "what happened" in customer.reply_text("Damaged goods")
    assert "tracking number" in customer.reply_text(description)
    assert "email address or phone" in customer.reply_text(shipment)
    assert "damaged goods" in customer.reply_text("jo.chan@example.com")
    return customer.reply_text("yes, submit it")


def _counts(stack: RunningStack, sender: str) -> tuple[int, int, int]:
    with session_scope(get_engine(stack.database_url)) as session:
        complaints = session.scalar(
            select(func.count(Complaint.id)).where(Complaint.sender_id == sender)
        )
        issued = session.scalar(select(func.coalesce(func.sum(ComplaintCounter.last_value), 0)))
        hits = session.scalar(select(func.count(RateLimitHit.id)))
        return int(complaints or 0), int(issued or 0), int(hits or 0)


def test_one_conversation_cannot_flood_the_complaint_queue(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    allowed = LIMITS["complaint"].per_conversation
    shipment = demo_shipments[2]["tracking_number"]
    for n in range(allowed):
        receipt = _file_complaint(customer, shipment, f"Carton number {n + 1} arrived crushed.")
        assert REFERENCE.search(receipt), receipt
    before = _counts(running_stack, customer.sender)
    assert before[0] == allowed

    refused = _file_complaint(customer, shipment, "Yet another carton arrived crushed.")

    assert not REFERENCE.search(refused), refused
    assert "several complaints today" in refused and "nothing new has been saved" in refused
    # Nothing half-stored: no complaint, no reference number used up, no extra count.
    assert _counts(running_stack, customer.sender) == before
    # The same customer starting a new conversation is a new conversation (the REST
    # caller is a backend, so no client address is known): they can still complain.
    fresh = running_stack.customer()
    assert REFERENCE.search(_file_complaint(fresh, shipment, "One more carton crushed."))


def test_one_conversation_cannot_flood_the_handoff_queue(
    running_stack: RunningStack, customer: Customer
) -> None:
    engine = get_engine(running_stack.database_url)
    rasa = RasaClient(running_stack.url, TOKEN)

    def handoffs() -> list[Handoff]:
        with session_scope(engine) as session:
            query = select(Handoff).where(Handoff.sender_id == customer.sender)
            return list(session.execute(query).scalars())

    async def take_and_hand_back(handoff_id: int) -> None:
        await agent_chat.take_over(engine, rasa, handoff_id, agent="ann")
        await agent_chat.hand_back(engine, rasa, handoff_id, agent="ann")

    for n in range(LIMITS["handoff"].per_conversation):
        assert "queue" in customer.reply_text("can I talk to a real person please")
        queued = handoffs()
        assert len(queued) == n + 1 and queued[-1].status == "waiting"
        asyncio.run(take_and_hand_back(queued[-1].id))

    refused = customer.reply_text("can I talk to a real person please")

    assert "asked for a colleague several times today" in refused and "queue" in refused
    assert len(handoffs()) == LIMITS["handoff"].per_conversation  # no new queue entry
    # The bot was not paused: it still answers.
    assert customer.say("where is my shipment?") != []
