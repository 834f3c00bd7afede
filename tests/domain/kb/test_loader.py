"""Loading the real knowledge base: its content, where it comes from, one per process, and
the term matcher built once and its own check (broken files: ``test_parsers.py``)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.domain.kb import (
    FAQ_TOPICS,
    REGIONS,
    KnowledgeBase,
    KnowledgeBaseError,
    load_knowledge_base,
)
from bot.domain.kb import loader as kb_loader
from tests.domain.kb.conftest import KB_DIR, KbCopy

INCOTERMS_2020 = ("exw", "fca", "cpt", "cip", "dap", "dpu", "ddp", "fas", "fob", "cfr", "cif")


def test_real_knowledge_base_has_the_promised_content(kb: KnowledgeBase) -> None:
    assert len(kb.terms) >= 160
    assert set(INCOTERMS_2020) <= set(kb.terms)
    assert all(kb.terms[key].category == "incoterms" for key in INCOTERMS_2020)
    assert {t.category for t in kb.terms.values()} == {
        "incoterms",
        "air",
        "sea",
        "customs",
        "express",
        "general",
    }
    assert list(kb.faqs) == list(FAQ_TOPICS)
    assert len(kb.places) >= 150
    assert {p.region for p in kb.places} == set(REGIONS)
    assert {s.mode for s in kb.services.values()} == {
        "express",
        "economy",
        "air",
        "sea_fcl",
        "sea_lcl",
    }


@pytest.mark.parametrize(
    "key",
    ["bill_of_lading", "fcl", "lcl", "teu", "demurrage", "hs_code", "pod", "cod", "ddu", "vgm"],
)
def test_glossary_covers_core_terms(kb: KnowledgeBase, key: str) -> None:
    term = kb.terms[key]
    assert term.definition and term.name
    # Related keys resolve to real entries, and their names are ready for display.
    assert [kb.terms[k].name for k in term.related] == list(term.related_names)


def test_every_faq_answer_says_what_to_do_next(kb: KnowledgeBase) -> None:
    next_step = ("tell me", "ask ", "email", "i'll", "i can", "we'll", "just say", "you can")
    for faq in kb.faqs.values():
        last_sentence = faq.answer.rstrip(".").rsplit(". ", 1)[-1].lower()
        assert any(word in last_sentence for word in next_step), faq.topic


def test_home_area_is_hong_kong_and_south_china(kb: KnowledgeBase) -> None:
    home = {p.name for p in kb.places if p.home}
    assert {"Hong Kong", "Shenzhen", "Guangzhou", "Dongguan", "Macau"} <= home
    assert not {"Shanghai", "China", "Taipei", "Singapore"} & home


def test_default_path_comes_from_settings(monkeypatch: pytest.MonkeyPatch, kb_copy: KbCopy) -> None:
    folder = kb_copy()
    monkeypatch.setenv("FREIGHTDESK_KB_DIR", str(folder))
    assert load_knowledge_base().path == folder


def test_get_knowledge_base_loads_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREIGHTDESK_KB_DIR", str(KB_DIR))
    kb_loader.clear_knowledge_base_cache()
    try:
        first = kb_loader.get_knowledge_base()
        assert kb_loader.get_knowledge_base() is first
    finally:
        kb_loader.clear_knowledge_base_cache()


def test_term_matcher_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    real = kb_loader.TermMatcher

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(kb_loader, "TermMatcher", counting)
    kb = load_knowledge_base(KB_DIR)
    for text in ("FOB", "what is demurrage", "banana", "B/L?"):
        kb.find_term(text)
    assert built == [1]


def test_load_and_matcher_build_are_fast(kb: KnowledgeBase) -> None:
    # spaCy is already imported by the ``kb`` fixture; this guards against accidentally
    # re-reading files or rebuilding the matcher per lookup. Measured about 0.35 s.
    start = time.perf_counter()
    fresh = load_knowledge_base(KB_DIR)
    fresh.prepare()
    assert time.perf_counter() - start < 2.0


def test_aliases_that_only_differ_by_inflection_fail_when_the_matcher_is_built(
    kb_copy: KbCopy,
) -> None:
    # "demurrages" is a different string from "demurrage" but the same lemma.
    def add_alias(data: Any) -> None:
        next(t for t in data["terms"] if t["key"] == "detention")["aliases"].append("demurrages")

    folder = kb_copy(terms=add_alias)
    kb = load_knowledge_base(folder)
    with pytest.raises(KnowledgeBaseError) as caught:
        kb.prepare()
    assert "knowledge_base/terms.yml: entry " in str(caught.value)
    assert "'demurrage" in str(caught.value)
