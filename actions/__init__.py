"""Rasa custom actions for Freight Desk, run by the action server (rasa-sdk).

Each module handles one conversation concern and stays thin: parsing, storage and
customer wording live in ``bot.domain`` (with ``bot.storage`` and ``bot.core``), which
knows nothing of Rasa and is tested alone. The actions may import those three only;
``bot.engine``, the code that runs inside Rasa itself, is not theirs to use (import
contracts in pyproject.toml).
"""

from bot.domain import logmask
from bot.domain.kb import get_knowledge_base

# Customers' emails and phone numbers are masked in every log line the action server writes.
logmask.install()

# The action server imports this package once at start: load and validate the knowledge
# base and build the spaCy term matcher now, so a broken data file stops start-up and the
# first glossary question does not wait about a second on the event loop.
get_knowledge_base()
