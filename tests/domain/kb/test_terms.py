"""Glossary lookup: tolerant matching, never a wrong definition, honest suggestions."""

from __future__ import annotations

import pytest

from bot.domain.kb import KnowledgeBase, format_term, format_unknown_term
from bot.domain.kb.terms import term_phrases


@pytest.mark.parametrize(
    ("text", "key"),
    [
        # Bare terms, any case.
        ("demurrage", "demurrage"),
        ("DEMURRAGE", "demurrage"),
        ("Incoterms", "incoterms"),
        ("fob", "fob"),
        # Plurals, of words and of abbreviations.
        ("TEUs", "teu"),
        ("teus", "teu"),
        ("AWBs", "awb"),
        ("reefers", "reefer"),
        ("customs brokers", "customs_broker"),
        ("bills of lading", "bill_of_lading"),
        ("HS codes", "hs_code"),
        ("ATA carnets", "ata_carnet"),
        # Punctuation variants.
        ("B/L?", "bill_of_lading"),
        ("b.l.", "bill_of_lading"),
        ("b/l", "bill_of_lading"),
        ("B/Ls", "bill_of_lading"),
        ("Ex-Works", "exw"),
        ("e.t.a.", "eta"),
        ("W/M", "wm"),
        ("c&f", "cfr"),
        ("X-ray screening", "security_screening"),
        # Abbreviations and their expansions.
        ("DDP", "ddp"),
        ("delivered duty paid", "ddp"),
        ("MAWB", "mawb"),
        ("VGM", "vgm"),
        ("verified gross mass", "vgm"),
        ("POD", "pod"),
        ("proof of delivery", "pod"),
        ("cash on delivery", "cod"),
        ("LCL", "lcl"),
        ("less than container load", "lcl"),
        # Whole messages.
        ("what does FOB mean?", "fob"),
        ("whats a bill of lading", "bill_of_lading"),
        ("explain bills of lading please", "bill_of_lading"),
        ("What's the meaning of THC on my invoice?", "thc"),
        ("can you tell me what a telex release is", "telex_release"),
        ("what is an HS code", "hs_code"),
        ("hi, what does DDU stand for", "ddu"),
        ("what is a 40ft container", "container_40ft"),
        # Multi-word terms beat the shorter terms inside them.
        ("what is a house bill of lading", "hbl"),
        ("master air waybill", "mawb"),
        ("what does CIF value mean", "customs_value"),
        ("delivered at place unloaded", "dpu"),
        ("sea waybill", "sea_waybill"),
        ("fuel surcharge", "fuel_surcharge"),
        ("what is a customs bond", "customs_bond"),
        ("what's ATA carnet", "ata_carnet"),
        ("what does ATA mean on my tracking", "actual_arrival"),
        # Equally long matches: the code the customer wrote in capitals wins.
        ("my forwarder mentioned DGD, what is it", "dg_declaration"),
    ],
)
def test_finds_term(kb: KnowledgeBase, text: str, key: str) -> None:
    lookup = kb.find_term(text)
    assert lookup.term is not None, text
    assert lookup.term.key == key
    assert lookup.suggestions == []


def test_every_name_and_alias_finds_its_own_term(kb: KnowledgeBase) -> None:
    wrong = []
    for term in kb.terms.values():
        for phrase in term_phrases(term):
            for text in (phrase, phrase.upper(), f"what does {phrase} mean?"):
                found = kb.find_term(text).term
                if found is None or found.key != term.key:
                    wrong.append((text, term.key, found.key if found else None))
    assert wrong == []


@pytest.mark.parametrize(
    "text",
    [
        "banana",
        "what is a banana",
        "hello",
        "",
        "   ",
        "???",
        "where is my parcel",
        "I need a quote",
        "what is gas",
        "what does so mean",
        "what is the meaning of life",
        "do you ship to Japan",
        "bill of loading",
        "demurage",
        "what is FAKK",
    ],
)
def test_unknown_text_is_never_defined(kb: KnowledgeBase, text: str) -> None:
    assert kb.find_term(text).term is None


