"""Customer-facing text for glossary answers and transit times, in the customer's language.

The wording lives in the catalogue (``locales/<language>/kb.yml``); these functions choose
the message and fill it in with the knowledge base's English or Chinese names.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import t
from bot.domain.kb.models import Place, Term, TransitTime
from bot.domain.kb.normalise import has_chinese, normalise_text

# A query longer than this is a whole sentence; echoing it back reads badly.
_MAX_ECHO_CHARS = 30
# Chinese packs more into a character: past this many, the query is a sentence.
_MAX_ECHO_CHINESE_CHARS = 12


def join_list(items: Sequence[str], language: str | None, last: str = "and") -> str:
    """``"a, b and c"`` / ``"a、b同c"``; ``last`` is ``"and"`` or ``"or"``."""
    if len(items) <= 1:
        return "".join(items)
    head = t("kb.list.separator", language).join(items[:-1])
    return t(f"kb.list.{last}", language, items=head, last=items[-1])


def mode_name(mode: str, language: str | None) -> str:
    """The mode's name as a heading, e.g. ``"Air freight"`` / ``"空運"``."""
    return t(f"kb.mode_name.{mode}", language)


def mode_phrase(mode: str, language: str | None) -> str:
    """The mode's name inside a sentence, e.g. ``"air freight"`` / ``"空運"``."""
    return t(f"kb.mode_phrase.{mode}", language)


def region_name(region: str, language: str | None) -> str:
    """The region's name, e.g. ``"Europe"`` / ``"歐洲"``."""
    return t(f"kb.region.{region}", language)


def days_text(transit: TransitTime, language: str | None) -> str:
    """``"2-4 working days"`` / ``"2 至 4 個工作天"``; ``"1 day"`` / ``"1 日"``."""
    kind = "working" if transit.day_type == "working" else "calendar"
    if transit.min_days == transit.max_days:
        count = "one" if transit.min_days == 1 else "many"
        return t(f"kb.days.{kind}_{count}", language, days=transit.min_days)
    return t(f"kb.days.{kind}_range", language, low=transit.min_days, high=transit.max_days)


def lane_text(origin: Place, destination: Place, language: str | None) -> str:
    """``"from Hong Kong to Los Angeles, United States"`` / ``"由香港到洛杉磯（美國）"``."""
    return t(
        "kb.lane",
        language,
        origin=origin.label_in(language),
        destination=destination.label_in(language),
    )


def format_term(term: Term, unknown_words: Sequence[str] = (), language: str = "en") -> str:
    """Explain a glossary term in the customer's language.

    Args:
        term: the term to explain, as loaded (its related names filled in).
        unknown_words: words the customer put next to the term that the glossary does not
            know ("florbex" in "florbex surcharge"); named first, so the answer does not
            pass off the plain term as what was asked.
        language: ``"en"`` or ``"zh"``.

    Returns:
        The name, the definition, the related terms and what the customer can do next.
    """
    name = term.name_in(language)
    lines = [t("kb.term.answer", language, name=name, definition=term.definition_in(language))]
    if unknown_words:
        quoted = join_list([t("kb.quoted", language, word=w) for w in unknown_words], language)
        lines[0] = t("kb.term.unknown_words", language, words=quoted, name=name, answer=lines[0])
    related = list(term.related_names_in(language))
    if related:
        lines.append(t("kb.term.related", language, names=join_list(related, language)))
        lines.append(t("kb.term.ask_related", language))
    else:
        lines.append(t("kb.term.ask_other", language))
    return "\n".join(lines)


def format_unknown_term(query: str, suggestions: Sequence[Term], language: str = "en") -> str:
    """Say honestly that a term is not in the glossary, offering close matches if any.

    Args:
        query: what the customer asked about (a term or their whole message).
        suggestions: close known terms, best first (may be empty).
        language: ``"en"`` or ``"zh"``.

    Returns:
        Customer-facing text that never guesses a definition.
    """
    cleaned = " ".join(query.split())
    limit = _MAX_ECHO_CHINESE_CHARS if has_chinese(cleaned) else _MAX_ECHO_CHARS
    readable = normalise_text(cleaned) != "" or has_chinese(cleaned)
    short = 0 < len(cleaned) <= limit and readable
    subject = (
        t("kb.unknown.subject_quoted", language, query=cleaned)
        if short
        else t("kb.unknown.subject_that", language)
    )
    if suggestions:
        names = join_list([term.name_in(language) for term in suggestions], language, last="or")
        return t("kb.unknown.suggest", language, subject=subject, names=names)
    return t("kb.unknown.none", language, subject=subject)


def format_transit(
    mode: str,
    origin_place: Place,
    destination_place: Place,
    transit: TransitTime | None,
    language: str = "en",
) -> str:
    """Describe the typical transit time of a lane in the customer's language.

    Args:
        mode: mode code, e.g. ``"air"`` or ``"sea_lcl"``.
        origin_place: where the shipment starts.
        destination_place: where it goes.
        transit: the typical transit time, or ``None`` when the table has none.
        language: ``"en"`` or ``"zh"``.

    Returns:
        Customer-facing text with the range, what it covers and what to do next.
    """
    lane = lane_text(origin_place, destination_place, language)
    if transit is None:
        return t("kb.transit.none", language, service=mode_phrase(mode, language), lane=lane)
    return t(
        "kb.transit.answer",
        language,
        service=mode_name(mode, language),
        lane=lane,
        region=region_name(transit.region, language),
        days=days_text(transit, language),
        note=transit.note_in(language),
    )
