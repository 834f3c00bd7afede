"""Sales leads worked like complaints: a promised call-back in business hours, an owner,
statuses through to won or lost with a reason, the promise measured, an audit trail.
The clock is moved by giving each change its time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from bot.domain.lead_work import (
    LeadError,
    LeadNotFound,
    assign,
    lead_trail,
    leads_for,
    parse_lead_id,
    set_status,
)
from bot.domain.leads import list_leads, save_lead

HK = ZoneInfo("Asia/Hong_Kong")
# Wednesday 2 December 2026, 17:00 in Hong Kong: one business hour left that day.
WEDNESDAY_5PM = datetime(2026, 12, 2, 17, 0, tzinfo=HK)


def _lead(session: Session, now: datetime = WEDNESDAY_5PM, sender: str = "web-1") -> int:
    return save_lead(
        session,
        sender_id=sender,
        channel="web",
        name="Chan Tai Man",
        contact="tm.chan@example.com",
        mode="air",
        origin="Hong Kong",
        destination="Hamburg",
        weight_kg=120,
        language="en",
        now=now,
    )


def test_a_new_lead_is_promised_a_call_back_one_business_day_later(session: Session) -> None:
    lead_id = _lead(session)
    (view,) = list_leads(session, now=WEDNESDAY_5PM)
    assert view.id == lead_id and view.reference == f"LEAD-{lead_id:05d}"
    # 1 hour on Wednesday + 8 on Thursday (09:00-17:00): Thursday 17:00.
    assert view.due_at == datetime(2026, 12, 3, 17, 0, tzinfo=HK)
    assert view.status == "new" and view.assigned_to is None and not view.overdue


def test_a_friday_evening_lead_is_due_on_monday(session: Session) -> None:
    _lead(session, now=datetime(2026, 12, 4, 19, 30, tzinfo=HK))
    (view,) = list_leads(session)
    # Saturday 09:00-13:00 (4 h) and Monday 09:00-14:00 (5 h).
    assert view.due_at == datetime(2026, 12, 7, 14, 0, tzinfo=HK)


def test_lead_worked_to_won_keeps_the_promise_and_the_trail(session: Session) -> None:
    lead_id = _lead(session)
    assign(session, lead_id, "ann", actor="lee", role="team_lead", now=WEDNESDAY_5PM)
    called = datetime(2026, 12, 3, 10, 30, tzinfo=HK)
    view = set_status(session, lead_id, "contacted", actor="ann", role="agent", now=called)
    assert view.contacted_at == called and view.promise_kept is True
    set_status(session, lead_id, "quoted", actor="ann", role="agent", now=called)
    won = set_status(
        session,
        lead_id,
        "won",
        actor="ann",
        role="agent",
        now=datetime(2026, 12, 4, 9, 0, tzinfo=HK),
    )
    assert won.status == "won" and won.closed_at is not None
    trail = [(e.actor, e.action, e.detail) for e in lead_trail(session, lead_id)]
    assert trail == [
        ("lee", "lead_assigned", "to ann"),
        ("ann", "lead_called_back", "after 2.5 business hours; promise kept"),
        ("ann", "lead_contacted", "new -> contacted"),
        ("ann", "lead_quoted", "contacted -> quoted"),
        ("ann", "lead_won", "quoted -> won"),
    ]
    with pytest.raises(LeadError, match="already closed"):
        set_status(session, lead_id, "lost", actor="lee", role="team_lead", reason="x")


def test_a_late_call_back_is_a_broken_promise_and_overdue_before(session: Session) -> None:
    lead_id = _lead(session)
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=HK)
    (view,) = leads_for(session, name="lee", role="team_lead", now=friday)
    assert view.overdue
    late = set_status(session, lead_id, "contacted", actor="lee", role="team_lead", now=friday)
    assert late.promise_kept is False and not late.overdue


def test_lost_needs_a_reason(session: Session) -> None:
    lead_id = _lead(session)
    with pytest.raises(LeadError, match="Say why the lead was lost"):
        set_status(session, lead_id, "lost", actor="lee", role="team_lead", reason="  ")
    lost = set_status(
        session, lead_id, "lost", actor="lee", role="team_lead", reason="Went with a forwarder"
    )
    assert lost.lost_reason == "Went with a forwarder" and lost.status == "lost"


def test_agents_work_only_their_own_leads_and_do_not_assign(session: Session) -> None:
    mine, theirs = _lead(session, sender="a"), _lead(session, sender="b")
    assign(session, mine, "ann", actor="lee", role="team_lead")
    assign(session, theirs, "bob", actor="lee", role="team_lead")
    assert [v.id for v in leads_for(session, name="ann", role="agent")] == [mine]
    assert {v.id for v in leads_for(session, name="mary", role="manager")} == {mine, theirs}
    with pytest.raises(LeadError, match="not assigned to you"):
        set_status(session, theirs, "contacted", actor="ann", role="agent")
    with pytest.raises(LeadError, match="Only team leads and managers assign"):
        assign(session, mine, "ann", actor="ann", role="agent")


def test_bad_changes_are_refused(session: Session) -> None:
    lead_id = _lead(session)
    set_status(session, lead_id, "quoted", actor="lee", role="team_lead")
    with pytest.raises(LeadError, match="cannot go back"):
        set_status(session, lead_id, "contacted", actor="lee", role="team_lead")
    with pytest.raises(LeadError, match="is not one of"):
        set_status(session, lead_id, "maybe", actor="lee", role="team_lead")
    with pytest.raises(LeadNotFound):
        set_status(session, 999, "won", actor="lee", role="team_lead")
    assert parse_lead_id("lead-00042") == 42 and parse_lead_id(" 7 ") == 7
    with pytest.raises(LeadNotFound):
        parse_lead_id("LEAD-abc")
