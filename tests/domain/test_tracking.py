"""Tracking numbers: formats, check digits, and finding them in customers' messages.

The valid examples were worked by hand (the arithmetic is in the comments), so a wrong
check-digit routine cannot agree with itself. CSQU3054383 is the worked example of the
ISO 6346 standard.
"""

from __future__ import annotations

import pytest

from bot.domain.tracking import (
    AIR_WAYBILL,
    CONTAINER,
    EXPRESS,
    POSTAL,
    TrackingNumber,
    check_tracking_number,
    find_tracking_numbers,
)

VALID = [
    # 1234567 = 7 * 176366 + 5
    ("160-12345675", "160-12345675", AIR_WAYBILL),
    # 5530812 = 7 * 790116 + 0
    ("176-55308120", "176-55308120", AIR_WAYBILL),
    # 7719046 = 7 * 1102720 + 6
    ("020 7719 0466", "020-77190466", AIR_WAYBILL),
    # ISO 6346's own example
    ("CSQU3054383", "CSQU3054383", CONTAINER),
    # M24 S30*2 C13*4 U32*8 1*16 2*32 3*64 4*128 5*256 6*512 = 5528 = 11 * 502 + 6
    ("mscu 123456 6", "MSCU1234566", CONTAINER),
    # 1*8 2*6 3*4 4*2 5*3 6*5 7*9 8*7 = 204, 204 mod 11 = 6, 11 - 6 = 5
    ("RR123456785HK", "RR123456785HK", POSTAL),
    # 2*8 1*6 9*4 0 0 3*5 7*9 4*7 = 164, 164 mod 11 = 10, 11 - 10 = 1
    ("ee 219 003 741 hk", "EE219003741HK", POSTAL),
    # sum 2*6 = 12, 12 mod 11 = 1, 11 - 1 = 10 which is written 0
    ("RR020000000HK", "RR020000000HK", POSTAL),
    # sum 0, 11 - 0 = 11 which is written 5
    ("RR000000005HK", "RR000000005HK", POSTAL),
    # 123456789 = 7 * 17636684 + 1
    ("1234567891", "1234567891", EXPRESS),
    # 482019375 = 7 * 68859910 + 5
    ("48 2019 3755", "4820193755", EXPRESS),
]

MISTYPED = [
    # one digit changed
    ("160-12345575", AIR_WAYBILL, "should be 2"),
    ("CSQU3054883", CONTAINER, "should be 7"),
    ("RR123456795HK", POSTAL, "should be 9"),
    ("1234567991", EXPRESS, "should be 4"),
    # two neighbouring digits swapped
    ("160-12354675", AIR_WAYBILL, "should be 2"),
    ("CSQU3045383", CONTAINER, "should be 1"),
    ("RR123465785HK", POSTAL, "should be 7"),
    ("1234576891", EXPRESS, "should be 5"),
]


@pytest.mark.parametrize(("typed", "number", "kind"), VALID)
def test_valid_numbers_are_normalised_and_accepted(typed: str, number: str, kind: str) -> None:
    assert check_tracking_number(typed) == TrackingNumber(typed, number, kind, True, None)


@pytest.mark.parametrize(("typed", "kind", "hint"), MISTYPED)
def test_mistyped_numbers_are_recognised_but_invalid(typed: str, kind: str, hint: str) -> None:
    found = check_tracking_number(typed)

    assert found is not None
    assert (found.kind, found.valid) == (kind, False)
    assert found.problem is not None and hint in found.problem
    # The customer reads this: plain words, and what to do about it.
    assert "Please check" in found.problem
    for jargon in ("mod", "checksum", "ISO", "S10", "6346", "invalid"):
        assert jargon not in found.problem


def test_unknown_country_code_in_postal_number_is_explained() -> None:
    found = check_tracking_number("RR123456785XQ")

    assert found is not None and not found.valid
    assert found.problem is not None and "“XQ” isn't one" in found.problem


@pytest.mark.parametrize(
    "text", ["", "hello", "12345", "160-1234567", "MSCX1234566", "R123456785HK", "250 kg"]
)
def test_text_in_no_known_format_is_not_a_tracking_number(text: str) -> None:
    assert check_tracking_number(text) is None


@pytest.mark.parametrize(
    "text",
    ["awb 160 1234 5675", "AWB: 160-12345675", "160 - 12345675", "16012345675", "AWB16012345675"],
)
def test_check_tracking_number_accepts_a_leading_word_and_separators(text: str) -> None:
    found = check_tracking_number(text)

    assert found is not None and (found.number, found.valid) == ("160-12345675", True)


