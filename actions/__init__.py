"""Rasa custom actions for Freight Desk.

Each module handles one conversation concern and stays thin: parsing, storage and
customer wording live in the ``bot`` package, which knows nothing of Rasa.
"""

from bot.domain import logmask
from bot.domain.kb import get_knowledge_base

# Customers' emails and phone numbers are masked in every log line the action server writes.
logmask.install()

# The action server imports this package once at start: load and validate the knowledge
# base and build the spaCy term matcher now, so a broken data file stops start-up and the
# first glossary question does not wait about a second on the event loop.
get_knowledge_base()
