"""``python -m bot complaints list|show|assign|note|resolve|watch``: complaints for staff.

Staff list and show complaints, assign them, add notes and resolve them (the customer is
told the outcome on their channel); ``watch`` runs the follow-up worker
(:mod:`bot.domain.complaints.followups`) that keeps the promised follow-up times.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from bot.commands import common
from bot.domain.business_hours import ServiceLevelsError
from bot.domain.complaints.rules import UNRESOLVED, ComplaintError
from bot.domain.complaints.staff import add_note, assign, get_complaint, list_complaints, resolve
from bot.domain.complaints.views import ComplaintView
from bot.domain.service_levels import service_levels


def _default_actor() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def register(subparsers: Any) -> None:
    """Add ``complaints list|show|assign|note|resolve|watch`` to the operators' CLI."""
    parser = subparsers.add_parser(
        "complaints",
        help="work complaints and run the follow-up worker",
        description="Customer complaints: list and show them, assign, add notes, resolve "
        "(the customer is told the outcome on their channel), and run the follow-up worker "
        "that keeps the promised follow-up times.",
    )
    actions = parser.add_subparsers(dest="complaints_command", metavar="ACTION", required=True)
    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument(
        "--actor",
        default=_default_actor(),
        help="who is making the change, for the audit trail (default: $USER)",
    )

    do_list = actions.add_parser(
        "list",
        help="list complaints, the most pressing first",
        description="List complaints by their next deadline (the promised follow-up, then "
        "the resolution target). OVERDUE: the deadline has passed; DUE SOON: within the "
        "reminder lead time. Contacts are masked unless --unmask is given.",
    )
    do_list.add_argument(
        "--status",
        choices=("open", "in_progress", "resolved", "unresolved", "all"),
        default="unresolved",
        help="which complaints (default: unresolved, i.e. open and in progress)",
    )
    do_list.add_argument("--overdue", action="store_true", help="only overdue complaints")
    do_list.add_argument("--assigned-to", metavar="AGENT", help="only this colleague's or queue's")
    do_list.add_argument("--unmask", action="store_true", help="show contacts in full")
    do_list.set_defaults(handler=_cli_list)

    show = actions.add_parser(
        "show",
        help="show one complaint with its audit trail",
        description="Show a complaint in full: description, promise, KPI figures and the "
        "audit trail.",
    )
    show.add_argument("reference", metavar="REF", help="e.g. CMP-2026-00042")
    show.add_argument("--unmask", action="store_true", help="show the contact in full")
    show.set_defaults(handler=_cli_show)

    do_assign = actions.add_parser(
        "assign", parents=[actor], help="give a complaint to a colleague or queue"
    )
    do_assign.add_argument("reference", metavar="REF")
    do_assign.add_argument("agent", metavar="AGENT")
    do_assign.set_defaults(handler=_cli_assign)

    note = actions.add_parser(
        "note",
        parents=[actor],
        help="add a note (the first one counts as the first follow-up)",
        description="Add a staff note. The first note on a complaint records the first "
        "follow-up: when it happened and whether the promise was kept.",
    )
    note.add_argument("reference", metavar="REF")
    note.add_argument("text", metavar="TEXT")
    note.set_defaults(handler=_cli_note)

    do_resolve = actions.add_parser(
        "resolve",
        parents=[actor],
        help="record the outcome and tell the customer",
        description="Resolve a complaint. OUTCOME is sent to the customer on their channel "
        "word for word, so write it to them. If the assistant cannot be reached, the "
        "resolution is saved and the follow-up worker sends the message later.",
    )
    do_resolve.add_argument("reference", metavar="REF")
    do_resolve.add_argument("outcome", metavar="OUTCOME")
    do_resolve.set_defaults(handler=_cli_resolve)

    watch = actions.add_parser(
        "watch",
        help="run the follow-up worker (reminders, missed promises, pending messages)",
        description="Every INTERVAL seconds: remind staff of follow-ups due within the "
        "reminder lead time, pass missed promises to a senior colleague and tell the "
        "customer once, and send resolution messages that could not be sent before. Safe "
        "to run twice or restart: nothing is sent twice. SIGTERM or Ctrl-C stops it.",
    )
    watch.add_argument("--interval", type=float, default=60.0, help="seconds between passes")
    watch.add_argument("--once", action="store_true", help="make one pass and exit")
    watch.set_defaults(handler=_cli_watch)


def _engine_and_settings() -> tuple[Any, Any]:
    """The engine (None after saying why it cannot be used) and the settings."""
    settings = common.settings()
    try:
        # A broken service-levels file stops every command (and the worker) at once,
        # with the file and entry named, rather than half-way through a change.
        service_levels()
    except ServiceLevelsError as exc:
        print(f"Complaints cannot be handled: {exc}", file=sys.stderr)
        return None, settings
    return common.ready_engine(settings), settings


def _when(moment: datetime | None, tz: tzinfo) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _cli_list(args: argparse.Namespace) -> int:
    from bot.storage.db import session_scope

    engine, settings = _engine_and_settings()
    if engine is None:
        return common.EXIT_NOT_READY
    status: str | Sequence[str] | None = {
        "unresolved": UNRESOLVED,
        "all": None,
    }.get(args.status, args.status)
    with session_scope(engine) as session:
        views = list_complaints(
            session, status=status, overdue_only=args.overdue, assigned_to=args.assigned_to
        )
    if not views:
        print("No complaints to show.")
        return common.EXIT_OK
    for view in views:
        flag = " OVERDUE" if view.overdue else " DUE SOON" if view.due_soon else ""
        due = f"due {_when(view.next_due_at, settings.tz)}" if view.next_due_at else "closed"
        contact = view.contact if args.unmask else view.masked_contact
        print(
            f"{view.reference} [{view.status}] {view.severity} {view.category} {due}{flag} "
            f"assigned: {view.assigned_to or '-'} contact: {contact or 'chat only'}"
        )
    return common.EXIT_OK


