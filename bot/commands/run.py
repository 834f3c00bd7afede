"""``python -m bot run``: start the chosen profile's processes and wait for a signal.

What `make run` does. The embedded profile is one :class:`bot.ops.stack.Stack`; the
production profile is a :class:`bot.ops.replicas.ReplicaSet`: Rasa replicas and action
servers behind HAProxy, every process under supervisord (a dead one is restarted), started
from the endpoints :mod:`bot.ops.profiles` writes. Either way the database is migrated
(and seeded on first start) and the knowledge base loaded before any server starts.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import common


def register(subparsers: Any) -> None:
    """Add ``run`` to the operators' CLI."""
    parser = subparsers.add_parser(
        "run",
        help="start the action server and the Rasa server (what `make run` does)",
        description="Migrate the database, seed the demo data on first start, then start the "
        "action server (127.0.0.1:5055) and the Rasa server with its REST channel and token "
        "protected HTTP API (127.0.0.1:5005) on the newest model in models/. Ports: RASA_PORT, "
        "ACTION_PORT; interface: FREIGHTDESK_HOST. Ctrl-C or SIGTERM stops both.",
    )
    parser.set_defaults(handler=_run)


def _run(_args: argparse.Namespace) -> int:
    """Start the embedded or production profile; return when a signal or a crash stops it."""
    import logging
    import os
    import signal
    import sys
    import threading

    from bot.core.settings import REPO_ROOT, Settings, SettingsError
    from bot.engine.rasa_stores import ENDPOINTS_ENV
    from bot.ops.replicas import ReplicaSet, write_production_endpoints
    from bot.ops.stack import (
        Stack,
        StackError,
        latest_model,
        prepare_database,
        rasa_token,
        worker_commands,
    )
    from bot.storage.db import display_url

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        settings = Settings.from_env()
        production = None
        if settings.profile == "production":
            from bot.ops.profiles import production_settings

            production = production_settings(os.environ)
    except SettingsError as exc:
        print(f"Freight Desk will not start: {exc}", file=sys.stderr)
        return common.EXIT_NOT_READY
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    print(
        f"Freight Desk ({settings.profile} profile): database "
        f"{display_url(settings.database_url)}: "
        f"{prepare_database(settings.database_url)}"
    )
    # Loading the knowledge base here makes a broken data file fail before any server starts.
    from bot.domain.kb import get_knowledge_base

    kb = get_knowledge_base()
    print(f"Knowledge base: {len(kb.terms)} terms, {len(kb.faqs)} FAQs")
    token = rasa_token(settings)
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    action_port = int(os.environ.get("ACTION_PORT", "5055"))
    host = os.environ.get("FREIGHTDESK_HOST", "127.0.0.1")
    stack: Stack | ReplicaSet
    if production is not None:
        from bot.ops.profiles import production_endpoints

        endpoints = write_production_endpoints(
            settings.var_dir / "endpoints.production.yml", production_endpoints(production)
        )
        # The workers (retention purge) find Rasa's stores through this file.
        os.environ[ENDPOINTS_ENV] = str(endpoints)
        stack = ReplicaSet(
            model=latest_model(REPO_ROOT / "models"),
            endpoints=endpoints,
            replicas=production.replicas,
            public_port=rasa_port,
            replica_port=int(os.environ.get("RASA_REPLICA_PORT", str(rasa_port + 1))),
            action_port=action_port,
            host=host,
            token=token,
            action_host=production.action_host,
            action_secret=production.action_secret,
            workers=worker_commands(settings),
            console_port=int(os.environ.get("CONSOLE_PORT", "5080")),
            replica_env=production.replica_env(),
        )
    else:
        stack = Stack(
            model=latest_model(REPO_ROOT / "models"),
            rasa_port=rasa_port,
            action_port=action_port,
            tracker_db=settings.var_dir / "rasa_tracker.db",
            events_db=settings.var_dir / "rasa_events.db",
            host=host,
            token=token,
            workers=worker_commands(settings),
        )
    stopping = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    print("Starting the action server(s) and the Rasa server(s) (about a minute)...")
    try:
        stack.start()
    except StackError as exc:
        print(f"Freight Desk could not start: {exc}", file=sys.stderr)
        return common.EXIT_FAILED
    token_source = "$RASA_TOKEN" if settings.rasa_token else settings.var_dir / "rasa_token"
    print(
        "\nFreight Desk is up.\n"
        f"  Chat (REST): curl -s {stack.url}/webhooks/rest/webhook "
        '-H \'Content-Type: application/json\' -d \'{"sender": "me", "message": "hello"}\'\n'
        f"  Chat (web): {stack.url}/webchat/\n"
        f"  Agent console: http://127.0.0.1:{os.environ.get('CONSOLE_PORT', '5080')}/ "
        "(accounts: python -m bot users add NAME --role agent --team express)\n"
        f"  HTTP API token: {token_source}\n"
        f"  Action server: http://127.0.0.1:{action_port}/health\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        while not stopping.wait(1.0):
            crashed = stack.dead()
            if crashed:
                print(f"The {crashed} server stopped unexpectedly; shutting down.", file=sys.stderr)
                return common.EXIT_FAILED
    finally:
        print("Stopping Freight Desk...", flush=True)
        stack.stop()
    print("Stopped.")
    return common.EXIT_OK