@pytest.mark.parametrize(
    ("message", "numbers"),
    [
        ("awb 160 1234 5675", ["160-12345675"]),
        ("160-12345675", ["160-12345675"]),
        ("16012345675", ["160-12345675"]),
        ("mscu 123456 6", ["MSCU1234566"]),
        ("RR123456785HK", ["RR123456785HK"]),
        ("rr 123 456 785 hk", ["RR123456785HK"]),
        ("Where is my parcel RR123456785HK?", ["RR123456785HK"]),
        ("container MSCU 1234566 arrived?", ["MSCU1234566"]),
        ("waybill 48 2019 3755 please", ["4820193755"]),
        (
            "Two shipments: 160-12345675 and CSQU3054383, thanks",
            ["160-12345675", "CSQU3054383"],
        ),
        ("awb 160-12345675, again: 160 1234 5675", ["160-12345675"]),
    ],
)
def test_finds_numbers_in_messages(message: str, numbers: list[str]) -> None:
    assert [found.number for found in find_tracking_numbers(message)] == numbers


@pytest.mark.parametrize(
    "message",
    [
        "It weighs 250 kg, 3 pallets, 1.2 cbm",
        "Call me on +852 9123 4567 or 2345 6789",
        # A number that would pass the express check digit, but follows "call".
        "call me on 1234567891",
        "WhatsApp +65 1234 5678 91",
        "Ready on 2025-03-12 at 14:05, or 12/03/2025",
        "Invoice HKD 12,345,678.90, ref 20250312",
        "order 4500012345",  # ten digits whose check digit does not fit
        "room 1601, 23456789012 is my account",  # eleven digits, no fitting check digit
    ],
)
def test_no_false_hits_on_ordinary_numbers(message: str) -> None:
    assert find_tracking_numbers(message) == []


def test_mistyped_number_is_reported_when_customer_says_it_is_one() -> None:
    (found,) = find_tracking_numbers("my awb is 160 1234 5676")

    assert (found.number, found.valid) == ("160-12345676", False)
    assert found.problem is not None and "should be 5" in found.problem


def test_mistyped_dashed_air_waybill_is_reported_without_a_keyword() -> None:
    # The 3-8 dashed form is how air waybills are printed; nothing else looks like it.
    (found,) = find_tracking_numbers("160-12345676")

    assert (found.kind, found.valid) == (AIR_WAYBILL, False)


def test_bare_digits_with_wrong_check_digit_are_not_taken_for_a_number() -> None:
    # Eleven bare digits could be a phone number with country code; without a word
    # saying otherwise only a correct check digit makes them a waybill.
    assert find_tracking_numbers("16012345676") == []


def test_mistyped_container_number_is_reported_in_a_sentence() -> None:
    (found,) = find_tracking_numbers("is box mscu 123456 7 at the port?")

    assert (found.number, found.kind, found.valid) == ("MSCU1234567", CONTAINER, False)
    assert found.problem is not None and "should be 6" in found.problem


def test_raw_keeps_what_the_customer_typed() -> None:
    (found,) = find_tracking_numbers("track rr 123 456 785 hk please")

    assert found.raw == "rr 123 456 785 hk"
    assert found.kind_label == "postal tracking number"


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("我嘅貨件160-12345675去咗邊？", "160-12345675"),
        ("單號160 1234 5675幾時到", "160-12345675"),
        ("查下１６０－１２３４５６７５", "160-12345675"),
        ("我的包裹ＣＳＱＵ３０５４３８３在哪里", "CSQU3054383"),
        ("櫃號CSQU3054383到咗未", "CSQU3054383"),
    ],
)
def test_numbers_inside_chinese_text_are_found(typed: str, number: str) -> None:
    from bot.core.i18n import normalise_input

    found = find_tracking_numbers(normalise_input(typed))

    assert [(f.number, f.valid) for f in found] == [(number, True)]


def test_a_chinese_tracking_word_reports_a_mistyped_number_and_a_phone_word_does_not() -> None:
    (found,) = find_tracking_numbers("我嘅運單160-12345676")
    assert (found.number, found.valid) == ("160-12345676", False)
    assert find_tracking_numbers("打電話俾我 9123 4567") == []
    # 912345678 = 7 * 130335096 + 6: a valid express waybill, but after "電話" a phone number.
    assert find_tracking_numbers("我嘅電話係 9123456786") == []
    assert [f.number for f in find_tracking_numbers("我嘅貨件係 9123456786")] == ["9123456786"]


def test_what_looks_wrong_is_said_in_the_customers_language() -> None:
    found = check_tracking_number("160-12345676")

    assert found is not None and found.problem_key == "tracking.problem.air_waybill"
    chinese = found.problem_in("zh")
    assert chinese is not None and "160-1234567" in chinese and "應該係 5" in chinese
    assert found.problem_in("en") == found.problem and "should be 5" in (found.problem or "")
    assert check_tracking_number("160-12345675").problem_in("zh") is None  # type: ignore[union-attr]