def _cli_show(args: argparse.Namespace) -> int:
    from bot.storage.db import session_scope

    engine, settings = _engine_and_settings()
    if engine is None:
        return common.EXIT_NOT_READY
    tz = settings.tz
    try:
        with session_scope(engine) as session:
            view = get_complaint(session, args.reference)
    except ComplaintError as exc:
        print(exc, file=sys.stderr)
        return common.EXIT_FAILED
    contact = view.contact if args.unmask else view.masked_contact
    kept = {True: "kept", False: "broken", None: "-"}[view.promise_kept]
    on_time = {True: "yes", False: "no", None: "-"}[view.resolved_on_time]
    lines = [
        f"{view.reference}  {view.category_label} ({view.category}), severity {view.severity}",
        f"Status: {view.status}{'  OVERDUE' if view.overdue else ''}"
        f"{'  DUE SOON' if view.due_soon else ''}",
        f"Customer: {view.sender_id} via {view.channel or '-'}; contact: {contact or 'chat only'}",
        f"Shipment: {view.shipment_ref or '-'}",
        f"Assigned to: {view.assigned_to or '-'}",
        f"Created: {_when(view.created_at, tz)}",
        f"Follow-up promised by: {_when(view.original_due_at, tz)}"
        + (f" (now {_when(view.due_at, tz)} after escalation)" if view.escalated_at else ""),
        f"First follow-up: {_when(view.first_followup_at, tz)}"
        + (
            f" after {view.first_followup_hours:g} business hours"
            if view.first_followup_hours is not None
            else ""
        )
        + f"; promise {kept}",
        f"Resolution target: {_when(view.resolution_due_at, tz)}",
        f"Resolved: {_when(view.resolved_at, tz)}"
        + (
            f" after {view.resolution_hours:g} business hours"
            if view.resolution_hours is not None
            else ""
        )
        + f"; on time: {on_time}",
    ]
    if view.outcome:
        lines.append(f"Outcome: {view.outcome}")
    lines += ["", "Description:", view.description, "", "Audit trail:"]
    lines += [f"  {_when(e.at, tz)}  {e.actor}: {e.action}  {e.detail}" for e in view.events]
    print("\n".join(lines))
    return common.EXIT_OK


def _cli_change(change: Callable[[Session], ComplaintView]) -> ComplaintView | int:
    """Run one change in its own unit of work; the view once committed, else an exit code."""
    from bot.storage.db import session_scope

    engine, _settings = _engine_and_settings()
    if engine is None:
        return common.EXIT_NOT_READY
    try:
        with session_scope(engine) as session:
            return change(session)
    except ComplaintError as exc:
        print(exc, file=sys.stderr)
        return common.EXIT_FAILED


def _cli_assign(args: argparse.Namespace) -> int:
    view = _cli_change(lambda s: assign(s, args.reference, args.agent, actor=args.actor))
    if isinstance(view, int):
        return view
    print(f"{view.reference} assigned to {view.assigned_to}.")
    return common.EXIT_OK


def _cli_note(args: argparse.Namespace) -> int:
    view = _cli_change(lambda s: add_note(s, args.reference, args.text, actor=args.actor))
    if isinstance(view, int):
        return view
    print(f"Note added to {view.reference}.")
    return common.EXIT_OK


def _cli_resolve(args: argparse.Namespace) -> int:
    from bot.bootstrap import bootstrap
    from bot.domain.complaints.followups import deliver_resolution
    from bot.engine.rasa_client import client_from_settings
    from bot.storage.db import session_scope

    engine, settings = _engine_and_settings()
    if engine is None:
        return common.EXIT_NOT_READY
    rasa = client_from_settings(settings)
    # Once the outcome reached the customer, they are offered the survey.
    bus = bootstrap(engine, rasa)
    try:
        with session_scope(engine) as session:
            view = resolve(session, args.reference, args.outcome, actor=args.actor)
    except ComplaintError as exc:
        print(exc, file=sys.stderr)
        return common.EXIT_FAILED
    print(f"{view.reference} resolved.")
    result = deliver_resolution(
        engine,
        rasa,
        view.reference,
        publish=bus.publish,
        tz=settings.tz,
    )
    print(result.describe())
    return common.EXIT_OK


def _cli_watch(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from bot.bootstrap import bootstrap
    from bot.domain.complaints.followups import watch
    from bot.domain.requests.outcomes import deliver_pending
    from bot.engine.rasa_client import client_from_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # The schema check at start-up is Alembic's business, not the operator's.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine, settings = _engine_and_settings()
    if engine is None:
        return common.EXIT_NOT_READY
    rasa = client_from_settings(settings)
    # Outcomes the worker delivers are followed by the offer of the survey.
    bus = bootstrap(engine, rasa)
    # Staff notices (a complaint due soon or overdue) are mailed when SMTP is configured.
    from bot.core.mail import SmtpMailer

    mailer = SmtpMailer(settings.mail) if settings.mail.host else None
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    ok = watch(
        engine,
        rasa,
        publish=bus.publish,
        interval=max(1.0, args.interval),
        once=args.once,
        stop=stop,
        tz=settings.tz,
        mailer=mailer,
        # Customer requests' outcomes that could not be sent at once are retried too.
        also=[lambda: deliver_pending(engine, rasa)],
    )
    return common.EXIT_OK if ok else common.EXIT_FAILED
