"""A number's digits are not a feature: the tokenizer gives it its shape as lemma
(bot/engine/nlu/tokenizer.py)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.core.i18n import normalise_input
from bot.engine.nlu.tokenizer import MixedLanguageTokenizer


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    tokenizer = MixedLanguageTokenizer(MixedLanguageTokenizer.get_default_config())
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    return [(token.text, token.lemma, token.start, token.end) for token in tokens]


@pytest.mark.parametrize(
    ("text", "number", "shape", "start"),
    [
        ("where is RR123456785HK", "RR123456785HK", "rr0hk", 9),
        ("查下１６０－４８２１９３７１", "160-48219371", "0-0", 2),
        ("call me on 91234567 pls", "91234567", "0", 11),
        ("CMP-2026-00042有冇更新", "CMP-2026-00042", "cmp-0-0", 0),
    ],
)
def test_a_reference_is_featurised_by_its_shape(
    text: str, number: str, shape: str, start: int
) -> None:
    """Where is RR123456785HK read as shipment updates: that number was in their
    examples. Its letters stay: CMP- says a complaint reference."""
    (found,) = [token for token in _tokens(text) if token[1] == shape]
    # The text is the folded number; the offsets point at what the customer typed.
    assert found[0] == number
    assert found[2] == start
    assert normalise_input(text[found[2] : found[3]]) == number


def test_short_numbers_and_words_keep_their_own_text() -> None:
    assert [lemma for _, lemma, _, _ in _tokens("45 kg to 深圳 in 2026")] == [
        "45",
        "kg",
        "to",
        "深圳",
        "in",
        "2026",
    ]
