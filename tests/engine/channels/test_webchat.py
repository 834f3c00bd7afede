"""The web chat's pure parts: session ids, the history a reload shows, client metadata."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from bot.core.settings import SettingsError
from bot.engine.channels.webchat import (
    SessionSigner,
    WebChatInput,
    _client_metadata,
    bot_messages,
    client_address,
    history_messages,
    max_idle,
    redis_manager_settings,
    sender_id_for_session,
    session_secret,
    valid_session_id,
)

SECRET = "a-test-secret-of-more-than-32-characters"


def test_sender_ids_are_namespaced_and_only_server_made_ids_are_accepted() -> None:
    session = "0f" * 16
    assert sender_id_for_session(session) == f"web:{session}"
    assert valid_session_id(session) == session
    for forged in ("telegram:123", "../x", "A" * 32, "0f" * 17, None, 42):
        assert valid_session_id(forged) is None


def test_only_tokens_the_server_signed_name_a_session() -> None:
    signer = SessionSigner(SECRET)
    session = "0f" * 16
    token = signer.token_for(session)
    assert token.startswith(f"{session}.") and signer.session_of(token) == session
    other = SessionSigner(SECRET + "-other")
    forged = [
        session,  # the bare id, as pages stored it before signing
        f"web:{session}",
        other.token_for(session),  # signed with another secret
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token.replace("0f", "1f", 1),  # another session with this session's signature
        token + "x",
        None,
        42,
    ]
    for value in forged:
        assert signer.session_of(value) is None, value


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(SettingsError, match="FREIGHTDESK_SESSION_SECRET"):
        SessionSigner("short")


def test_the_secret_comes_from_the_environment_or_is_made_once(tmp_path: Path) -> None:
    assert session_secret({"FREIGHTDESK_SESSION_SECRET": SECRET}) == SECRET
    env = {"FREIGHTDESK_VAR_DIR": str(tmp_path)}
    first = session_secret(env)
    assert len(first) >= 32 and session_secret(env) == first
    assert (tmp_path / "webchat_secret").stat().st_mode & 0o077 == 0


def test_bot_message_is_split_like_the_socket_output_with_buttons_on_the_last_part() -> None:
    messages = bot_messages(
        "First part.\n\nSecond part.",
        {"buttons": [{"title": "Yes, please", "payload": "/affirm"}], "image": None},
    )
    assert messages == [
        {"text": "First part."},
        {
            "text": "Second part.",
            "quick_replies": [
                {"content_type": "text", "title": "Yes, please", "payload": "/affirm"}
            ],
        },
    ]
    assert bot_messages(None, {"image": "https://example.com/a.png"}) == [
        {"attachment": {"type": "image", "payload": {"src": "https://example.com/a.png"}}}
    ]


def test_history_shows_what_the_customer_saw() -> None:
    events = [
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("/greet", metadata={"hidden": True}),
        BotUttered("Hello and welcome.", {"buttons": [{"title": "Track", "payload": "/t"}]}),
        UserUttered("/track_shipment", metadata={"display": "Track a shipment"}),
        BotUttered("Please send me your tracking number."),
        UserUttered("160-48219371"),
    ]
    assert history_messages(events) == [
        {
            "sender": "bot",
            "text": "Hello and welcome.",
            "quick_replies": [{"content_type": "text", "title": "Track", "payload": "/t"}],
        },
        {"sender": "user", "text": "Track a shipment"},
        {"sender": "bot", "text": "Please send me your tracking number."},
        {"sender": "user", "text": "160-48219371"},
    ]


def test_history_keeps_the_newest_messages() -> None:
    events = [UserUttered(f"message {n}") for n in range(10)]
    assert [m["text"] for m in history_messages(events, limit=3)] == [
        "message 7",
        "message 8",
        "message 9",
    ]


def test_only_the_pages_own_metadata_is_kept() -> None:
    assert _client_metadata({"metadata": {"display": "x" * 500, "hidden": True, "admin": 1}}) == {
        "display": "x" * 200,
        "hidden": True,
    }
    assert _client_metadata({"metadata": "not a dict"}) == {}
    assert _client_metadata({"metadata": {"hidden": "yes"}}) == {}


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_token_left_idle_past_the_limit_names_no_session() -> None:
    clock = _Clock(1_800_000_000.0)
    signer = SessionSigner(SECRET, max_idle=timedelta(days=30), clock=clock)
    session = "0f" * 16
    token = signer.token_for(session)
    clock.now += 29 * 86_400
    assert signer.session_of(token) == session
    fresh = signer.token_for(session)  # what the channel hands out at each use
    clock.now += 2 * 86_400  # 31 days after the first token, 2 after the fresh one
    assert signer.session_of(token) is None
    assert signer.session_of(fresh) == session
    # The issue time is signed: moving it forward breaks the signature.
    sid, issued, signature = token.split(".")
    assert signer.session_of(f"{sid}.{int(issued) + 86_400 * 10}.{signature}") is None
    # A token from the future (beyond clock skew) is refused too.
    future = SessionSigner(SECRET, clock=_Clock(clock.now + 3600)).token_for(session)
    assert signer.session_of(future) is None


def test_the_idle_limit_is_configurable() -> None:
    assert max_idle({}) == timedelta(days=30)
    assert max_idle({"FREIGHTDESK_WEBCHAT_IDLE_DAYS": "7"}) == timedelta(days=7)
    for bad in ("0", "-1", "two", "99999"):
        with pytest.raises(SettingsError, match="FREIGHTDESK_WEBCHAT_IDLE_DAYS"):
            max_idle({"FREIGHTDESK_WEBCHAT_IDLE_DAYS": bad})


def test_the_client_address_is_the_peer_and_never_loopback() -> None:
    def environ(ip: str) -> dict[str, object]:
        return {"REMOTE_ADDR": "127.0.0.1", "sanic.request": SimpleNamespace(ip=ip)}

    assert client_address(environ("203.0.113.7")) == "203.0.113.7"
    assert client_address(environ("2001:db8::1")) == "2001:db8::1"
    for unknown in ("127.0.0.1", "::1", "", "not-an-ip"):
        assert client_address(environ(unknown)) is None
    assert client_address({"REMOTE_ADDR": "203.0.113.7"}) is None
    # The page cannot claim an address: its metadata keeps only what it may send.
    assert _client_metadata({"metadata": {"client_address": "198.51.100.1"}}) == {}


def test_replicas_share_messages_only_when_a_redis_is_configured() -> None:
    assert redis_manager_settings({}) is None
    url = "redis://127.0.0.1:6379/1"
    assert redis_manager_settings({"FREIGHTDESK_WEBCHAT_REDIS_URL": url}) == (
        url,
        "freightdesk:webchat",
    )
    assert redis_manager_settings(
        {"FREIGHTDESK_WEBCHAT_REDIS_URL": url, "FREIGHTDESK_WEBCHAT_REDIS_CHANNEL": "fd:web"}
    ) == (url, "fd:web")
    with pytest.raises(SettingsError, match="redis://"):
        redis_manager_settings({"FREIGHTDESK_WEBCHAT_REDIS_URL": "127.0.0.1:6379"})


def test_the_embedded_server_keeps_messages_in_process_and_replicas_use_redis() -> None:
    async def ignore(_: object) -> None:
        return None

    alone = WebChatInput(signer=SessionSigner(SECRET))
    alone.blueprint(ignore)
    assert type(alone.sio.manager).__name__ == "AsyncManager"

    replica = WebChatInput(
        signer=SessionSigner(SECRET), redis_manager=("redis://127.0.0.1:6379/1", "fd:web")
    )
    replica.blueprint(ignore)
    assert type(replica.sio.manager).__name__ == "AsyncRedisManager"
    assert replica.sio.manager.channel == "fd:web"
