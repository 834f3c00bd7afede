"""Generate Rasa's FAQ responses from ``knowledge_base/faqs.yml``.

Rasa's ResponseSelector answers FAQ intents with responses named ``utter_faq/<topic>``.
Keeping the answers in the knowledge base, and generating this file from it, means one
place to edit them. Regenerate with ``.venv/bin/python -m bot.domain.kb.export``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from bot.core.settings import REPO_ROOT
from bot.domain.kb.loader import KnowledgeBase, load_knowledge_base

#: Where the generated responses live, relative to the repository root.
OUTPUT = Path("data/nlu/faq_responses.yml")

HEADER = """\
# GENERATED FILE - do not edit by hand.
# Generated from knowledge_base/faqs.yml by bot/domain/kb/export.py; after changing the FAQs,
# regenerate it with:  .venv/bin/python -m bot.domain.kb.export
"""


def faq_responses_yaml(kb: KnowledgeBase) -> str:
    """Rasa 3.1 training data with one ``utter_faq/<topic>`` response per FAQ.

    Args:
        kb: the knowledge base whose FAQs to export.

    Returns:
        The whole file's text, header comment included, with topics in file order.
    """
    responses = {f"utter_faq/{topic}": [{"text": faq.answer}] for topic, faq in kb.faqs.items()}
    body = yaml.safe_dump(
        {"responses": responses},
        sort_keys=False,
        allow_unicode=True,
        width=92,
        default_flow_style=False,
    )
    # Written by hand so the version is the quoted string Rasa's own files use.
    return f'{HEADER}\nversion: "3.1"\n\n{body}'


def main(argv: list[str] | None = None) -> int:
    """Rewrite ``data/nlu/faq_responses.yml`` (or check it with ``--check``).

    Returns:
        0 on success; 1 when ``--check`` finds the file out of date.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report whether the file is up to date"
    )
    args = parser.parse_args(argv)
    target = REPO_ROOT / OUTPUT
    text = faq_responses_yaml(load_knowledge_base())
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date; run: .venv/bin/python -m bot.domain.kb.export")
            return 1
        print(f"{OUTPUT} is up to date.")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"Wrote {OUTPUT} ({len(text.splitlines())} lines).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
