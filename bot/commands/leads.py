"""``python -m bot leads list|consents|figures``: the sales leads customers left when asking
for a quote, the direct-marketing consents they gave or withdrew, and the sales KPIs."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import common


def register(subparsers: Any) -> None:
    """Add ``leads list``."""
    parser = subparsers.add_parser(
        "leads",
        help="sales leads from quotes",
        description="Sales leads left by customers who asked for a quote.",
    )
    actions = parser.add_subparsers(dest="leads_command", metavar="ACTION", required=True)
    do_list = actions.add_parser(
        "list",
        help="list the newest leads",
        description="List the newest leads first. Contacts are masked unless --unmask is "
        "given, so the list can be shown on a shared screen.",
    )
    do_list.add_argument("--status", help="only leads with this status, e.g. new")
    do_list.add_argument(
        "--limit", type=int, default=50, help="at most this many leads (default 50)"
    )
    do_list.add_argument(
        "--unmask", action="store_true", help="show contacts in full, to follow them up"
    )
    do_list.set_defaults(handler=_list)
    consents = actions.add_parser(
        "consents",
        help="export the direct-marketing consents as CSV",
        description="Every answer to the direct-marketing question (Hong Kong PDPO): the "
        "exact wording shown, the answer and its time, and any withdrawal, as CSV.",
    )
    consents.add_argument(
        "--in-force", action="store_true", help="only consents given and not withdrawn"
    )
    consents.add_argument("--output", "-o", help="write to this file instead of the screen")
    consents.set_defaults(handler=_consents)
    figures = actions.add_parser(
        "figures",
        help="the sales KPIs of the last days",
        description="Quotes given, leads, conversion from quote to lead to won, call-backs "
        "on time, and service suggestions accepted.",
    )
    figures.add_argument("--days", type=int, default=30, help="the last N days (default 30)")
    figures.set_defaults(handler=_figures)


def _list(args: argparse.Namespace) -> int:
    from bot.domain.leads import list_leads
    from bot.storage.db import session_scope

    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    with session_scope(engine) as session:
        leads = list_leads(session, status=args.status, limit=max(1, args.limit))
    if not leads:
        print("No leads yet.")
        return common.EXIT_OK
    for lead in leads:
        created = lead.created_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        contact = lead.contact if args.unmask else lead.masked_contact
        route = " to ".join(part for part in (lead.origin, lead.destination) if part)
        quote = (
            f"{lead.currency or ''} {lead.quoted_amount:,.2f}".strip()
            if lead.quoted_amount is not None
            else ""
        )
        details = ", ".join(
            part for part in (lead.company, lead.mode, route, quote, lead.channel) if part
        )
        due = (
            lead.due_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
            if lead.due_at is not None
            else ""
        )
        owner = lead.assigned_to or "unassigned"
        flags = f", call back by {due}" if due and lead.status == "new" else ""
        flags += " OVERDUE" if lead.overdue else ""
        print(
            f"{lead.reference} {created} [{lead.status}, {owner}{flags}] {lead.name} "
            f"<{contact}> {details}"
        )
    return common.EXIT_OK


def _consents(args: argparse.Namespace) -> int:
    from bot.domain.consent import consents_csv, list_consents
    from bot.storage.db import session_scope

    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    with session_scope(engine) as session:
        text = consents_csv(list_consents(session, in_force_only=args.in_force))
    if args.output:
        with open(args.output, "w", encoding="utf-8-sig", newline="") as out:
            out.write(text)
        print(f"Wrote {len(text.splitlines()) - 1} consents to {args.output}.")
    else:
        print(text, end="")
    return common.EXIT_OK


def _figures(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from bot.domain.clock import moment_of
    from bot.domain.sales_events import sales_figures
    from bot.storage.db import session_scope

    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    end = moment_of(None)
    with session_scope(engine) as session:
        f = sales_figures(session, end - timedelta(days=max(1, args.days)), end)

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:g}%"

    print(f"Sales, last {max(1, args.days)} days")
    print(f"Quotes given: {f.quotes_given} (refused: {f.quotes_refused})")
    print(f"Leads: {f.leads} ({f.leads_from_quotes} after a quote); won {f.won}, lost {f.lost}")
    print(
        f"Conversion: quote to lead {pct(f.quote_to_lead)}, lead to won {pct(f.lead_to_won)}, "
        f"quote to won {pct(f.quote_to_won)}"
    )
    print(
        f"Call-backs on time: {f.callbacks_on_time} of {f.callbacks_made} "
        f"({pct(f.callback_on_time_rate)})"
    )
    print(
        f"Service suggestions accepted: {f.promotions_accepted} of {f.promotions_offered} "
        f"({pct(f.promotion_acceptance)})"
    )
    return common.EXIT_OK
