"""Which intents a form gives way to (actions/common.py)."""

from __future__ import annotations

import yaml

from actions.common import FLOW_INTENTS, INTERRUPTING_INTENTS, NOT_INTERRUPTING_INTENTS
from bot.core.settings import REPO_ROOT


def _domain_intents() -> set[str]:
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    names = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    # EXTERNAL_ intents are triggered by the servers, never typed by a customer; the FAQ
    # retrieval intent is declared by its responses (utter_faq/<topic>), not in the list.
    return {name for name in names if not name.startswith("EXTERNAL_")} | {"faq"}


def test_every_intent_is_either_an_interruption_or_an_answer() -> None:
    """An intent added without a side is read as an answer at every form step, as
    "stop sending me 貨件 updates" was at the pick-up summary ("change the pieces")."""
    intents = _domain_intents()
    unclassified = intents - INTERRUPTING_INTENTS - NOT_INTERRUPTING_INTENTS
    assert not unclassified, (
        f"add these to INTERRUPTING_INTENTS or NOT_INTERRUPTING_INTENTS: {unclassified}"
    )
    assert not INTERRUPTING_INTENTS & NOT_INTERRUPTING_INTENTS
    assert intents >= INTERRUPTING_INTENTS | NOT_INTERRUPTING_INTENTS


def test_the_shipment_update_and_opt_out_intents_start_flows_of_their_own() -> None:
    """At the pick-up summary they are set aside, not read as a change to a detail."""
    assert {"subscribe_updates", "stop_updates", "withdraw_marketing_consent"} <= FLOW_INTENTS
