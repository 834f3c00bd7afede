"""Staff work on complaints: assign, notes, resolve; audit trail, KPI figures and the list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from bot.domain.complaints.rules import ComplaintError, ComplaintNotFound
from bot.domain.complaints.staff import add_note, assign, get_complaint, list_complaints, resolve
from bot.domain.complaints.views import ComplaintReceipt, ComplaintView
from bot.storage import db
from tests.domain.complaints.conftest import THURSDAY_1PM, hkt

Submit = Callable[..., ComplaintReceipt]


def _do(
    engine: Engine, change: Callable[..., ComplaintView], *args: object, **kw: object
) -> ComplaintView:
    with db.session_scope(engine) as session:
        return change(session, *args, **kw)


def _show(engine: Engine, reference: str, now: object = THURSDAY_1PM) -> ComplaintView:
    with db.session_scope(engine) as session:
        return get_complaint(session, reference, now=now)  # type: ignore[arg-type]


def test_assign_takes_it_on_and_is_audited(engine: Engine, file_complaint: Submit) -> None:
    reference = file_complaint().reference

    _do(engine, assign, reference, "amy", actor="lead-kim", now=hkt(2026, 11, 26, 13, 30))
    view = _do(engine, assign, reference, "bo", actor="lead-kim", now=hkt(2026, 11, 26, 14))

    assert (view.assigned_to, view.status) == ("bo", "in_progress")
    # Assigning is not contacting the customer.
    assert view.first_followup_at is None and view.promise_kept is None
    trail = [(e.at, e.actor, e.action, e.detail) for e in _show(engine, reference).events]
    assert trail[1:] == [
        (hkt(2026, 11, 26, 13, 30), "lead-kim", "assigned", "to amy"),
        (hkt(2026, 11, 26, 14), "lead-kim", "assigned", "to bo (was amy)"),
    ]


def test_the_first_note_is_the_first_follow_up(engine: Engine, file_complaint: Submit) -> None:
    reference = file_complaint().reference  # medium: promised by Friday 12:00

    first = _do(
        engine,
        add_note,
        reference,
        "Called: photos on the way.",
        actor="amy",
        now=hkt(2026, 11, 27, 10),
    )
    second = _do(
        engine, add_note, reference, "Photos received.", actor="bo", now=hkt(2026, 11, 27, 15)
    )

    assert first.status == "in_progress"
    assert first.first_followup_at == second.first_followup_at == hkt(2026, 11, 27, 10)
    assert first.first_followup_hours == 5 + 1  # Thursday 13-18, Friday 9-10
    assert second.promise_kept is True
    actions = [(e.actor, e.action) for e in _show(engine, reference).events]
    assert actions == [
        ("customer", "created"),
        ("amy", "note"),
        ("amy", "followed_up"),
        ("bo", "note"),
    ]


def test_a_first_follow_up_after_the_promise_is_a_broken_promise(
    engine: Engine, file_complaint: Submit
) -> None:
    reference = file_complaint().reference

    view = _do(
        engine,
        add_note,
        reference,
        "Sorry for the wait.",
        actor="amy",
        now=hkt(2026, 11, 27, 12, 1),
    )

    assert view.promise_kept is False
    assert "promise broken" in _show(engine, reference).events[-1].detail


def test_resolve_records_outcome_and_kpis(engine: Engine, file_complaint: Submit) -> None:
    reference = file_complaint().reference
    _do(engine, add_note, reference, "Called.", actor="amy", now=hkt(2026, 11, 26, 14))

    view = _do(
        engine,
        resolve,
        reference,
        "We have refunded HKD 450.",
        actor="amy",
        now=hkt(2026, 11, 30, 10),
    )

    assert (view.status, view.outcome) == ("resolved", "We have refunded HKD 450.")
    assert view.resolved_at == hkt(2026, 11, 30, 10)
    assert view.resolution_hours == 5 + 9 + 4 + 1
    assert view.resolved_on_time is True and view.promise_kept is True
    assert (view.overdue, view.due_soon, view.next_due_at) == (False, False, None)
    last = _show(engine, reference).events[-1]
    assert (last.actor, last.action) == ("amy", "resolved")
    assert last.detail == "after 19 business hours (on time): We have refunded HKD 450."


def test_resolving_without_a_note_counts_as_the_first_follow_up(
    engine: Engine, file_complaint: Submit
) -> None:
    reference = file_complaint().reference

    view = _do(engine, resolve, reference, "Replaced.", actor="amy", now=hkt(2026, 12, 4, 9))

    assert view.first_followup_at == hkt(2026, 12, 4, 9)
    assert view.promise_kept is False and view.resolved_on_time is False
    assert [e.action for e in _show(engine, reference).events] == [
        "created",
        "followed_up",
        "resolved",
    ]


def test_a_resolved_complaint_cannot_be_resolved_or_assigned_again(
    engine: Engine, file_complaint: Submit
) -> None:
    reference = file_complaint().reference
    _do(engine, resolve, reference, "Refunded.", actor="amy", now=hkt(2026, 11, 27, 9))

    with pytest.raises(ComplaintError, match="already resolved on 2026-11-27"):
        _do(engine, resolve, reference, "Refunded again.", actor="bo")
    with pytest.raises(ComplaintError, match="already resolved"):
        _do(engine, assign, reference, "bo", actor="kim")
    # A note is still welcome, and changes nothing else.
    view = _do(engine, add_note, reference, "Customer thanked us.", actor="amy")
    assert (view.status, view.outcome) == ("resolved", "Refunded.")


@pytest.mark.parametrize(
    ("change", "args", "error", "message"),
    [
        (
            assign,
            ("CMP-2026-00077", "amy"),
            ComplaintNotFound,
            "There is no complaint CMP-2026-00077",
        ),
        (add_note, ("nonsense", "text"), ComplaintNotFound, "not a complaint reference"),
        (add_note, ("CMP-2026-00001", "   "), ComplaintError, "note is empty"),
        (add_note, ("CMP-2026-00001", "x" * 20_001), ComplaintError, "longer than 20,000"),
        (resolve, ("CMP-2026-00001", ""), ComplaintError, "outcome is empty"),
        (assign, ("CMP-2026-00001", " "), ComplaintError, "Say who the agent is"),
    ],
)
def test_bad_staff_input_is_refused_and_changes_nothing(
    engine: Engine,
    file_complaint: Submit,
    change: Callable[..., ComplaintView],
    args: tuple[str, str],
    error: type[Exception],
    message: str,
) -> None:
    file_complaint()

    with pytest.raises(error, match=message):
        _do(engine, change, *args, actor="amy")

    view = _show(engine, "CMP-2026-00001")
    assert (view.status, len(view.events)) == ("open", 1)


def test_an_empty_actor_is_refused(engine: Engine, file_complaint: Submit) -> None:
    reference = file_complaint().reference

    with pytest.raises(ComplaintError, match="Say who the actor is"):
        _do(engine, add_note, reference, "Called.", actor="")


def test_list_puts_the_most_pressing_first_with_flags(
    engine: Engine, file_complaint: Submit
) -> None:
    medium = file_complaint().reference  # due Friday 12:00
    critical = file_complaint(
        sender_id="tg-2", description="The driver hurt my hand.", category="staff_conduct"
    ).reference  # due Thursday 15:00
    low = file_complaint(sender_id="tg-3", category="late", description="A day late.").reference
    done = file_complaint(sender_id="tg-4", description="Dented.").reference
    _do(engine, resolve, done, "Replaced.", actor="amy", now=hkt(2026, 11, 26, 14))
    _do(engine, assign, low, "bo", actor="kim", now=hkt(2026, 11, 26, 14))

    def listed(**query: object) -> list[tuple[str, bool, bool]]:
        with db.session_scope(engine) as session:
            views = list_complaints(session, **query)  # type: ignore[arg-type]
        return [(v.reference, v.overdue, v.due_soon) for v in views]

    at_2_30 = hkt(2026, 11, 26, 14, 30)
    assert listed(now=at_2_30) == [
        (critical, False, True),  # due 15:00, within the hour
        (medium, False, False),
        (low, False, False),  # low: 16 hours
        (done, False, False),
    ]
    at_3_30 = hkt(2026, 11, 26, 15, 30)
    assert listed(now=at_3_30, overdue_only=True) == [(critical, True, False)]
    assert [r for r, _, _ in listed(now=at_3_30, status="open")] == [critical, medium]
    assert [r for r, _, _ in listed(now=at_3_30, status=("resolved",))] == [done]
    assert [r for r, _, _ in listed(now=at_3_30, assigned_to="bo")] == [low]
