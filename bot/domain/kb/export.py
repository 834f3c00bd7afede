"""Generate Rasa's FAQ responses from ``knowledge_base/faqs.yml``.

Rasa's ResponseSelector answers FAQ intents with responses named ``utter_faq/<topic>``.
Keeping the answers in the knowledge base, and generating this file from it, means one
place to edit them. Regenerate with ``.venv/bin/python -m bot kb export``
(:mod:`bot.commands.kb`).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.domain.kb.loader import KnowledgeBase

#: Where the generated responses live, relative to the repository root.
OUTPUT = Path("data/nlu/faq_responses.yml")
#: The command that regenerates :data:`OUTPUT`.
REGENERATE = ".venv/bin/python -m bot kb export"

HEADER = f"""\
# GENERATED FILE - do not edit by hand.
# Generated from knowledge_base/faqs.yml by bot/domain/kb/export.py; after changing the FAQs,
# regenerate it with:  {REGENERATE}
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
