"""The quote form reads a weight or volume the customer gave, even where the model's
entity caught only part of it (a unit without its number)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.quotes import ValidateQuoteForm


def _tracker(text: str, entities: list[dict[str, Any]]) -> Tracker:
    return Tracker(
        sender_id="quote-extraction",
        slots={},
        latest_message={"text": text, "entities": entities, "intent": {"name": "ask_rates"}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "quote_form"},
        latest_action_name="action_listen",
    )


def _extract(slot: str, text: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
    form = ValidateQuoteForm()
    extract = getattr(form, f"extract_{slot}")
    return asyncio.run(extract(CollectingDispatcher(), _tracker(text, entities), {}))


@pytest.mark.parametrize(
    ("text", "caught", "weight"),
    [
        ("由香港速遞5公斤去倫敦幾錢", "公斤", "5公斤"),
        ("how much for 12 kg to tokyo", "kg", "12 kg"),
    ],
)
def test_a_weight_the_model_cut_short_is_read_from_the_customers_words(
    text: str, caught: str, weight: str
) -> None:
    entities = [{"entity": "weight", "value": caught}]
    assert _extract("weight", text, entities) == {"weight": weight}


def test_a_whole_weight_entity_is_taken_as_the_model_read_it() -> None:
    entities = [{"entity": "weight", "value": "五公斤"}]
    assert _extract("weight", "五公斤速遞去倫敦幾錢", entities) == {"weight": "五公斤"}


def test_a_volume_the_model_cut_short_is_read_from_the_customers_words() -> None:
    entities = [{"entity": "volume", "value": "立方"}]
    got = _extract("volume", "海運去鹿特丹 300公斤 2個立方 幾錢", entities)
    assert got == {"volume": "2個立方"}
