"""``python -m bot kb export [--check]``: Rasa's FAQ responses from the knowledge base."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import common


def register(subparsers: Any) -> None:
    """Add ``kb export``."""
    parser = subparsers.add_parser(
        "kb",
        help="the knowledge base (knowledge_base/)",
        description="The knowledge base: glossary, FAQs, services, places, transit times "
        "and rates under knowledge_base/.",
    )
    actions = parser.add_subparsers(dest="kb_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="generate Rasa's FAQ responses from knowledge_base/faqs.yml",
        description="Generate Rasa's FAQ responses from knowledge_base/faqs.yml: rewrite "
        "data/nlu/faq_responses.yml (or check it with --check).",
    )
    export.add_argument(
        "--check", action="store_true", help="only report whether the file is up to date"
    )
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    """Rewrite ``data/nlu/faq_responses.yml``, or exit 1 when ``--check`` finds it stale."""
    from bot.core.settings import REPO_ROOT
    from bot.domain.kb.export import OUTPUT, REGENERATE, faq_responses_yaml
    from bot.domain.kb.loader import load_knowledge_base

    target = REPO_ROOT / OUTPUT
    text = faq_responses_yaml(load_knowledge_base())
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date; run: {REGENERATE}")
            return common.EXIT_FAILED
        print(f"{OUTPUT} is up to date.")
        return common.EXIT_OK
    target.write_text(text, encoding="utf-8")
    print(f"Wrote {OUTPUT} ({len(text.splitlines())} lines).")
    return common.EXIT_OK
