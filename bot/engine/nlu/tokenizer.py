"""One tokenizer for English, Chinese and the two mixed in one message.

Hong Kong customers write "where is my parcel", "我嘅 parcel 幾時到", "查下１６０－４８２１９３７１"
and sometimes Simplified Chinese. One model reads all of them, so one tokenizer has to:

- the text is first folded by :func:`bot.core.i18n.normalise_input` (NFKC, so full-width
  digits and letters are ASCII; Simplified Chinese written in Traditional). Tokens carry
  the folded text, so "运单" and "運單" are one feature, while their offsets point into the
  customer's own text, so an entity's value is what the customer typed (actions fold it
  again where they read numbers);
- Latin, digits and punctuation are split exactly as Rasa's ``WhitespaceTokenizer`` does
  (the English training data, regexes and entities were written against it);
- each run of Han characters is cut into words by jieba (``han: words``; jieba's own
  dictionary, which is Simplified, so the run is cut on its Simplified form, plus the
  words of the jieba user dictionaries in ``dictionary_path`` (data/jieba: places, modes,
  terms, Cantonese) and every Chinese entity value of the training data; both are learnt
  at training and kept in the model, so an annotated 電放 or 香港 is never cut or glued to
  its neighbour) or into single characters (``han: characters``; the featurizers' n-grams
  then make the words).

- a token with five digits or more (a tracking number, a phone number, a reference) has
  its shape as lemma, each run of digits one "0" ("CMP-2026-00042" -> "cmp-0-0",
  "RR123456785HK" -> "rr0hk"), which the count featurizers read instead of its text:
  which number a training example carried says nothing of its intent, and a number seen
  in one intent's examples pulled a customer's "where is RR123456785HK" to that intent,
  while the letters around it do (CMP- is a complaint reference, MSCU a container). The
  text and offsets stay, so entities and actions read the number as typed.

Rasa's own ``JiebaTokenizer`` needs ``language: zh``, cuts English with jieba too and
reads Traditional Chinese with a Simplified dictionary; docs/nlu.md has the measurements
that chose this tokenizer.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from pathlib import Path
from typing import Any

import regex
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.io import get_emoji_regex

from bot.core.i18n import normalise_input

LEARNT_WORDS = "words.json"
#: A word of the training data's entities outweighs jieba's own words around it.
ENTITY_WORD_FREQUENCY = 20000
HAN_MODES = ("words", "characters")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
# Rasa 3.6's WhitespaceTokenizer: which non-word characters become a space.
_NOT_A_WORD = regex.compile(
    r"[^\w#@&]+(?=\s|$)|"
    r"(\s|^)[^\w#@&]+(?=[^0-9\s])|"
    r"(?<=[^0-9\s])[^\w._~:/?#\[\]()@!$&*+,;=-]+(?=[^0-9\s])"
)


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` folded by ``normalise_input``, and for each folded character its index in
    ``text``. Folding is nearly always one character for one; when it is not (NFKC of
    "㎏" is "kg"), characters are folded one by one so every one keeps its origin.
    """
    folded = normalise_input(text)
    if len(folded) == len(text):
        return folded, list(range(len(text)))
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = char if char.isspace() else normalise_input(char)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    return "".join(pieces), origin


@functools.lru_cache(maxsize=1)
def _to_simplified() -> Any:
    import opencc

    return opencc.OpenCC("hk2s")


