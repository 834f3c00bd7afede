"""What counts as an attempt at a contact where the bot asked how to reach the customer."""

from __future__ import annotations

import pytest

from actions.common import looks_like_contact


@pytest.mark.parametrize(
    "text",
    [
        "chris@example.com",
        "chris＠example.com",
        "9123 4567",
        "chris at somewhere",
        "chris at example dot com",
        "chris (at) example dot com",
    ],
)
def test_an_attempted_address_or_number_is_an_answer_to_check(text: str) -> None:
    assert looks_like_contact(text)


@pytest.mark.parametrize(
    "text", ["where is my parcel at now", "I am at home", "tell me when it arrives", "no"]
)
def test_other_messages_are_not_taken_as_a_contact(text: str) -> None:
    assert not looks_like_contact(text)
