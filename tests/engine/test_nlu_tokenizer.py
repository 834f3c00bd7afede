"""The project's tokenizer: English as Rasa cuts it, Chinese in words, offsets in the
customer's own text (bot/engine/nlu/tokenizer.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.settings import REPO_ROOT
from bot.engine.nlu.tokenizer import MixedLanguageTokenizer, fold


def _tokenizer(han: str = "words") -> MixedLanguageTokenizer:
    return MixedLanguageTokenizer({**MixedLanguageTokenizer.get_default_config(), "han": han})


def _tokens(text: str, han: str = "words") -> list[tuple[str, str]]:
    """(token text, the customer's text at the token's offsets) of each token."""
    tokens = _tokenizer(han).tokenize(Message({"text": text}), "text")
    return [(token.text, text[token.start : token.end]) for token in tokens]


def _all_texts() -> list[Message]:
    training = load_data(str(REPO_ROOT / "data" / "nlu"))
    heldout = load_data(str(REPO_ROOT / "tests" / "data" / "nlu_heldout.yml"))
    return [*training.intent_examples, *heldout.intent_examples]


def _trained(
    tmp_path: Path, training: TrainingData, dictionary: Path | None = None
) -> MixedLanguageTokenizer:
    """A tokenizer trained on ``training`` in a real model storage, then loaded back."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("tokenizer")
    config = {
        **MixedLanguageTokenizer.get_default_config(),
        "dictionary_path": str(dictionary) if dictionary else None,
    }
    context = ExecutionContext(GraphSchema({}))
    MixedLanguageTokenizer.create(config, storage, resource, context).train(training)
    return MixedLanguageTokenizer.load(config, storage, resource, context)


def test_english_is_cut_exactly_as_rasas_whitespace_tokenizer_cuts_it() -> None:
    whitespace = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    ours = _tokenizer()
    english = [m for m in _all_texts() if not any("\u4e00" <= c <= "\u9fff" for c in m.get("text"))]
    assert len(english) > 3000
    for message in english:
        expected = [(t.text, t.start, t.end) for t in whitespace.tokenize(message, "text")]
        got = [(t.text, t.start, t.end) for t in ours.tokenize(message, "text")]
        assert got == expected, message.get("text")


def test_chinese_is_cut_into_words_next_to_english_and_numbers() -> None:
    assert _tokens("我嘅 parcel 幾時到?") == [
        ("我", "我"),
        ("嘅", "嘅"),
        ("parcel", "parcel"),
        ("幾時", "幾時"),
        ("到", "到"),
    ]
    assert [text for text, _ in _tokens("FOB係咩意思")] == ["FOB", "係", "咩", "意思"]
    assert [text for text, _ in _tokens("由香港寄5公斤去洛杉磯要幾錢")] == [
        *["由", "香港", "寄", "5", "公斤", "去", "洛杉磯", "要", "幾錢"]
    ]


def test_the_repos_dictionary_keeps_cantonese_and_freight_terms_whole(tmp_path: Path) -> None:
    tokenizer = _trained(tmp_path, TrainingData(), REPO_ROOT / "data" / "jieba")
    text = "我想投訴你哋嘅速遞服務 唔該 空運提單 滯期費"
    words = [token.text for token in tokenizer.tokenize(Message({"text": text}), "text")]
    for word in ("投訴", "你哋", "速遞", "唔該", "空運提單", "滯期費"):
        assert word in words


def test_full_width_digits_are_folded_while_offsets_keep_what_was_typed() -> None:
    assert _tokens("查下１６０－４８２１９３７１去咗邊")[1] == (
        "160-48219371",
        "１６０－４８２１９３７１",
    )
    assert ("AWB", "ＡＷＢ") in _tokens("ＡＷＢ 幾時到")


def test_simplified_chinese_is_read_as_traditional() -> None:
    assert [text for text, _ in _tokens("请帮我查一下运单号")] == [
        text for text, _ in _tokens("請幫我查一下運單號")
    ]
    assert ("運單", "运单") in _tokens("请帮我查一下运单号")


def test_a_fold_that_changes_length_keeps_every_character_origin() -> None:
    folded, origin = fold("10㎏ 去東京")
    assert folded == "10kg 去東京"
    assert origin == [0, 1, 2, 2, 3, 4, 5, 6]
    assert _tokens("10㎏ 去東京")[0] == ("10kg", "10㎏")


def test_characters_mode_gives_one_token_per_han_character() -> None:
    assert [text for text, _ in _tokens("我嘅parcel", han="characters")] == ["我", "嘅", "parcel"]


def test_a_message_of_emoji_only_is_one_token() -> None:
    assert _tokens("🙂🙂") == [("🙂🙂", "🙂🙂")]


def test_an_unknown_han_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        _tokenizer("bigrams")


def test_a_chinese_entity_value_of_the_training_data_becomes_one_word(tmp_path: Path) -> None:
    text = "冷凍貨櫃同溫控貨櫃有咩分別"
    assert ("溫控貨櫃", "溫控貨櫃") not in _tokens(text)
    training = TrainingData(
        [
            Message(
                {
                    "text": text,
                    "intent": "define_term",
                    "entities": [{"start": 5, "end": 9, "value": "溫控貨櫃", "entity": "term"}],
                }
            )
        ]
    )
    tokenizer = _trained(tmp_path, training)
    tokens = tokenizer.tokenize(Message({"text": "溫控貨櫃係咩"}), "text")
    assert (tokens[0].start, tokens[0].end) == (0, 4)


def test_every_entity_annotation_in_the_training_data_falls_on_token_boundaries(
    tmp_path: Path,
) -> None:
    """DIET learns an entity only over whole tokens; a Chinese annotation that cuts a word
    (e.g. [香](origin)港) would be dropped with a warning, so it is caught here."""
    training = load_data(str(REPO_ROOT / "data" / "nlu"))
    tokenizer = _trained(tmp_path, training)
    misaligned = []
    for message in training.intent_examples:
        tokens = tokenizer.tokenize(message, "text")
        starts = {token.start for token in tokens}
        ends = {token.end for token in tokens}
        for entity in message.get("entities") or []:
            if entity["start"] not in starts or entity["end"] not in ends:
                misaligned.append((message.get("text"), entity["value"]))
    assert misaligned == []


def test_rasa_trains_the_tokenizer_so_its_words_are_kept_in_the_model() -> None:
    registered = DefaultV1Recipe()._from_registry("bot.engine.nlu.tokenizer.MixedLanguageTokenizer")
    assert registered.is_trainable
