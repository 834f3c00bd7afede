"""The held-out scoring shared by `make bench` and the e2e floor (bench/nlu.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.nlu import score


def _parsed(intent: str, *ranking: str, topic: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "intent": {"name": intent},
        "intent_ranking": [{"name": name} for name in (intent, *ranking)],
    }
    if topic:
        result["response_selector"] = {"faq": {"response": {"intent_response_key": topic}}}
    return result


PAIRS = [
    ("hi", "greet"),
    ("hello", "greet"),
    ("where is my parcel", "track_shipment"),
    ("book me a flight", "out_of_scope"),
    ("tell me a joke", "out_of_scope"),
    ("are you open on sunday", "faq/opening_hours"),
]


def test_a_fallback_is_a_miss_not_replaced_by_the_next_best_intent() -> None:
    parsed = [
        _parsed("greet"),
        _parsed("nlu_fallback", "greet"),  # the live bot answers this with the fallback
        _parsed("track_shipment"),
        _parsed("out_of_scope"),
        _parsed("out_of_scope"),
        _parsed("faq", topic="faq/opening_hours"),
    ]
    scores = score(PAIRS, parsed)
    assert scores.fallbacks == 1
    assert scores.accuracy == pytest.approx(5 / 6)
    # greet: precision 1, recall 1/2; every other intent 1.0
    assert scores.macro_f1 == pytest.approx((2 / 3 + 3) / 4)
    assert scores.misses == [("hello", "greet", "nlu_fallback")]


def test_out_of_scope_recall_and_precision_are_its_own() -> None:
    parsed = [
        _parsed("greet"),
        _parsed("out_of_scope"),  # a greeting taken for out of scope
        _parsed("track_shipment"),
        _parsed("out_of_scope"),
        _parsed("nlu_fallback", "out_of_scope"),
        _parsed("faq", topic="faq/opening_hours"),
    ]
    scores = score(PAIRS, parsed)
    assert scores.oos_recall == pytest.approx(1 / 2)
    assert scores.oos_precision == pytest.approx(1 / 2)


def test_faq_topic_accuracy_needs_the_right_topic() -> None:
    right = [_parsed("greet")] * 2 + [_parsed("track_shipment")] + [_parsed("out_of_scope")] * 2
    wrong_topic = score(PAIRS, [*right, _parsed("faq", topic="faq/contact_channels")])
    assert wrong_topic.macro_f1 == 1.0
    assert wrong_topic.faq_topic_accuracy == 0.0
