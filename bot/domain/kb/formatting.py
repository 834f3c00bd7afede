"""Customer-facing text for glossary answers and transit times, used verbatim by actions."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.kb.models import MODE_NAMES, MODE_PHRASES, REGION_NAMES, Place, Term, TransitTime
from bot.domain.kb.normalise import normalise_text

# A query longer than this is a whole sentence; echoing it back reads badly.
_MAX_ECHO_CHARS = 30


def _join(items: Sequence[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def format_term(term: Term, unknown_words: Sequence[str] = ()) -> str:
    """Explain a glossary term.

    Args:
        term: the term to explain, as loaded (its ``related_names`` filled in).
        unknown_words: words the customer put next to the term that the glossary does not
            know ("florbex" in "florbex surcharge"); named first, so the answer does not
            pass off the plain term as what was asked.

    Returns:
        The name, the definition, the related terms and what the customer can do next.
    """
    lines = [f"{term.name}: {term.definition}"]
    if unknown_words:
        quoted = _join([f"'{word}'" for word in unknown_words])
        lines[0] = f"I don't know {quoted}; here is '{term.name}'. {lines[0]}"
    if term.related_names:
        lines.append(f"Related: {_join(list(term.related_names))}.")
        lines.append("Ask me about any of these, or about another term.")
    else:
        lines.append("Ask me about any other term you come across.")
    return "\n".join(lines)


def format_unknown_term(query: str, suggestions: Sequence[Term]) -> str:
    """Say honestly that a term is not in the glossary, offering close matches if any.

    Args:
        query: what the customer asked about (a term or their whole message).
        suggestions: close known terms, best first (may be empty).

    Returns:
        Customer-facing text that never guesses a definition.
    """
    cleaned = " ".join(query.split())
    short = 0 < len(cleaned) <= _MAX_ECHO_CHARS and normalise_text(cleaned) != ""
    subject = f'"{cleaned}"' if short else "that one"
    if suggestions:
        names = _join([t.name for t in suggestions], last="or")
        return (
            f"I don't have {subject} in my glossary. Did you mean {names}? "
            "Reply with the term you meant and I'll explain it."
        )
    return (
        f"I don't have {subject} in my glossary, and I'd rather not guess at a definition. "
        "You could try another spelling or the full name of the term, or ask me to connect "
        "you with a colleague who can explain it."
    )


def format_transit(
    mode: str, origin_place: Place, destination_place: Place, transit: TransitTime | None
) -> str:
    """Describe the typical transit time of a lane.

    Args:
        mode: mode code, e.g. ``"air"`` or ``"sea_lcl"``.
        origin_place: where the shipment starts.
        destination_place: where it goes.
        transit: the typical transit time, or ``None`` when the table has none.

    Returns:
        Customer-facing text with the range, what it covers and what to do next.
    """
    service = MODE_NAMES.get(mode, mode.replace("_", " "))
    lane = f"from {origin_place.label} to {destination_place.label}"
    if transit is None:
        return (
            f"I don't have a typical transit time for {MODE_PHRASES.get(mode, service)} {lane}. "
            "Ask me to connect you with a colleague and they'll check the routing for you."
        )
    region = REGION_NAMES.get(transit.region, transit.region)
    return (
        f"{service} {lane} ({region}) usually takes {transit.days_text}, {transit.note}. "
        "This is a typical range rather than a guarantee; customs checks and public holidays "
        "can add time. Tell me the weight and size if you'd like an indicative price."
    )
