"""``python -m bot rates check|import``: the rate card's validity, and loading a new card."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.commands import common


def register(subparsers: Any) -> None:
    """Add ``rates check`` and ``rates import``."""
    parser = subparsers.add_parser(
        "rates",
        help="the indicative rate card (knowledge_base/rates.yml)",
        description="The indicative rate card the assistant quotes from: its validity, "
        "and loading the next one.",
    )
    actions = parser.add_subparsers(dest="rates_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="say whether the rate card applies today, warn before it runs out",
        description="Print the rate card's validity. Exit 0 when it applies and is not "
        "about to run out, 1 when it runs out within the warning period of "
        "config/rates.yml, has run out, or does not apply yet (for a daily job).",
    )
    check.set_defaults(handler=_check)
    load = actions.add_parser(
        "import",
        help="check a new rate card and make it the one quoted from",
        description="Validate FILE (the schema of knowledge_base/rates.yml, every lane "
        "the transit times need priced, not already expired) and replace "
        "knowledge_base/rates.yml with it. Nothing is changed when a check fails. "
        "Running assistants quote from the new card from the next quote on.",
    )
    load.add_argument("file", type=Path, help="the new rate card (YAML)")
    load.add_argument("--dry-run", action="store_true", help="only validate FILE; change nothing")
    load.set_defaults(handler=_import)


def _describe(standing: Any) -> str:
    return (
        f"Rate card valid from {standing.valid_from.isoformat()} until "
        f"{standing.valid_until.isoformat()}: {standing.state.replace('_', ' ')}"
    )


def _check(args: argparse.Namespace) -> int:
    from bot.domain.kb.errors import KnowledgeBaseError
    from bot.domain.rate_card import local_today, read_rate_card, validity

    settings = common.settings()
    try:
        card = read_rate_card(settings.kb_dir)
    except KnowledgeBaseError as exc:
        print(f"The rate card cannot be read: {exc}")
        return common.EXIT_FAILED
    standing = validity(card, local_today(tz=settings.tz))
    print(_describe(standing) + ".")
    warning = standing.staff_warning()
    if warning:
        print(f"Warning: {warning}")
        return common.EXIT_FAILED
    return common.EXIT_OK


def _import(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from bot.domain.kb.errors import KnowledgeBaseError
    from bot.domain.rate_card import import_rate_card, local_today, validity

    settings = common.settings()
    today = local_today(tz=settings.tz)
    source: Path = args.file
    if not source.is_file():
        print(f"{source}: no such file; nothing was changed.")
        return common.EXIT_FAILED
    try:
        if args.dry_run:
            # Check against a copy of the folder, so nothing real is touched.
            with tempfile.TemporaryDirectory() as scratch:
                copy = Path(scratch) / settings.kb_dir.name
                shutil.copytree(settings.kb_dir, copy)
                card = import_rate_card(source, copy, today)
        else:
            card = import_rate_card(source, settings.kb_dir, today)
    except KnowledgeBaseError as exc:
        print(f"The rate card was not loaded: {exc}")
        return common.EXIT_FAILED
    standing = validity(card, today)
    verb = "would be loaded" if args.dry_run else "loaded"
    print(f"{source.name} {verb}. {_describe(standing)}.")
    warning = standing.staff_warning()
    if warning:
        print(f"Warning: {warning}")
    return common.EXIT_OK
