"""``python -m bot leads list``: the sales leads customers left when asking for a quote."""

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
        print(f"#{lead.id} {created} [{lead.status}] {lead.name} <{contact}> {details}")
    return common.EXIT_OK
