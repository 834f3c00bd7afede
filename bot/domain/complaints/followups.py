"""The follow-up worker: promises made to complaining customers are kept across restarts.

Everything it needs is in the database, not in Rasa's memory, so a restart loses
nothing. Each pass (:func:`run_once`):

1. **Reminds** staff, once per promise, of a follow-up due within the reminder lead time
   (1 business hour) that nobody has made yet: a log line for the assigned colleague or
   the queue, ``reminder_sent_at`` and an audit entry.
2. **Escalates** a missed promise: the complaint goes to the senior queue with a new
   promised time (which gets its own reminder), and the promise is recorded as broken.
3. **Tells the customer**, once, about the missed promise and the new time.
4. **Sends** resolution messages that could not be sent when the complaint was resolved
   (Rasa was down), then publishes :class:`bot.domain.events.ComplaintResolved`.

Customer messages go out in the language the customer's conversation is in when the
message is sent, read from Rasa's tracker just before sending
(:meth:`bot.domain.conversations.Notifier.language_sync`: the customer's explicit choice,
else the language of their latest message), not a language stored with the complaint: a
customer who files in English and later writes (or switches) to Chinese is answered in
Chinese, days later too, exactly as the assistant would answer their next message; the
message is delivered into that same tracker anyway, so reading it adds no new way to
fail, and the complaint row keeps no copy that could go stale.

Every change is a conditional update of one row ("where reminder_sent_at is null"), so
two workers, or a worker and ``complaints resolve``, never do the same thing twice. A
customer message is claimed before it is sent; a claim left by a crashed sender expires
after :data:`CLAIM_LEASE`, and the next sender first asks Rasa whether that message got
through before sending it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.business_hours import format_promise
from bot.domain.complaints.staff_alerts import DUE_SOON, StaffMailer, alert_staff, email_staff
from bot.domain.complaints.staff_alerts import OVERDUE as OVERDUE_NOTICE
from bot.domain.complaints.views import view_complaint
from bot.domain.complaints.wording import format_overdue_notice, format_resolution_notice
from bot.domain.conversations import NOTICE_KEY, Notifier, NotifyError
from bot.domain.events import ComplaintResolved, Publish
from bot.domain.kpi.rollups import mark_stale
from bot.domain.service_levels import ServiceLevels, service_levels
from bot.storage.db import session_scope
from bot.storage.models import Complaint, ComplaintEvent, utcnow

logger = logging.getLogger(__name__)

#: Who the audit trail names for what this worker does.
WORKER_ACTOR = "follow-up worker"
#: Where a complaint goes when its promise was missed.
SENIOR_QUEUE = "senior-complaints"
#: A claim on a customer message older than this was left by a sender that died.
CLAIM_LEASE = timedelta(minutes=5)

OVERDUE = "overdue"
RESOLUTION = "resolution"

_table = Complaint.__table__


@dataclass(frozen=True)
class Delivery:
    """What happened to one customer message.

    Attributes:
        reference: the complaint.
        kind: ``overdue`` or ``resolution``.
        outcome: ``sent``; ``already_sent`` (found delivered after an interrupted
            attempt, or recorded by another sender); ``busy`` (another sender is on it);
            ``failed`` (will be retried by the worker).
        problem: why it failed.
    """

    reference: str
    kind: str
    outcome: str
    problem: str = ""

    def describe(self) -> str:
        """One line for the operator."""
        what = "outcome" if self.kind == RESOLUTION else "missed-promise update"
        if self.outcome == "sent":
            return f"The customer has been told the {what} of {self.reference}."
        if self.outcome == "already_sent":
            return f"The customer had already been told the {what} of {self.reference}."
        if self.outcome == "busy":
            return f"The {what} of {self.reference} is being sent by the follow-up worker."
        return (
            f"The customer could not be told the {what} of {self.reference} yet "
            f"({self.problem}); the follow-up worker will retry."
        )


@dataclass
class WatchReport:
    """What one pass of the worker did (references per step)."""

    reminders: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    staff_mails: int = 0

    @property
    def failures(self) -> list[Delivery]:
        """Messages that could not be sent this pass."""
        return [d for d in self.deliveries if d.outcome == "failed"]

    def summary(self) -> str:
        """One line for the log."""
        sent = sum(d.outcome == "sent" for d in self.deliveries)
        return (
            f"{len(self.reminders)} reminder(s), {len(self.escalations)} escalation(s), "
            f"{sent} message(s) sent, {len(self.failures)} failed"
        )


def _unresolved_without_followup() -> ColumnElement[bool]:
    return and_(_table.c.status != "resolved", _table.c.first_followup_at.is_(None))


def _pending(kind: str) -> ColumnElement[bool]:
    if kind == OVERDUE:
        return and_(
            _unresolved_without_followup(),
            _table.c.escalated_at.is_not(None),
            _table.c.customer_notified_overdue_at.is_(None),
        )
    return and_(
        _table.c.status == "resolved",
        _table.c.customer_notified_resolution_at.is_(None),
    )


def _audit(session: Any, complaint_id: int, at: datetime, action: str, detail: str) -> None:
    session.add(
        ComplaintEvent(
            complaint_id=complaint_id, at=at, actor=WORKER_ACTOR, action=action, detail=detail
        )
    )


def send_reminders(engine: Engine, *, now: datetime, levels: ServiceLevels) -> list[str]:
    """Remind staff, once per complaint, of a first follow-up that falls due soon.

    Returns:
        The references reminded about in this call.
    """
    threshold = levels.calendar.add_business_hours(now, levels.policy.reminder_before_hours)
    due_soon = and_(
        _unresolved_without_followup(),
        _table.c.reminder_sent_at.is_(None),
        _table.c.due_at > now,
        _table.c.due_at <= threshold,
    )
    with session_scope(engine) as session:
        ids = list(session.execute(select(_table.c.id).where(due_soon)).scalars())
    reminded: list[str] = []
    for complaint_id in ids:
        with session_scope(engine) as session:
            claimed = session.execute(
                update(_table)
                .where(_table.c.id == complaint_id, due_soon)
                .values(reminder_sent_at=now)
            ).rowcount
            if claimed != 1:
                continue  # another worker reminded, or someone followed up meanwhile
            complaint = session.get(Complaint, complaint_id, populate_existing=True)
            who = complaint.assigned_to or "the complaints queue"
            promise = format_promise(complaint.due_at, levels.calendar.tz)
            logger.warning(
                "Reminder for %s: complaint %s (%s, %s) was promised a follow-up by %s and "
                "has none yet.",
                who,
                complaint.reference,
                complaint.category,
                complaint.severity,
                promise,
            )
            _audit(
                session,
                complaint_id,
                now,
                "reminder",
                f"reminded {who}: follow-up due by {complaint.due_at.isoformat()}",
            )
            # In the owner's console, and by mail when they have an address.
            alert_staff(session, complaint, DUE_SOON, complaint.due_at, now, levels.calendar.tz)
            reminded.append(complaint.reference)
    return reminded


def escalate_missed(engine: Engine, *, now: datetime, levels: ServiceLevels) -> list[str]:
    """Pass complaints whose promised follow-up was missed to the senior queue.

    Each gets a new promised time (the policy's ``missed_promise_followup_hours`` from
    now), ``promise_kept`` False and an audit entry; the customer message is sent by
    :func:`deliver_pending`.

    Returns:
        The references escalated in this call.
    """
    missed = and_(
        _unresolved_without_followup(),
        _table.c.escalated_at.is_(None),
        _table.c.due_at < now,
    )
    with session_scope(engine) as session:
        ids = list(session.execute(select(_table.c.id).where(missed)).scalars())
    new_due = levels.calendar.add_business_hours(now, levels.policy.missed_promise_followup_hours)
    escalated: list[str] = []
    for complaint_id in ids:
        with session_scope(engine) as session:
            # Write first (a no-op) so the row is locked before it is read: see
            # bot.domain.complaints.staff._locked.
            session.execute(
                update(_table)
                .where(_table.c.id == complaint_id)
                .values(updated_at=_table.c.updated_at)
            )
            before = session.execute(
                select(_table.c.assigned_to, _table.c.due_at).where(_table.c.id == complaint_id)
            ).one()
            claimed = session.execute(
                update(_table)
                .where(_table.c.id == complaint_id, missed)
                .values(
                    escalated_at=now,
                    due_at=new_due,
                    # The new promise gets its own reminder, for the senior queue.
                    reminder_sent_at=None,
                    promise_kept=False,
                    assigned_to=SENIOR_QUEUE,
                    status="in_progress",
                    updated_at=now,
                )
            ).rowcount
            if claimed != 1:
                continue
            complaint = session.get(Complaint, complaint_id, populate_existing=True)
            # Its promise missed and its owner changed: its day's KPI rollups are stale.
            mark_stale(session, [complaint.created_at])
            logger.warning(
                "Missed promise: complaint %s was promised a follow-up by %s; passed to %s "
                "(was %s), new promise %s.",
                complaint.reference,
                format_promise(before.due_at, levels.calendar.tz),
                SENIOR_QUEUE,
                before.assigned_to or "unassigned",
                format_promise(new_due, levels.calendar.tz),
            )
            _audit(
                session,
                complaint_id,
                now,
                "escalated",
                f"follow-up promised by {before.due_at.isoformat()} missed; passed to "
                f"{SENIOR_QUEUE} (was {before.assigned_to or 'unassigned'}); new promise "
                f"{new_due.isoformat()}",
            )
            # The colleague who owned it hears it is overdue (or, with no colleague, the
            # managers and the complaints team's leads).
            alert_staff(
                session,
                complaint,
                OVERDUE_NOTICE,
                before.due_at,
                now,
                levels.calendar.tz,
                owner=before.assigned_to or "",
            )
            escalated.append(complaint.reference)
    return escalated


def _release(engine: Engine, complaint_id: int, claim: str) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(_table)
            .where(_table.c.id == complaint_id, _table.c.notify_claim == claim)
            .values(notify_claim=None, notify_claimed_at=None)
        )


def _deliver(
    engine: Engine,
    notifier: Notifier,
    complaint_id: int,
    kind: str,
    *,
    now: datetime,
    levels: ServiceLevels,
    tz: tzinfo,
    publish: Publish,
) -> Delivery | None:
    """Claim, send and record one customer message; None when nothing is pending."""
    claim = uuid.uuid4().hex
    pending = _pending(kind)
    free = _table.c.notify_claimed_at.is_(None)
    expired = _table.c.notify_claimed_at < now - CLAIM_LEASE
    with session_scope(engine) as session:
        claimed = session.execute(
            update(_table)
            .where(_table.c.id == complaint_id, pending, free)
            .values(notify_claim=claim, notify_claimed_at=now)
        ).rowcount
        # A stale claim means an earlier sender died mid-way: it may have got through.
        interrupted = False
        if claimed != 1:
            claimed = session.execute(
                update(_table)
                .where(_table.c.id == complaint_id, pending, expired)
                .values(notify_claim=claim, notify_claimed_at=now)
            ).rowcount
            interrupted = claimed == 1
        complaint = session.get(Complaint, complaint_id, populate_existing=True)
        if complaint is None:
            return None
        view = view_complaint(complaint, now=now, levels=levels)
        if claimed != 1:
            still_pending = session.execute(
                select(_table.c.id).where(_table.c.id == complaint_id, pending)
            ).first()
            if still_pending is None:
                return None
            return Delivery(view.reference, kind, "busy")

    notice = f"{view.reference}:{kind}"
    try:
        if interrupted and notifier.was_sent_sync(view.sender_id, notice):
            outcome = "already_sent"
        else:
            # In the language the conversation is in now, asked at send time: see the
            # module's docstring.
            language = notifier.language_sync(view.sender_id)
            if kind == OVERDUE:
                text = format_overdue_notice(view, tz, language)
            else:
                text = format_resolution_notice(view, tz, language)
            notifier.send_sync(view.sender_id, text, metadata={NOTICE_KEY: notice})
            outcome = "sent"
    except NotifyError as exc:
        _release(engine, complaint_id, claim)
        logger.warning("Could not tell the customer about %s (%s): %s", view.reference, kind, exc)
        return Delivery(view.reference, kind, "failed", str(exc))

    column = f"customer_notified_{kind}_at"
    with session_scope(engine) as session:
        recorded = session.execute(
            update(_table)
            .where(_table.c.id == complaint_id, _table.c.notify_claim == claim)
            .values({column: now, "notify_claim": None, "notify_claimed_at": None})
        ).rowcount
        if recorded == 1:
            detail = "missed-promise update" if kind == OVERDUE else "outcome"
            how = "found already delivered" if outcome == "already_sent" else "sent"
            _audit(
                session,
                complaint_id,
                now,
                "customer_notified",
                f"{detail} {how} via {view.channel or 'latest channel'}",
            )
    if recorded != 1:
        # Our claim outlived its lease and was taken over; the new holder records it
        # after finding this message in the conversation.
        logger.warning("Claim on %s (%s) was taken over while sending", view.reference, kind)
        return Delivery(view.reference, kind, "already_sent")
    if kind == RESOLUTION:
        publish(ComplaintResolved(view.reference, view.sender_id, view.assigned_to))
    return Delivery(view.reference, kind, outcome)


def deliver_pending(
    engine: Engine,
    notifier: Notifier,
    *,
    now: datetime,
    levels: ServiceLevels,
    tz: tzinfo,
    publish: Publish,
) -> list[Delivery]:
    """Send every pending missed-promise update and resolution message, once each."""
    deliveries: list[Delivery] = []
    for kind in (OVERDUE, RESOLUTION):
        with session_scope(engine) as session:
            ids = list(
                session.execute(
                    select(_table.c.id).where(_pending(kind)).order_by(_table.c.id)
                ).scalars()
            )
        for complaint_id in ids:
            delivery = _deliver(
                engine, notifier, complaint_id, kind, now=now, levels=levels, tz=tz, publish=publish
            )
            if delivery is not None:
                deliveries.append(delivery)
    return deliveries


def deliver_resolution(
    engine: Engine,
    notifier: Notifier,
    reference: str,
    *,
    publish: Publish,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> Delivery:
    """Tell the customer the outcome of a resolved complaint, unless already done.

    Called by ``complaints resolve`` right after the resolution is committed; if Rasa
    cannot be reached the message stays pending and the worker sends it later.

    Args:
        engine: the database.
        notifier: how to reach customers.
        reference: the resolved complaint's reference (``CMP-YYYY-NNNNN``).
        publish: where :class:`~bot.domain.events.ComplaintResolved` goes once delivered.
        now: the time; default now.
        tz: time zone for times in the message; default the calendar's.
    """
    levels = service_levels()
    moment = now or utcnow()
    with session_scope(engine) as session:
        complaint_id = session.execute(
            select(_table.c.id).where(_table.c.reference == reference)
        ).scalar_one_or_none()
    if complaint_id is None:
        raise LookupError(f"there is no complaint {reference}")
    delivery = _deliver(
        engine,
        notifier,
        complaint_id,
        RESOLUTION,
        now=moment,
        levels=levels,
        tz=tz or levels.calendar.tz,
        publish=publish,
    )
    return delivery or Delivery(reference, RESOLUTION, "already_sent")


def run_once(
    engine: Engine,
    notifier: Notifier,
    *,
    publish: Publish,
    now: datetime | None = None,
    levels: ServiceLevels | None = None,
    tz: tzinfo | None = None,
    mailer: StaffMailer | None = None,
) -> WatchReport:
    """One pass of the worker: reminders, escalations, then pending customer messages.

    Args:
        engine: the database.
        notifier: how to reach customers.
        publish: where events go (a delivered outcome).
        now: the time of the pass; default now.
        levels: service levels; default the shipped ones.
        tz: time zone for times in customer messages; default the calendar's.
        mailer: how staff notices are mailed; None leaves them in the console only.
    """
    moment = now or utcnow()
    levels = levels or service_levels()
    zone = tz or levels.calendar.tz
    report = WatchReport()
    report.reminders = send_reminders(engine, now=moment, levels=levels)
    report.escalations = escalate_missed(engine, now=moment, levels=levels)
    if mailer is not None:
        report.staff_mails = email_staff(engine, mailer, moment)
    report.deliveries = deliver_pending(
        engine, notifier, now=moment, levels=levels, tz=zone, publish=publish
    )
    return report


def watch(
    engine: Engine,
    notifier: Notifier,
    *,
    publish: Publish,
    interval: float = 60.0,
    once: bool = False,
    stop: threading.Event | None = None,
    tz: tzinfo | None = None,
    mailer: StaffMailer | None = None,
    also: Sequence[Callable[[], object]] = (),
) -> bool:
    """Run :func:`run_once` every ``interval`` seconds until ``stop`` is set.

    ``also`` are further passes run after each one (the customer requests' pending
    outcome messages, :func:`bot.domain.requests.outcomes.deliver_pending`), so one
    worker keeps every promise; a failing one is logged like a failed pass.

    A pass that fails (the database is down) is logged and tried again at the next
    interval: the worker outlives outages rather than taking the stack down.

    Returns:
        Whether the last pass succeeded.
    """
    stopping = stop or threading.Event()
    logger.info("Complaints follow-up worker started (every %g s).", interval)
    while True:
        ok = True
        try:
            report = run_once(engine, notifier, publish=publish, tz=tz, mailer=mailer)
            for extra in also:
                extra()
        except Exception:
            ok = False
            logger.exception("Follow-up pass failed; trying again in %g s", interval)
        else:
            if report.reminders or report.escalations or report.deliveries:
                logger.info("Follow-up pass: %s", report.summary())
        if once or stopping.wait(interval):
            logger.info("Complaints follow-up worker stopped.")
            return ok


__all__ = [
    "CLAIM_LEASE",
    "OVERDUE",
    "RESOLUTION",
    "SENIOR_QUEUE",
    "WORKER_ACTOR",
    "Delivery",
    "WatchReport",
    "deliver_pending",
    "deliver_resolution",
    "escalate_missed",
    "run_once",
    "send_reminders",
    "watch",
]
