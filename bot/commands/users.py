"""``python -m bot users add|list|move``: the agent console's staff accounts."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.commands import common
from bot.domain.teams import TEAMS
from bot.storage.models import STAFF_ROLES


def register(subparsers: Any) -> None:
    """Add ``users add``, ``users list`` and ``users move``."""
    parser = subparsers.add_parser(
        "users",
        help="agent console accounts",
        description="Accounts of the agent console: agents, team leads and managers.",
    )
    actions = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="create an account",
        description="Create an account. The password is asked for twice, or read from the "
        "first line of standard input with --password-stdin (for scripts).",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", choices=STAFF_ROLES, default="agent")
    add.add_argument("--team", required=True, help=f"one of {', '.join(TEAMS)}")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument(
        "--email", help="where notices about complaints they own are mailed (optional)"
    )
    add.set_defaults(handler=_add)
    do_list = actions.add_parser("list", help="list the accounts", description="List accounts.")
    do_list.set_defaults(handler=_list)
    move = actions.add_parser(
        "move", help="move an agent to another team", description="Move an agent to a team."
    )
    move.add_argument("name", metavar="NAME")
    move.add_argument("team", metavar="TEAM", help=f"one of {', '.join(TEAMS)}")
    move.set_defaults(handler=_move)


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        print("The two passwords differ; nothing was changed.", file=sys.stderr)
        return None
    return first


def _add(args: argparse.Namespace) -> int:
    from bot.domain.users import UserError, add_user
    from bot.storage.db import session_scope

    engine = common.ready_engine(common.settings())
    if engine is None:
        return common.EXIT_NOT_READY
    password = _read_password(args.password_stdin)
    if password is None:
        return common.EXIT_FAILED
    try:
        with session_scope(engine) as session:
            user = add_user(
                session, args.name, password, role=args.role, team=args.team, email=args.email
            )
    except UserError as exc:
        print(exc, file=sys.stderr)
        return common.EXIT_FAILED
    print(f"Added {user.name} ({user.role}, team {user.team}).")
    return common.EXIT_OK


def _list(_args: argparse.Namespace) -> int:
    from bot.domain.users import list_users
    from bot.storage.db import session_scope

    engine = common.ready_engine(common.settings())
    if engine is None:
        return common.EXIT_NOT_READY
    with session_scope(engine) as session:
        users = list_users(session)
    if not users:
        print("No accounts yet. Add one with `python -m bot users add NAME --team TEAM`.")
    for user in users:
        state = "" if user.active else " (inactive)"
        print(f"{user.name}\t{user.role}\t{user.team}{state}")
    return common.EXIT_OK


def _move(args: argparse.Namespace) -> int:
    from bot.domain.users import UserError, move_user
    from bot.storage.db import session_scope

    engine = common.ready_engine(common.settings())
    if engine is None:
        return common.EXIT_NOT_READY
    try:
        with session_scope(engine) as session:
            user = move_user(session, args.name, args.team)
    except UserError as exc:
        print(exc, file=sys.stderr)
        return common.EXIT_FAILED
    print(f"{user.name} is now in team {user.team}.")
    return common.EXIT_OK
