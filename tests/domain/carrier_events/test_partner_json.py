"""The partner JSON adapter: our own statuses, anything else kept as the raw code."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.carrier_events import partner_json
from bot.domain.carrier_events.model import UNMAPPED, MalformedMessage
from tests.domain.carrier_events.recorded import recorded


def test_a_batch_is_read() -> None:
    first, second = partner_json.parse(recorded("partner_batch.json"))

    assert (first.status, first.mode, first.eta, first.destination) == (
        "picked_up",
        "economy",
        date(2026, 3, 14),
        "Taipei",
    )
    assert (second.status, second.raw_code) == (UNMAPPED, "HELD_WEATHER")


def test_problems_are_named_per_event() -> None:
    body = (
        b'{"events": [{"event_id": "a", "tracking_number": "RR123456785HK",'
        b' "status": "delivered", "occurred_at": "yesterday", "mode": "boat"}]}'
    )
    with pytest.raises(MalformedMessage) as caught:
        partner_json.parse(body)
    assert caught.value.problems == [
        "event 1: occurred_at 'yesterday' is not an ISO 8601 time with an offset",
        "event 1: mode 'boat' is not one of express, economy, air, sea_fcl, sea_lcl",
    ]


@pytest.mark.parametrize("body", [b"{", b'{"events": []}', b'{"events": [{}]}', b"[1]"])
def test_bodies_that_are_not_events_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedMessage):
        partner_json.parse(body)
