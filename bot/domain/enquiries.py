"""Lane handling shared by quotes and transit-time answers.

The operator ships to and from Hong Kong and South China ("home"), so a lane's region
is the region of whichever end is not home.
"""

from __future__ import annotations

from bot.core.i18n import t
from bot.domain.kb import KnowledgeBase, Place, format_transit
from bot.domain.kb.formatting import days_text

DEFAULT_ORIGIN = "Hong Kong"
#: The modes a transit answer lists when the customer named none, in this order.
LISTED_MODES = ("express", "economy", "air", "sea_lcl", "sea_fcl")


def lane_places(
    kb: KnowledgeBase, origin: str | None, destination: str | None
) -> tuple[Place | None, Place | None]:
    """Resolve the two ends of a lane; a missing origin means Hong Kong."""
    origin_place = kb.find_place(origin or DEFAULT_ORIGIN)
    destination_place = kb.find_place(destination) if destination else None
    return origin_place, destination_place


def lane_region(origin: Place, destination: Place) -> str | None:
    """The region of the end that is not home, or None when the lane is not ours."""
    if origin.home and not destination.home:
        return destination.region
    if destination.home and not origin.home:
        return origin.region
    return None


def transit_answer(
    kb: KnowledgeBase,
    mode: str | None,
    origin: Place | None,
    destination: Place | None,
    language: str = "en",
) -> tuple[str, bool]:
    """The customer's transit-time answer and whether the table covered the lane.

    Args:
        kb: the knowledge base.
        mode: canonical mode, ``"sea"`` for either sea service, or None for all modes.
        origin: origin place (None when unknown).
        destination: destination place (None when unknown).
        language: ``"en"`` or ``"zh"``.
    """
    if origin is None or destination is None:
        return t("kb.transit.unplaced", language), False
    region = lane_region(origin, destination)
    if region is None:
        if origin.home and destination.home:
            return t("kb.transit.local_lane", language), False
        return (
            t(
                "kb.transit.foreign_lane",
                language,
                origin=origin.name_in(language),
                destination=destination.name_in(language),
            ),
            False,
        )
    if mode is not None and mode != "sea":
        transit = kb.transit_time(mode, region)
        if transit is not None:
            return format_transit(mode, origin, destination, transit, language), True
    modes = ["sea_lcl", "sea_fcl"] if mode == "sea" else list(LISTED_MODES)
    lines = []
    for code in modes:
        transit = kb.transit_time(code, region)
        if transit is not None:
            note = transit.note_in(language)
            lines.append(
                t(
                    "kb.transit.list_item",
                    language,
                    service=t(f"kb.mode_label.{code}", language),
                    days=days_text(transit, language),
                    note=t("kb.transit.list_note", language, note=note) if note else "",
                )
            )
    if not lines:
        return t("kb.transit.local_lane", language), False
    header = t(
        "kb.transit.list_header",
        language,
        origin=origin.name_in(language),
        destination=destination.name_in(language),
    )
    return "\n".join([header, *lines, t("kb.transit.list_footer", language)]), True
