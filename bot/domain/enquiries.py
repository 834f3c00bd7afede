"""Lane handling shared by quotes and transit-time answers.

The operator ships to and from Hong Kong and South China ("home"), so a lane's region
is the region of whichever end is not home.
"""

from __future__ import annotations

from bot.domain.kb import KnowledgeBase, Place, format_transit

DEFAULT_ORIGIN = "Hong Kong"
MODE_LABELS = {
    "express": "Express",
    "economy": "Economy express",
    "air": "Air freight",
    "sea_lcl": "Sea freight, shared container (LCL)",
    "sea_fcl": "Sea freight, full container (FCL)",
}
LOCAL_LANE = (
    "Our transit table covers international lanes to and from Hong Kong and South China. "
    "For a delivery within the region, a colleague can give you the timing: would you "
    "like me to arrange that?"
)
FOREIGN_LANE = (
    "Our transit table covers lanes to and from Hong Kong and South China, and {origin} to "
    "{destination} is outside it. A colleague can advise on that lane: would you like me to "
    "arrange that?"
)


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
    kb: KnowledgeBase, mode: str | None, origin: Place | None, destination: Place | None
) -> tuple[str, bool]:
    """The customer's transit-time answer and whether the table covered the lane.

    Args:
        kb: the knowledge base.
        mode: canonical mode, ``"sea"`` for either sea service, or None for all modes.
        origin: origin place (None when unknown).
        destination: destination place (None when unknown).
    """
    if origin is None or destination is None:
        return (
            "Sorry, I couldn't place one end of that lane. Could you tell me the city or "
            "country the goods go to?",
            False,
        )
    region = lane_region(origin, destination)
    if region is None:
        if origin.home and destination.home:
            return LOCAL_LANE, False
        return FOREIGN_LANE.format(origin=origin.name, destination=destination.name), False
    if mode is not None and mode != "sea":
        transit = kb.transit_time(mode, region)
        if transit is not None:
            return format_transit(mode, origin, destination, transit), True
    modes = ["sea_lcl", "sea_fcl"] if mode == "sea" else list(MODE_LABELS)
    lines = []
    for code in modes:
        transit = kb.transit_time(code, region)
        if transit is not None:
            note = f" ({transit.note})" if transit.note else ""
            lines.append(f"- {MODE_LABELS[code]}: {transit.min_days}-{transit.max_days} days{note}")
    if not lines:
        return LOCAL_LANE, False
    header = f"Typical transit times from {origin.name} to {destination.name}:"
    footer = "These are typical ranges, not guarantees; customs clearance can add time."
    return "\n".join([header, *lines, footer]), True
