"""What a customer's message may carry into Rasa: sender ids, slash commands, REST access."""

from __future__ import annotations

import pytest

from bot.core.settings import SettingsError
from bot.engine.channels.guard import CommandPolicy, clean_text, reserved_sender, sender_problem
from bot.engine.channels.rest import RestAccess

POLICY = CommandPolicy.from_names(
    [
        "greet",
        "affirm",
        "request_human",
        "define_term",
        "faq",
        "restart",
        "session_start",
        "back",
        "nlu_fallback",
        "EXTERNAL_complaint_resolved",
    ],
    ["term", "mode"],
)


@pytest.mark.parametrize(
    "command",
    ["/affirm", "/request_human", '/define_term{"term": "FOB"}', "/faq/incoterms", "  /greet"],
)
def test_button_payloads_pass_unchanged(command: str) -> None:
    assert POLICY.screen(command) == command


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        ("/back", "back"),
        ("/nlu_fallback", "nlu_fallback"),
        ("/EXTERNAL_complaint_resolved", "EXTERNAL_complaint_resolved"),
        ('/request_human{"x":1}', 'request_human{"x":1}'),
        ('/define_term{"term": ["a"]}', 'define_term{"term": ["a"]}'),
        ('/define_term{"term": true}', 'define_term{"term": true}'),
        ('/define_term{"term": "' + "x" * 101 + '"}', 'define_term{"term": "' + "x" * 101 + '"}'),
        ("/affirm@0.99", "affirm@0.99"),
        ("/unknown_intent", "unknown_intent"),
        ("//affirm", "affirm"),
        ("/", ""),
        ("/ where is my parcel", "where is my parcel"),
    ],
)
def test_other_slash_text_is_read_as_words(typed: str, read_as: str) -> None:
    assert POLICY.screen(typed) == read_as


def test_without_a_domain_no_command_passes() -> None:
    assert CommandPolicy.from_domain(None).screen("/affirm") == "affirm"


def test_plain_text_is_untouched() -> None:
    assert POLICY.screen("track 160-12345675 / today") == "track 160-12345675 / today"


@pytest.mark.parametrize("sender", ["web:0f0f", "telegram:123", " Web:abc", "TELEGRAM:1"])
def test_other_channels_sender_ids_are_reserved(sender: str) -> None:
    assert reserved_sender(sender)
    assert "only that channel" in (sender_problem(sender) or "")


@pytest.mark.parametrize(
    "sender", ["user-123", "crm:42", "test-abc", "webber", "me", "jo@acme.hk", "a.b_c"]
)
def test_integration_sender_ids_are_accepted(sender: str) -> None:
    assert sender_problem(sender) is None


@pytest.mark.parametrize(
    "sender",
    [
        "",
        "  ",
        None,
        42,
        "a" * 129,
        "a\nb",
        "x\x00",
        "user 1",
        "user-1 ",
        " user-1",
        "a/b",
        "a%20b",
        "a#b",
        "a?b",
        "<b>",
        "café",
        "用户",
    ],
)
def test_malformed_sender_ids_are_refused(sender: object) -> None:
    assert sender_problem(sender) is not None


def test_rest_access_defaults_to_loopback_without_token() -> None:
    access = RestAccess.from_env({})
    assert access.allows_address("127.0.0.1") and access.allows_address("::1")
    assert access.allows_address("::ffff:127.0.0.1")
    assert not access.allows_address("10.1.2.3")
    assert not access.allows_address("not an address")
    assert access.allows_token("")


def test_rest_access_networks_and_token_from_the_environment() -> None:
    access = RestAccess.from_env(
        {
            "FREIGHTDESK_REST_ALLOWED_NETWORKS": "10.0.0.0/8, 192.168.1.5",
            "FREIGHTDESK_REST_TOKEN": "s3cret-token",
        }
    )
    assert access.allows_address("10.9.8.7") and access.allows_address("192.168.1.5")
    assert not access.allows_address("127.0.0.1")
    assert access.allows_token("Bearer s3cret-token")
    assert not access.allows_token("Bearer wrong")
    assert not access.allows_token("s3cret-token")


def test_a_bad_network_stops_start_up_with_its_name() -> None:
    with pytest.raises(SettingsError, match="FREIGHTDESK_REST_ALLOWED_NETWORKS"):
        RestAccess.from_env({"FREIGHTDESK_REST_ALLOWED_NETWORKS": "everyone"})


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("hello\x00world", "helloworld"),
        ("line one\nline two\ttabbed\r\n", "line one\nline two\ttabbed\r\n"),
        ("bell\x07 and del\x7f", "bell and del"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("我的包裹 📦", "我的包裹 📦"),
    ],
)
def test_text_is_cleaned_of_what_no_database_stores(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")
