"""Recognise the transport mode a customer asks for."""

from __future__ import annotations

from bot.domain.kb.normalise import normalise_text

# Checked in this order; the first rule with a phrase in the text wins. Specific services
# come before the broad mode words, so "LCL sea freight" is LCL and "economy express" is
# economy, and speed or price wishes come last, so "cheapest by sea" is sea.
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "sea_fcl",
        (
            "fcl",
            "full container",
            "full container load",
            "whole container",
            "own container",
            "20ft",
            "40ft",
            "20 ft",
            "40 ft",
            "20 foot",
            "40 foot",
            "20gp",
            "40gp",
            "40hc",
            "40hq",
            "20 container",
            "40 container",
            "twenty foot",
            "forty foot",
        ),
    ),
    (
        "sea_lcl",
        (
            "lcl",
            "less than container",
            "less than a container",
            "less than container load",
            "groupage",
            "shared container",
            "part container",
            "consol",
            "sea consolidation",
        ),
    ),
    ("economy", ("economy", "deferred", "economy express", "saver", "non urgent express")),
    ("express", ("express", "courier", "door to door express", "overnight", "next day")),
    (
        "sea",
        (
            "sea",
            "ocean",
            "by sea",
            "by ship",
            "by boat",
            "vessel",
            "seafreight",
            "sea freight",
            "ocean freight",
            "shipping line",
            "container ship",
            "boat",
        ),
    ),
    (
        "air",
        (
            "air",
            "airfreight",
            "air freight",
            "air cargo",
            "by air",
            "by plane",
            "plane",
            "flight",
            "fly",
            "airplane",
            "aeroplane",
            "aircraft",
        ),
    ),
    ("economy", ("cheapest", "cheaper", "cheap", "budget", "lowest cost", "not urgent")),
    ("express", ("fastest", "quickest", "urgent", "asap", "fast", "quick", "rush")),
)

_ALIASES: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = tuple(
    (mode, tuple(tuple(phrase.split()) for phrase in phrases)) for mode, phrases in _RULES
)


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


def normalize_mode(text: str) -> str | None:
    """Map a customer's wording of a transport mode to a mode code.

    Args:
        text: e.g. ``"air freight"``, ``"by plane"``, ``"FCL"``, ``"courier"``,
            ``"the cheapest option"``.

    Returns:
        One of ``"express"``, ``"economy"``, ``"air"``, ``"sea"``, ``"sea_fcl"``,
        ``"sea_lcl"``; ``"sea"`` means FCL or LCL is still to be decided. ``None`` when
        the text names no mode.
    """
    words = normalise_text(text).split()
    # "air express" is still the express service.
    for mode, phrases in _ALIASES:
        if any(_contains(words, phrase) for phrase in phrases):
            return mode
    return None
