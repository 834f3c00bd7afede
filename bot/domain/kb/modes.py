"""Recognise the transport mode a customer asks for."""

from __future__ import annotations

from bot.domain.kb.normalise import has_chinese, normalise_chinese, normalise_text

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

# The same rules in Chinese, in the same order (Traditional; Simplified input is converted
# before it is read): "經濟快遞" is economy before "快遞" is express, "海運整櫃" is FCL.
_ZH_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "sea_fcl",
        (
            "整櫃",
            "整箱",
            "成個櫃",
            "一個櫃",
            "包櫃",
            "20呎",
            "40呎",
            "二十呎",
            "四十呎",
            "高櫃",
            "大櫃",
            "細櫃",
            "20尺",
            "40尺",
        ),
    ),
    ("sea_lcl", ("拼櫃", "拼箱", "併櫃", "散貨", "拼貨")),
    ("economy", ("經濟快遞", "經濟速遞", "經濟型", "經濟")),
    ("express", ("速遞", "快遞", "特快", "專遞", "急件", "順豐")),
    ("sea", ("海運", "船運", "走海", "坐船", "用船", "海路", "貨船", "寄船", "海上")),
    ("air", ("空運", "空郵", "航空", "飛機", "走空", "空派", "寄飛機")),
    ("economy", ("最平", "平啲", "便宜", "唔急", "慳錢", "最抵")),
    ("express", ("最快", "快啲", "好急", "趕時間", "急")),
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
            ``"the cheapest option"``, ``"空運"``, ``"海運拼櫃"``, ``"速遞"``.

    Returns:
        One of ``"express"``, ``"economy"``, ``"air"``, ``"sea"``, ``"sea_fcl"``,
        ``"sea_lcl"``; ``"sea"`` means FCL or LCL is still to be decided. ``None`` when
        the text names no mode.
    """
    words = normalise_text(text).split()
    chinese = normalise_chinese(text) if has_chinese(text) else ""
    # "air express" is still the express service.
    for (mode, phrases), (_, zh_phrases) in zip(_ALIASES, _ZH_RULES, strict=True):
        if any(_contains(words, phrase) for phrase in phrases):
            return mode
        if chinese and any(phrase in chinese for phrase in zh_phrases):
            return mode
    return None
