"""Agent teams, and which team a handed-over conversation goes to."""

from __future__ import annotations

#: Team codes and their names as shown to staff and customers; ``general`` catches the rest.
TEAMS: dict[str, str] = {
    "express": "Express",
    "air_freight": "Air Freight",
    "sea_freight": "Sea Freight",
    "complaints_claims": "Complaints and Claims",
    "general": "Customer Service",
}

GENERAL_TEAM = "general"

# Intents that are about a complaint or a claim whatever the shipment's mode.
_COMPLAINT_INTENTS = frozenset({"complain", "complaint_status"})


class UnknownTeam(ValueError):
    """A team code that is not one of :data:`TEAMS`."""


def check_team(team: str) -> str:
    """Return ``team`` normalised (``Air-Freight`` -> ``air_freight``) if it is a known team.

    Raises:
        UnknownTeam: it is not one of :data:`TEAMS`; the message lists them.
    """
    code = (team or "").strip().lower().replace("-", "_").replace(" ", "_")
    if code not in TEAMS:
        raise UnknownTeam(f"unknown team {team!r}: use one of {', '.join(TEAMS)}")
    return code


def team_label(team: str) -> str:
    """The team's name for people, e.g. ``Air Freight``; unknown codes are shown as given."""
    return TEAMS.get(team, team)


def route_team(*, intent: str | None, mode: str | None, complaint_category: str | None) -> str:
    """Choose the team that should take a handed-over conversation.

    A complaint (a category, or a complaint intent) goes to complaints and claims, whatever
    the mode: claims need that team's authority. Otherwise the shipment's mode decides;
    anything else goes to the general queue.

    Args:
        intent: the customer's latest intent, if known.
        mode: the shipment or quote mode (``bot.storage.models.MODES``), if known.
        complaint_category: the complaint's category, when the conversation has one.

    Returns:
        A code from :data:`TEAMS`.
    """
    if complaint_category or (intent or "").strip().lower() in _COMPLAINT_INTENTS:
        return "complaints_claims"
    code = (mode or "").strip().lower()
    if code in ("express", "economy"):
        return "express"
    if code == "air":
        return "air_freight"
    if code.startswith("sea"):
        return "sea_freight"
    return GENERAL_TEAM
