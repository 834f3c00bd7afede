"""Freight Desk's knowledge base: glossary, FAQs, services, places, transit times, rates.

Domain code: may import ``bot.domain``, ``bot.storage``, ``bot.core``. spaCy is imported
only when the term matcher is built. This package's face re-exports what its users need
(the loaded knowledge base, its models and formatting), so callers need not know which
module of it holds what.
"""

from bot.domain.kb.errors import KnowledgeBaseError
from bot.domain.kb.formatting import (
    days_text,
    format_term,
    format_transit,
    format_unknown_term,
    mode_name,
    mode_phrase,
    region_name,
)
from bot.domain.kb.loader import (
    KnowledgeBase,
    clear_knowledge_base_cache,
    get_knowledge_base,
    load_knowledge_base,
)
from bot.domain.kb.models import (
    MODE_CODES,
    MODES,
    REGIONS,
    Faq,
    Place,
    RateCard,
    Service,
    Term,
    TermLookup,
    TransitTime,
)
from bot.domain.kb.modes import normalize_mode
from bot.domain.kb.parsers import FAQ_TOPICS

__all__ = [
    "FAQ_TOPICS",
    "MODES",
    "MODE_CODES",
    "REGIONS",
    "Faq",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Place",
    "RateCard",
    "Service",
    "Term",
    "TermLookup",
    "TransitTime",
    "clear_knowledge_base_cache",
    "days_text",
    "format_term",
    "format_transit",
    "format_unknown_term",
    "get_knowledge_base",
    "load_knowledge_base",
    "mode_name",
    "mode_phrase",
    "normalize_mode",
    "region_name",
]