@pytest.mark.parametrize(
    ("text", "expected_first"),
    [
        ("demurage", "demurrage"),
        ("what does demurage mean?", "demurrage"),
        ("detension", "detention"),
        ("bill of loading", "bill_of_lading"),
        ("fcaa", "fca"),
        ("incotems", "incoterms"),
        ("consignnee", "consignee"),
        ("telx releese", "telex_release"),
    ],
)
def test_typos_get_suggestions(kb: KnowledgeBase, text: str, expected_first: str) -> None:
    lookup = kb.find_term(text)
    assert lookup.term is None
    assert 1 <= len(lookup.suggestions) <= 3
    assert lookup.suggestions[0].key == expected_first


@pytest.mark.parametrize("text", ["banana", "what is a banana", "hello", "xyzzy", "what is gas"])
def test_unrelated_words_get_no_suggestions(kb: KnowledgeBase, text: str) -> None:
    lookup = kb.find_term(text)
    assert lookup.term is None
    assert lookup.suggestions == []


def test_query_drops_question_words(kb: KnowledgeBase) -> None:
    assert kb.find_term("what does demurage mean?").query == "demurage"


def test_format_term_gives_name_definition_related_and_next_step(kb: KnowledgeBase) -> None:
    text = format_term(kb.terms["fob"])
    first, related, next_step = text.split("\n")
    assert first.startswith("FOB (Free on Board): Under FOB the seller")
    assert related.startswith("Related: Incoterms, FCA (Free Carrier), ")
    assert related.endswith(" and FAS (Free Alongside Ship).")
    assert next_step == "Ask me about any of these, or about another term."


def test_format_unknown_term_offers_suggestions(kb: KnowledgeBase) -> None:
    lookup = kb.find_term("detension")
    assert format_unknown_term("detension", lookup.suggestions) == (
        'I don\'t have "detension" in my glossary. Did you mean Detention? '
        "Reply with the term you meant and I'll explain it."
    )
    several = [kb.terms["demurrage"], kb.terms["detention"]]
    assert "Did you mean Demurrage or Detention?" in format_unknown_term("demmurage", several)


def test_format_unknown_term_is_honest_without_suggestions() -> None:
    text = format_unknown_term("could you explain what a banana boat surcharge is", [])
    assert text.startswith("I don't have that one in my glossary")
    assert "rather not guess" in text
    assert "connect you with a colleague" in text


@pytest.mark.parametrize(
    ("text", "key", "unknown"),
    [
        ("what does the term florbex surcharge mean", "surcharge", ["florbex"]),
        ("surcharge florbex", "surcharge", ["florbex"]),
        ("explain blorp demurrage please", "demurrage", ["blorp"]),
        ("whats a zorbly TEU", "teu", ["zorbly"]),
    ],
)
def test_an_unknown_word_next_to_a_term_is_named(
    kb: KnowledgeBase, text: str, key: str, unknown: list[str]
) -> None:
    lookup = kb.find_term(text)
    assert lookup.term is not None and lookup.term.key == key
    assert lookup.unknown_words == unknown
    answer = format_term(lookup.term, lookup.unknown_words)
    assert answer.startswith(f"I don't know '{unknown[0]}'; here is '{lookup.term.name}'.")


@pytest.mark.parametrize(
    "text",
    [
        "what is a fuel surcharge",
        "what does FOB mean",
        "what is the surcharge on my shipment",
        "explain demurrage charges",
        "what does demurrage mean exactly",
    ],
)
def test_ordinary_words_next_to_a_term_are_not_called_unknown(kb: KnowledgeBase, text: str) -> None:
    lookup = kb.find_term(text)
    assert lookup.term is not None
    assert lookup.unknown_words == []
