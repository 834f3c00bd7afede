"""``python -m bot balancer``: the production profile's TCP balancer (:mod:`bot.ops.balancer`).

The production runner (:class:`bot.ops.replicas.ReplicaSet`) starts it in front of the
Rasa replicas; it is a command so that only ``bot.commands`` reads a command line.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import common


def register(subparsers: Any) -> None:
    """Add ``balancer``."""
    parser = subparsers.add_parser(
        "balancer",
        help="forward connections to the Rasa replicas (the production profile starts it)",
        description="A TCP connection balancer in front of the Rasa replicas (production "
        "profile): each new connection goes to the next replica that accepts it. Stops on "
        "Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--listen", required=True, help="HOST:PORT to accept connections on")
    parser.add_argument("--to", nargs="+", required=True, help="HOST:PORT of each replica")
    parser.set_defaults(handler=_balance)


def _balance(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from bot.ops.balancer import parse_address, serve

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s balancer %(message)s")
    asyncio.run(serve(parse_address(args.listen), [parse_address(b) for b in args.to]))
    return common.EXIT_OK
