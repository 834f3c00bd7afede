"""Messages made of words the training data never held are unclear, whatever DIET's
guess (bot/engine/nlu/unknown_words.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.engine.nlu.tokenizer import MixedLanguageTokenizer
from bot.engine.nlu.unknown_words import UnknownWordsClassifier, one_slip_apart

TRAINING = [
    ("where is my parcel", "track_shipment"),
    ("track my shipment please", "track_shipment"),
    ("can you ship it door-to-door", "track_shipment"),
    ("yes that's right", "affirm"),
    ("我件貨去咗邊", "track_shipment"),
    ("好呀 啱啦", "affirm"),
]


def _tokenized(text: str, **data: object) -> Message:
    message = Message({"text": text, **data})
    tokenizer = MixedLanguageTokenizer(MixedLanguageTokenizer.get_default_config())
    message.set(TOKENS_NAMES["text"], tokenizer.tokenize(message, "text"))
    return message


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> UnknownWordsClassifier:
    """Trained on TRAINING in a real model storage, then loaded back from it."""
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("storage")))
    resource = Resource("unknown_words")
    config = UnknownWordsClassifier.get_default_config()
    context = ExecutionContext(GraphSchema({}))
    training = TrainingData([_tokenized(text, intent=intent) for text, intent in TRAINING])
    UnknownWordsClassifier.create(config, storage, resource, context).train(training)
    return UnknownWordsClassifier.load(config, storage, resource, context)


def _intent_after(classifier: UnknownWordsClassifier, text: str, guess: float = 0.4) -> str:
    """The intent after the classifier, when DIET guessed ``affirm`` at ``guess``."""
    guessed = {"name": "affirm", "confidence": guess}
    message = _tokenized(text, intent=guessed, intent_ranking=[guessed])
    (processed,) = classifier.process([message])
    assert processed.get("intent_ranking")[-1] == guessed, "DIET's ranking is kept"
    return processed.get("intent")["name"]


@pytest.mark.parametrize(
    "text",
    [
        "咕嚕呱啦嗶嗶啵",
        "qwzx plorf vindaloom krrt",
        "florbex",
        "叮噹嘭 blorp",
        # 10 of 23 letters known: a hyphen is not a letter on either side of the sum
        "door-to-door qwzxplorfkqzz",
    ],
)
def test_a_message_of_unknown_words_is_unclear(
    classifier: UnknownWordsClassifier, text: str
) -> None:
    assert _intent_after(classifier, text) == "nlu_fallback"


@pytest.mark.parametrize(
    "text",
    [
        "where is my parcle",  # one typing slip from a known word
        "trakc my shipment",  # two neighbours swapped
        "件貨去咗邊度",  # a new word of known characters
        "my parcel florbex",  # mostly known
        "160-48219371",  # a number is read by regexes and actions
        "tom@example.com",
        "?",
    ],
)
def test_a_message_the_data_knows_keeps_its_intent(
    classifier: UnknownWordsClassifier, text: str
) -> None:
    assert _intent_after(classifier, text) == "affirm"


def test_a_confident_guess_or_an_entity_is_kept(classifier: UnknownWordsClassifier) -> None:
    assert _intent_after(classifier, "certainly", guess=0.9) == "affirm"
    entity = {"entity": "place", "value": "florbex", "start": 0, "end": 7}
    guessed = {"name": "inform", "confidence": 0.4}
    message = _tokenized("florbex", intent=guessed, entities=[entity])
    assert classifier.process([message])[0].get("intent")["name"] == "inform"


@pytest.mark.parametrize(
    ("word", "other", "expected"),
    [
        ("parcel", "parcle", True),
        ("parcel", "parcels", True),
        ("parcel", "parel", True),
        ("parcel", "parsel", True),
        ("parcel", "pracle", False),
        ("parcel", "parcel", False),
        ("parcel", "box", False),
    ],
)
def test_one_slip_apart(word: str, other: str, expected: bool) -> None:
    assert one_slip_apart(word, other) is expected
