"""What customers say while a request is taken, and what they are told, in both languages."""

from __future__ import annotations

import pytest

from bot.domain.requests.intake import delivery_kind, pickup_change, pickup_field
from bot.domain.requests.rules import RequestError, normalise_reference
from bot.domain.requests.wording import format_error


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("please deliver it again", "redeliver"),
        ("redeliver", "redeliver"),
        ("可唔可以再派一次", "redeliver"),
        ("change the address", "address_change"),
        ("我想改地址", "address_change"),
        ("hold for collection", "hold_for_collection"),
        ("我想自取", "hold_for_collection"),
        ("proof of delivery please", "pod_copy"),
        ("想要簽收證明", "pod_copy"),
        ("a copy of the invoice", "invoice_copy"),
        ("補發發票", "invoice_copy"),
        ("hello", None),
    ],
)
def test_delivery_kinds(text: str, kind: str | None) -> None:
    assert delivery_kind(text) == kind


def test_cancel_or_move_and_what_to_change() -> None:
    assert pickup_change("please cancel my pick-up") == "pickup_cancel"
    assert pickup_change("唔使嚟收喇，取消") == "pickup_cancel"
    assert pickup_change("move it to Monday") == "pickup_reschedule"
    assert pickup_change("想改時間") == "pickup_reschedule"
    assert pickup_change("REQ-2026-00001") is None
    assert pickup_field("change the time") == "pickup_window"
    assert pickup_field("改地址") == "pickup_address"
    assert normalise_reference("req 2026 7") == "REQ-2026-00007"


def test_an_error_names_the_day_as_the_language_writes_it() -> None:
    error = RequestError("pickup_holiday", day="2026-12-25", holiday="Christmas Day")
    assert format_error(error, "en").startswith("Friday 25 Dec is a public holiday (Christmas Day)")
    assert format_error(error, "zh").startswith("12月25日 (星期五) 係公眾假期")


def test_a_holiday_is_named_in_the_conversations_language() -> None:
    error = RequestError(
        "pickup_holiday", day="2026-12-25", holiday="Christmas Day", holiday_zh="聖誕節"
    )
    assert "(Christmas Day)" in format_error(error, "en")
    chinese = format_error(error, "zh")
    assert "（聖誕節）" in chinese and "Christmas" not in chinese
    late = RequestError("pickup_past", day="2026-12-03 10:00")
    assert format_error(late, "en").startswith("Thursday 3 Dec 10:00 has already passed")
