"""What an agent sees beside a handoff, from the shape the handoff really stores: the
queue says what the customer wanted in plain words, and the conversation page shows the
shipment they tracked (status, history, ETA), their open complaints and their language."""

from __future__ import annotations

from bot.domain.complaints.records import create_complaint
from bot.domain.demo import seed_demo
from bot.storage import db
from tests.console.harness import PASSWORD, Console
from tests.console.server import page_csrf, sign_in

#: The context actions/handoff.py stores after "where is 160-48219371?" then "a person
#: please": tracking has cleared its slot, the number is kept under "shipment".
TRACKED = {
    "intent": "track_shipment",
    "slots": {},
    "last_messages": ["where is 160-48219371?", "EXTERNAL wording " + "x" * 400, "a person please"],
    "shipment": "160-48219371",
}


def test_the_queue_says_what_the_customer_wanted_in_plain_words(console: Console) -> None:
    console.handoff("alice", summary="EXTERNAL_survey_offer | greet@0.99", context=TRACKED)
    agent = sign_in(console.url, "ann", PASSWORD)
    queue = agent.get(console.url + "/queue", timeout=10).text
    assert "Track a shipment" in queue and "Asked for a person" in queue
    assert "160-48219371" in queue and "where is 160-48219371?" in queue
    assert "EXTERNAL_survey_offer" not in queue and "@0.99" not in queue
    assert "x" * 400 not in queue  # a long message is cut on the queue


def test_the_shipment_panel_shows_the_tracked_shipment(console: Console) -> None:
    with db.session_scope(db.get_engine(console.database_url)) as session:
        seed_demo(session)
        create_complaint(
            session,
            sender_id="alice",
            channel="rest",
            category="late",
            description="My parcel is a week late",
            contact="alice@example.com",
        )
    handoff_id = console.handoff("alice", context=TRACKED)
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    page = agent.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).text
    assert 'data-shipment="160-48219371"' in page
    assert "Hong Kong (HKG) to Los Angeles (LAX)" in page
    assert "Status: <strong>" in page and "Booking confirmed" in page  # the history
    assert "ETA: " in page or "Delivered " in page
    assert "No shipment in this conversation" not in page
    assert "Late delivery" in page  # the open complaint
    assert "<h2>Language</h2>\n    <p>English</p>" in page


def test_an_unknown_number_is_named_not_hidden(console: Console) -> None:
    context = {**TRACKED, "shipment": "160-00000000"}
    handoff_id = console.handoff("bob", context=context)
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    page = agent.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).text
    assert "160-00000000" in page and "we have no shipment with that number" in page
