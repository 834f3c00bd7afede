"""Cargo-IMP FSU adapter: status lines read, times placed in the airport's zone and year."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.domain.carrier_events import cargo_imp
from bot.domain.carrier_events.model import UNMAPPED, MalformedMessage
from bot.storage.models import UTC
from tests.domain.carrier_events.recorded import recorded

NOW = datetime(2026, 3, 5, 0, 0, tzinfo=UTC)


def test_each_status_line_is_an_event_on_the_air_waybill() -> None:
    events = cargo_imp.parse(recorded("fsu_hkg_lhr.txt"), NOW)

    assert [(e.raw_code, e.status, e.location) for e in events] == [
        ("RCS", "picked_up", "HKG"),
        ("DEP", "in_transit", "HKG"),
        ("ARR", "at_hub", "LHR"),
        ("RCF", "at_hub", "LHR"),
    ]
    assert {e.tracking_number for e in events} == {"160-48219371"}
    assert (events[0].origin, events[0].destination, events[0].mode) == ("HKG", "LHR", "air")
    # 14:05 in Hong Kong; 07:05 in London (GMT in March)
    assert events[0].occurred_at == datetime(2026, 3, 2, 6, 5, tzinfo=UTC)
    assert events[2].occurred_at == datetime(2026, 3, 3, 7, 5, tzinfo=UTC)
    assert events[1].description == "Departed (CX255)"


def test_the_same_status_sent_twice_has_the_same_id() -> None:
    first = cargo_imp.parse(recorded("fsu_hkg_lhr.txt"), NOW)
    again = cargo_imp.parse(recorded("fsu_hkg_lhr.txt"), datetime(2026, 3, 9, tzinfo=UTC))
    assert [e.external_id for e in first] == [e.external_id for e in again]


def test_the_year_is_the_latest_not_after_the_time_received() -> None:
    body = b"FSU/13\n160-48219371HKGLHR/T1K5\nDLV/30DEC1000/LHR/T1K5\n"
    (event,) = cargo_imp.parse(body, datetime(2027, 1, 2, tzinfo=UTC))
    assert event.occurred_at == datetime(2026, 12, 30, 10, 0, tzinfo=UTC)


def test_an_unknown_code_is_kept_with_its_raw_code() -> None:
    (event,) = cargo_imp.parse(recorded("fsu_unknown_code.txt"), NOW)
    assert (event.status, event.raw_code) == (UNMAPPED, "FOW")


def test_a_malformed_message_names_its_lines() -> None:
    with pytest.raises(MalformedMessage) as caught:
        cargo_imp.parse(recorded("fsu_malformed.txt"), NOW)
    assert caught.value.problems == [
        "line 2: '160-4821937HKGLHR/T10K250.0' is not an air waybill line like "
        "160-48219371HKGLHR/T10"
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "the body is empty"),
        (
            b"FWB/16\n160-48219371HKGLHR/T1K5\nRCS/02MAR/HKG",
            "line 1: 'FWB/16' is not FSU/<version>",
        ),
        (b"FSU/13\n160-48219371HKGLHR/T1K5", "an FSU needs a waybill line and at least one"),
        (b"FSU/13\n160-48219371HKGLHR/T1K5\nRCS/31FEB/HKG", "line 3: RCS has no valid date"),
        ("FSU/13\n160-48219371HKGLHR\nDLV/02MAR/香港".encode(), "plain ASCII"),
    ],
)
def test_bodies_that_are_not_fsu_are_refused(body: bytes, problem: str) -> None:
    with pytest.raises(MalformedMessage) as caught:
        cargo_imp.parse(body, NOW)
    assert problem in str(caught.value)
