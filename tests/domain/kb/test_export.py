"""The generated FAQ responses stay in step with knowledge_base/faqs.yml and the NLU
(the ``kb export`` command: tests/commands/test_kb.py)."""

from __future__ import annotations

import yaml

from bot.core.settings import REPO_ROOT
from bot.domain.kb import FAQ_TOPICS, KnowledgeBase
from bot.domain.kb.export import OUTPUT, faq_responses_yaml


def test_committed_faq_responses_match_the_knowledge_base(kb: KnowledgeBase) -> None:
    committed = (REPO_ROOT / OUTPUT).read_text(encoding="utf-8")
    assert committed == faq_responses_yaml(kb), (
        "data/nlu/faq_responses.yml is out of date: run .venv/bin/python -m bot kb export"
    )


def test_generated_file_is_rasa_training_data_with_one_response_per_topic(
    kb: KnowledgeBase,
) -> None:
    text = faq_responses_yaml(kb)
    assert text.startswith("# GENERATED FILE")
    assert "knowledge_base/faqs.yml" in text.splitlines()[1]
    assert "python -m bot kb export" in text.splitlines()[2]
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    assert list(data) == ["version", "responses"]
    assert list(data["responses"]) == [f"utter_faq/{topic}" for topic in FAQ_TOPICS]
    for topic in FAQ_TOPICS:
        assert data["responses"][f"utter_faq/{topic}"] == [{"text": kb.faqs[topic].answer}]


def test_every_faq_retrieval_intent_has_a_response() -> None:
    nlu = yaml.safe_load((REPO_ROOT / "data/nlu/faq.yml").read_text(encoding="utf-8"))
    intents = {
        item["intent"].split("/", 1)[1]
        for item in nlu.get("nlu", [])
        if item.get("intent", "").startswith("faq/")
    }
    assert intents == set(FAQ_TOPICS)
