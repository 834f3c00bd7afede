"""The shared complaint rules: one reference format read two ways, and the limits."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.domain.clock import moment_of
from bot.domain.complaints.rules import (
    find_reference,
    format_reference,
    normalise_reference,
)
from tests.domain.complaints.conftest import THURSDAY_1PM


def test_references_are_written_with_a_five_digit_number() -> None:
    assert format_reference(2026, 42) == "CMP-2026-00042"
    assert format_reference(2026, 123456) == "CMP-2026-123456"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("CMP-2026-00042", "CMP-2026-00042"),
        ("cmp 2026 42", "CMP-2026-00042"),
        ("it's CMP_2026_7, please", "CMP-2026-00007"),
        ("cmp-2026-00001", "CMP-2026-00001"),
        ("no reference here", None),
        ("", None),
        ("我嘅投訴CMP-2026-00042而家點", "CMP-2026-00042"),
        ("查下cmp 2026 42進度", "CMP-2026-00042"),
        ("XCMP-2026-00042", None),
    ],
)
def test_a_typed_reference_is_read_loosely(typed: str, expected: str | None) -> None:
    assert normalise_reference(typed) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("What's happening with CMP-2026-00042?", "CMP-2026-00042"),
        ("status of cmp-2026-00042 please", "CMP-2026-00042"),
        # In free text only the exact form counts: other numbers are not references.
        ("my complaint cmp 2026 42", None),
        ("CMP-2026-42 is mine", None),
        ("I complained on 2026-11-26", None),
    ],
)
def test_a_reference_in_a_sentence_is_found_only_in_its_exact_form(
    sentence: str, expected: str | None
) -> None:
    assert find_reference(sentence) == expected


def test_a_moment_is_aware_utc_and_naive_times_are_refused() -> None:
    assert moment_of(THURSDAY_1PM) == datetime(2026, 11, 26, 5, tzinfo=timezone.utc)
    assert moment_of(None).tzinfo is not None
    with pytest.raises(ValueError, match="naive"):
        moment_of(datetime(2026, 11, 26, 13))
