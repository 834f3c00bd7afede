"""Messages made of words the training data never held are unclear, whatever DIET says.

DIET always names an intent, and the confidence of a message it has no evidence for is
whatever its n-gram features happen to add up to: "咕嚕呱啦嗶嗶啵" came out as ``affirm`` at
0.35-0.40 on two trainings of nearly the same data, so whether nonsense was answered as a
yes depended on the training run (docs/nlu.md). This component, placed after the
classifiers and before ``FallbackClassifier``, measures what DIET cannot: how much of the
message the training data knows. A message is unclear (``nlu_fallback``) when

- it has at least one word, and no word holds a digit or an "@" (tracking numbers,
  weights, dates, references and addresses are read by regexes and actions, not by the
  vocabulary),
- no entity was found in it,
- the classifiers before it are not sure of it (top intent below ``max_confidence``: a
  real word the data lacks, "certainly", is still read by its character n-grams), and
- fewer than ``min_known_share`` of its letters belong to known words. A Latin word is
  known when the training data holds it, or, at four letters or more, a word one typing
  slip away (a letter added, dropped, changed, or two neighbours swapped: "trakc",
  "parcle"); a Han character is known when the training data holds it, whatever word
  jieba cut it into, so a new compound of known characters is not a stranger.

Rasa has no component for this (its FallbackClassifier reads only confidences), hence
this one. A form answer is unaffected: forms read their slots from the text, and an
unclear message at a form step is asked again there (tests/explorer).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VOCABULARY = "vocabulary.json"
#: Words shorter than this are matched exactly: "abc" is one slip from too many words.
SLIP_MIN_LENGTH = 4
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def one_slip_apart(word: str, other: str) -> bool:
    """True when ``other`` is ``word`` with one letter added, dropped or changed, or two
    neighbouring letters swapped (Damerau-Levenshtein distance 1)."""
    if abs(len(word) - len(other)) > 1 or word == other:
        return False
    if len(word) == len(other):
        differ = [index for index, (a, b) in enumerate(zip(word, other, strict=True)) if a != b]
        if len(differ) == 1:
            return True
        first, second = differ[0], differ[-1]
        return (
            len(differ) == 2
            and second == first + 1
            and word[first] == other[second]
            and word[second] == other[first]
        )
    shorter, longer = sorted((word, other), key=len)
    for index, (a, b) in enumerate(zip(shorter, longer[: len(shorter)], strict=True)):
        if a != b:
            return shorter[index:] == longer[index + 1 :]
    return True


class Vocabulary:
    """The Latin words and Han characters of the training data."""

    def __init__(self, words: set[str], characters: set[str]) -> None:
        """``words``: lower-cased Latin words; ``characters``: Han characters."""
        self.words = words
        self.characters = characters
        self._by_length: dict[int, list[str]] = {}
        for word in words:
            self._by_length.setdefault(len(word), []).append(word)

    @classmethod
    def of(cls, texts: list[str]) -> Vocabulary:
        """The vocabulary of tokens' texts."""
        words: set[str] = set()
        characters: set[str] = set()
        for text in texts:
            characters.update(_HAN.findall(text))
            latin = _HAN.sub("", text).lower()
            if latin:
                words.add(latin)
        return cls(words, characters)

    def known_letters(self, text: str) -> int:
        """How many letters of one token are known."""
        han = _HAN.findall(text)
        known = sum(1 for char in han if char in self.characters)
        latin = _HAN.sub("", text).lower()
        if latin and self.knows_word(latin):
            known += letters(latin)
        return known

    def knows_word(self, word: str) -> bool:
        """True when ``word`` is held, or one slip from a held word of four letters or
        more."""
        if word in self.words:
            return True
        if len(word) < SLIP_MIN_LENGTH:
            return False
        return any(
            one_slip_apart(word, other)
            for length in (len(word) - 1, len(word), len(word) + 1)
            if length >= SLIP_MIN_LENGTH
            for other in self._by_length.get(length, ())
        )


def letters(text: str) -> int:
    """The letters of a token (what a known share is a share of)."""
    return sum(1 for char in text if char.isalpha())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsClassifier(GraphComponent):
    """Turns a message made of words the training data never held into ``nlu_fallback``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``min_known_share``: below this share of known letters a message is unclear,
        unless the top intent's confidence is ``max_confidence`` or more."""
        return {"min_known_share": 0.5, "max_confidence": 0.7}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        """A classifier with the vocabulary it learnt (none before training)."""
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsClassifier:
        """A new classifier, to be trained."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the words and characters of the training messages' tokens."""
        texts = [
            token.text
            for message in training_data.training_examples
            for token in message.get(TOKENS_NAMES[TEXT]) or []
        ]
        self.vocabulary = Vocabulary.of(texts)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY).write_text(
                json.dumps(
                    {
                        "words": sorted(self.vocabulary.words),
                        "characters": "".join(sorted(self.vocabulary.characters)),
                    },
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsClassifier:
        """The trained classifier."""
        with model_storage.read_from(resource) as directory:
            stored = json.loads((directory / VOCABULARY).read_text(encoding="utf-8"))
        vocabulary = Vocabulary(set(stored["words"]), set(stored["characters"]))
        return cls(config, model_storage, resource, vocabulary)

    def is_unknown(self, message: Message) -> bool:
        """True when the message is made of words the training data never held."""
        if self.vocabulary is None or message.get(ENTITIES):
            return False
        tokens = [token.text for token in message.get(TOKENS_NAMES[TEXT]) or []]
        total = sum(letters(text) for text in tokens)
        if not total or any(char.isdigit() or char == "@" for text in tokens for char in text):
            return False
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
        if confidence >= self._config["max_confidence"]:
            return False
        known = sum(self.vocabulary.known_letters(text) for text in tokens)
        return known < self._config["min_known_share"] * total

    def process(self, messages: list[Message]) -> list[Message]:
        """Marks each message made of unknown words as ``nlu_fallback``, ranked first."""
        for message in messages:
            if not self.is_unknown(message):
                continue
            fallback = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: 1.0,
            }
            message.data[INTENT] = fallback
            ranking = message.data.get(INTENT_RANKING_KEY) or []
            message.data[INTENT_RANKING_KEY] = [fallback, *ranking]
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data passes unchanged."""
        return training_data
