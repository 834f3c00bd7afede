"""Notices in the console: an agent whose complaint falls due sees it on the queue and
on the notices page, and marks them read; nobody else sees it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain.clock import moment_of
from bot.domain.complaints.records import create_complaint
from bot.domain.complaints.staff_alerts import DUE_SOON, alert_staff
from bot.storage import db
from bot.storage.models import Complaint
from tests.console.harness import PASSWORD, SCRIPT, Console
from tests.console.server import page_csrf, sign_in

HKT = ZoneInfo("Asia/Hong_Kong")


def test_an_owner_sees_the_notice_and_marks_it_read(console: Console) -> None:
    now = moment_of(None)
    with db.session_scope(db.get_engine(console.database_url)) as session:
        receipt = create_complaint(
            session, sender_id="alice", channel="rest", category="late", description=SCRIPT
        )
        complaint = session.query(Complaint).filter_by(reference=receipt.reference).one()
        complaint.assigned_to = "ann"
        alert_staff(session, complaint, DUE_SOON, now + timedelta(minutes=50), now, HKT)

    ann = sign_in(console.url, "ann", PASSWORD)
    queue = ann.get(console.url + "/queue", timeout=10).text
    assert "1 new notice</a> about complaints you own" in queue
    page = ann.get(console.url + "/notices", timeout=10).text
    assert receipt.reference in page and "is due soon" in page and "Due soon" in page
    csrf = page_csrf(ann, console.url + "/notices")
    ann.post(console.url + "/notices/read", data={"csrf_token": csrf})
    assert "new notice" not in ann.get(console.url + "/queue", timeout=10).text

    lee = sign_in(console.url, "lee", PASSWORD)
    assert receipt.reference not in lee.get(console.url + "/notices", timeout=10).text