@functools.lru_cache(maxsize=1)
def _jieba() -> Any:
    """A jieba tokenizer of its own, not jieba's global one (Rasa's JiebaTokenizer uses that)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    return segmenter


def add_words(words: list[tuple[str, int]]) -> None:
    """Make each (word, frequency) a whole word for jieba in this process; the word may be
    written in Traditional or Simplified."""
    segmenter = _jieba()
    for word, frequency in words:
        segmenter.add_word(_to_simplified().convert(word), frequency)


def dictionary_words(path: str | None) -> list[tuple[str, int]]:
    """(word, frequency) of the jieba user dictionaries (``word [frequency] [tag]`` lines)
    in the folder ``path``."""
    words = []
    for file in sorted(Path(path).glob("*.txt")) if path else []:
        for line in file.read_text(encoding="utf-8").splitlines():
            fields = line.split()
            if fields and not fields[0].startswith("#"):
                frequency = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
                words.append((fields[0], frequency or ENTITY_WORD_FREQUENCY))
    return words


def entity_words(training_data: TrainingData) -> list[tuple[str, int]]:
    """The folded Chinese entity values annotated in the training data, as words."""
    words = set()
    for message in training_data.training_examples:
        text = message.get("text") or ""
        for entity in message.get("entities") or []:
            value = normalise_input(text[entity["start"] : entity["end"]]).strip()
            if _HAN.fullmatch(value):
                words.add(value)
    return [(word, ENTITY_WORD_FREQUENCY) for word in sorted(words)]


def cut_han(run: str, mode: str) -> list[tuple[int, int]]:
    """(start, end) of each word of a run of Han characters."""
    if mode == "characters":
        return [(index, index + 1) for index in range(len(run))]
    simplified = _to_simplified().convert(run)
    text = simplified if len(simplified) == len(run) else run
    return [(start, end) for _, start, end in _jieba().tokenize(text, HMM=True)]


def word_spans(folded: str, emoji: Any) -> list[tuple[int, int]]:
    """(start, end) of the non-Han words, split as Rasa's WhitespaceTokenizer splits."""
    masked = _HAN.sub(lambda match: " " * len(match.group()), folded)
    spans = []
    position = 0
    for word in _NOT_A_WORD.sub(" ", masked).split():
        start = masked.find(word, position)
        position = start + len(word)
        if not emoji.fullmatch(word):
            spans.append((start, position))
    return spans


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class MixedLanguageTokenizer(Tokenizer):
    """English words as Rasa's WhitespaceTokenizer cuts them, Chinese by jieba or by
    character, on text folded by ``normalise_input``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's tokenizer options; ``han``: ``words`` (jieba) or ``characters``;
        ``dictionary_path``: a folder of jieba user dictionaries, read at training."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "han": "words",
            "dictionary_path": None,
        }

    @staticmethod
    def required_packages() -> list[str]:
        """jieba cuts Chinese into words; OpenCC folds Simplified Chinese."""
        return ["jieba", "opencc"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
    ) -> None:
        """Checks the Han mode and loads jieba's dictionary once, when it is used."""
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self.han_mode = self._config["han"]
        if self.han_mode not in HAN_MODES:
            raise ValueError(f"han must be one of {HAN_MODES}, not {self.han_mode!r}")
        self.emoji = get_emoji_regex()
        if self.han_mode == "words":
            _jieba()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MixedLanguageTokenizer:
        """A new tokenizer, to be trained."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the dictionaries' words and the Chinese entity values as words and keeps
        them in the model (the server needs neither the dictionaries nor the data)."""
        words: list[tuple[str, int]] = []
        if self.han_mode == "words":
            words = dictionary_words(self._config["dictionary_path"])
            words += entity_words(training_data)
        add_words(words)
        if self._model_storage is not None and self._resource is not None:
            with self._model_storage.write_to(self._resource) as directory:
                (directory / LEARNT_WORDS).write_text(json.dumps(words, ensure_ascii=False))
        assert self._resource is not None
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> MixedLanguageTokenizer:
        """The trained tokenizer, with the words it learnt."""
        tokenizer = cls(config, model_storage, resource)
        if tokenizer.han_mode == "words":
            with model_storage.read_from(resource) as directory:
                learnt = json.loads((directory / LEARNT_WORDS).read_text(encoding="utf-8"))
                add_words([(word, frequency) for word, frequency in learnt])
        return tokenizer

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """The tokens of ``attribute``: folded text, offsets in the customer's text."""
        text = message.get(attribute)
        folded, origin = fold(text)
        spans = word_spans(folded, self.emoji)
        for run in _HAN.finditer(folded):
            spans.extend(
                (run.start() + start, run.start() + end)
                for start, end in cut_han(run.group(), self.han_mode)
            )
        if not spans:  # only emoji or punctuation, e.g. ":)": the whole text, as Rasa does
            return [Token(text, 0)]
        tokens = [
            Token(
                folded[start:end],
                origin[start],
                origin[end - 1] + 1,
                lemma=_lemma(folded[start:end]),
            )
            for start, end in sorted(spans)
        ]
        return self._apply_token_pattern(tokens)


#: A token with this many digits or more is read by its shape (see the module docstring).
REFERENCE_DIGITS = 5
_DIGITS = re.compile(r"\d+")


def _lemma(word: str) -> str | None:
    """The token's lemma: the shape of a number or reference ("cmp-0-0"), else its text
    (None: Rasa's Token takes the text)."""
    if sum(character.isdigit() for character in word) >= REFERENCE_DIGITS:
        return _DIGITS.sub("0", word.lower())
    return None
