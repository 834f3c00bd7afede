"""The transcript read out of Rasa's tracker events: who said what, agents' messages,
pauses, and the survey's triggered intent kept out of the customer's lines."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.domain.conversations import AGENT_KEY
from bot.domain.survey.offers import OFFER_INTENT
from bot.engine.transcripts import TranscriptLine, transcript


def test_the_agents_transcript_does_not_show_the_triggered_offer_as_the_customers() -> None:
    lines = transcript(
        [
            {"event": "user", "text": "thanks", "timestamp": 1.0},
            {
                "event": "user",
                "text": f"EXTERNAL: {OFFER_INTENT}",
                "metadata": {"is_external": True},
                "timestamp": 2.0,
            },
            {"event": "bot", "text": "Before you go, could you tell us how we did?"},
        ]
    )
    assert [(line.who, line.text) for line in lines] == [
        ("customer", "thanks"),
        ("bot", "Before you go, could you tell us how we did?"),
    ]


def test_agents_pauses_and_empty_bot_events() -> None:
    lines = transcript(
        [
            {"event": "pause", "timestamp": 10.0},
            {"event": "bot", "text": "Ann here.", "metadata": {AGENT_KEY: "ann"}},
            {"event": "bot", "text": "", "metadata": {}},
            {"event": "action", "name": "action_listen"},
            {"event": "resume"},
        ]
    )
    assert lines == [
        TranscriptLine("system", "paused", datetime.fromtimestamp(10.0, timezone.utc)),
        TranscriptLine("agent", "Ann here.", None, "ann"),
        TranscriptLine("system", "resumed", None),
    ]
