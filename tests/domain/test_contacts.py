"""Recognising and masking customers' email addresses and phone numbers."""

from __future__ import annotations

import pytest

from bot.domain.contacts import Contact, mask_contact, parse_contact


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Jo.Chan@Example.COM", Contact("email", "Jo.Chan@example.com")),
        ("  sales+quotes@freight.co.uk. ", Contact("email", "sales+quotes@freight.co.uk")),
        ("you can email me at jo@example.hk thanks", Contact("email", "jo@example.hk")),
        ("9123 4567", Contact("phone", "+85291234567")),
        ("2345-6789", Contact("phone", "+85223456789")),
        ("+852 9123 4567", Contact("phone", "+85291234567")),
        ("00852 9123 4567", Contact("phone", "+85291234567")),
        ("+86 139 1234 5678", Contact("phone", "+8613912345678")),
        ("+1 (415) 555-0123", Contact("phone", "+14155550123")),
        ("13912345678", Contact("phone", "13912345678")),
        ("call me on +65 9123 4567 after 6", Contact("phone", "+6591234567")),
        # Given in Chinese: right next to Chinese characters, full-width, Simplified.
        ("我電話係91234567", Contact("phone", "+85291234567")),
        ("打俾我 +852 9123 4567 唔該", Contact("phone", "+85291234567")),
        ("電郵係jo@example.com，唔該", Contact("email", "jo@example.com")),
        ("电邮：ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", Contact("email", "jo@example.com")),
        ("９１２３ ４５６７", Contact("phone", "+85291234567")),
    ],
)
def test_recognises_emails_and_phone_numbers(typed: str, expected: Contact) -> None:
    assert parse_contact(typed) == expected


@pytest.mark.parametrize(
    "typed", ["Jo.Chan@Example.COM", "9123 4567", "00852 9123 4567", "13912345678"]
)
def test_a_normalised_contact_parses_to_itself(typed: str) -> None:
    # The form stores the normalised value and save_lead parses it again.
    contact = parse_contact(typed)

    assert contact is not None
    assert parse_contact(contact.value) == contact


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "tomorrow",
        "jo@example",  # no top-level domain
        "jo@@example.com",
        "jo..chan@example.com",
        "@example.com",
        "1234567",  # seven digits: too short for any phone number
        "1234 5678",  # Hong Kong numbers don't start with 1
        "+852 9123 456",  # Hong Kong numbers have eight digits
        "+1234567890123456",  # sixteen digits: longer than any phone number
    ],
)
def test_rejects_what_is_not_a_usable_contact(typed: str) -> None:
    assert parse_contact(typed) is None


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jo.chan@example.com", "j***@example.com"),
        ("+85291234567", "+852****4567"),
        ("+6591234567", "+******4567"),
        ("13912345678", "*******5678"),
        ("someone", "s*****e"),
        ("ab", "**"),
    ],
)
def test_masks_contacts_for_logs(value: str, masked: str) -> None:
    assert mask_contact(value) == masked
