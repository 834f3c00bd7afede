"""Search results link to where they came from: an agent's hit opens the handoff she
handled, a manager's also the conversation log's session and the open complaint; the
links respect roles (an agent is never sent to the managers' log)."""

from __future__ import annotations

import re
import time

from bot.domain.complaints.records import create_complaint
from bot.domain.handoff.staff import take_handoff
from bot.engine.eventstream.facts import apply_events
from bot.storage import db
from tests.console.harness import PASSWORD, Console
from tests.console.server import sign_in


def _hrefs(page: str) -> list[str]:
    return re.findall(r'<p class="hit-links">(.*?)</p>', page, flags=re.S)


def test_hits_link_to_the_conversation_and_complaint_by_role(console: Console) -> None:
    with db.session_scope(db.get_engine(console.database_url)) as session:
        apply_events(
            session,
            [{"event": "user", "text": "the crate of durian smells", "timestamp": time.time()}],
            sender_id="alice",
        )
    handoff_id = console.handoff("alice")
    with db.session_scope(db.get_engine(console.database_url)) as session:
        take_handoff(session, handoff_id, agent="ann")
        receipt = create_complaint(
            session,
            sender_id="alice",
            channel="rest",
            category="damaged",
            description="The crate of durian arrived broken",
        )

    ann = sign_in(console.url, "ann", PASSWORD)
    page = ann.get(console.url + "/search", params={"q": "crate of durian"}, timeout=10).text
    links = " ".join(_hrefs(page))
    assert f'href="/handoffs/{handoff_id}"' in links
    assert "/dashboard/conversations/" not in links
    assert ann.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).status_code == 200

    mary = sign_in(console.url, "mary", PASSWORD)
    page = mary.get(console.url + "/search", params={"q": "crate of durian"}, timeout=10).text
    log = re.search(r'href="(/dashboard/conversations/\d+)"', page)
    assert log is not None
    assert f'href="/complaints#complaint-{receipt.reference}"' in page
    detail = mary.get(console.url + log.group(1), timeout=10)
    assert detail.status_code == 200 and "alice" in detail.text
    complaints = mary.get(console.url + "/complaints", timeout=10).text
    assert f'id="complaint-{receipt.reference}"' in complaints
