"""Broken copies of the knowledge base: each fails naming the file and the entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.domain.kb import KnowledgeBase, KnowledgeBaseError, load_knowledge_base
from tests.domain.kb.conftest import KbCopy


def _entry(items: list[dict[str, Any]], field: str, value: str) -> dict[str, Any]:
    return next(item for item in items if item[field] == value)


def _term(key: str) -> Callable[[Any], dict[str, Any]]:
    return lambda data: _entry(data["terms"], "key", key)


def _place(name: str) -> Callable[[Any], dict[str, Any]]:
    return lambda data: _entry(data["places"], "name", name)


def _set(locate: Callable[[Any], dict[str, Any]], field: str, value: Any) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        locate(data)[field] = value

    return edit


def _drop(locate: Callable[[Any], dict[str, Any]], field: str) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        del locate(data)[field]

    return edit


def _append_copy(top: str, field: str, value: str) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        data[top].append(dict(_entry(data[top], field, value)))

    return edit


def _remove(top: str, field: str, value: str) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        data[top] = [item for item in data[top] if item[field] != value]

    return edit


def _rates(mode: str, region: str, field: str, value: Any) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        data["modes"][mode]["regions"][region][field] = value

    return edit


def _transit(mode: str, region: str, **values: Any) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        data["modes"][mode]["regions"][region].update(values)

    return edit


def _add_alias(key: str, alias: str) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        _entry(data["terms"], "key", key)["aliases"].append(alias)

    return edit


def _rename_mode(old: str, new: str) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        data["modes"][new] = data["modes"].pop(old)

    return edit


def _drop_region(mode: str, region: str) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        del data["modes"][mode]["regions"][region]

    return edit


BROKEN: list[tuple[str, Callable[[Any], None] | str, str]] = [
    (
        "terms",
        _set(_term("fob"), "related", ["fca", "fcaa"]),
        "knowledge_base/terms.yml: entry 'fob': 'related' names unknown term 'fcaa'",
    ),
    (
        "terms",
        _drop(_term("cif"), "definition"),
        "knowledge_base/terms.yml: entry 'cif': missing field 'definition'",
    ),
    (
        "terms",
        _set(_term("cif"), "definition", "   "),
        "knowledge_base/terms.yml: entry 'cif': 'definition' must be non-empty text",
    ),
    (
        "terms",
        _append_copy("terms", "key", "demurrage"),
        "knowledge_base/terms.yml: entry 'demurrage': duplicate key 'demurrage'",
    ),
    (
        "terms",
        _add_alias("hbl", "B/L"),
        "knowledge_base/terms.yml: entry 'hbl': alias 'B/L' duplicates",
    ),
    (
        "terms",
        _add_alias("detention", "Demurrage"),
        "knowledge_base/terms.yml: entry 'detention': alias 'Demurrage' duplicates",
    ),
    (
        "terms",
        _set(_term("awb"), "category", "aviation"),
        "knowledge_base/terms.yml: entry 'awb': unknown category 'aviation'",
    ),
    (
        "terms",
        _set(_term("awb"), "relatd", []),
        "knowledge_base/terms.yml: entry 'awb': unknown field 'relatd'",
    ),
    ("terms", "terms: [unclosed\n", "knowledge_base/terms.yml: bad YAML at line"),
    ("terms", "glossary: []\n", "knowledge_base/terms.yml: missing top-level key 'terms'"),
    (
        "faqs",
        _remove("faqs", "topic", "opening_hours"),
        "knowledge_base/faqs.yml: missing topic 'opening_hours'",
    ),
    (
        "faqs",
        _set(lambda d: _entry(d["faqs"], "topic", "cancel_pickup"), "topic", "cancel_collection"),
        "knowledge_base/faqs.yml: entry 'cancel_collection': unknown topic",
    ),
    (
        "faqs",
        _drop(lambda d: _entry(d["faqs"], "topic", "invoice_copy"), "answer"),
        "knowledge_base/faqs.yml: entry 'invoice_copy': missing field 'answer'",
    ),
    (
        "services",
        _set(lambda d: _entry(d["services"], "code", "AIR"), "mode", "rail"),
        "knowledge_base/services.yml: entry 'AIR': unknown mode 'rail'",
    ),
    (
        "places",
        _set(_place("Rotterdam"), "region", "europa"),
        "knowledge_base/places.yml: entry 'Rotterdam': unknown region 'europa'",
    ),
    (
        "places",
        _set(_place("Lagos"), "aliases", ["LAX"]),
        "knowledge_base/places.yml: entry 'Lagos': alias 'LAX' is already used by entry",
    ),
    (
        "places",
        _set(_place("Shenzhen"), "home", "yes"),
        "knowledge_base/places.yml: entry 'Shenzhen': 'home' must be true or false",
    ),
    (
        "transit_times",
        _transit("air", "europe", min_days=9, max_days=5),
        "knowledge_base/transit_times.yml: entry 'air.europe': min_days 9 is more than max_days 5",
    ),
    (
        "transit_times",
        _transit("express", "oceania", min_days=0),
        "knowledge_base/transit_times.yml: entry 'express.oceania': 'min_days' must be at least 1",
    ),
    (
        "transit_times",
        _rename_mode("sea_fcl", "rail"),
        "knowledge_base/transit_times.yml: entry 'rail': unknown mode 'rail'",
    ),
    (
        "transit_times",
        _drop_region("sea_lcl", "africa"),
        "knowledge_base/transit_times.yml: entry 'sea_lcl': missing region 'africa'",
    ),
    (
        "rates",
        _rates("air", "europe", "minimum_charge", 0),
        "knowledge_base/rates.yml: entry 'air.europe': 'minimum_charge' must be positive",
    ),
    (
        "rates",
        _rates("express", "oceania", "per_kg", {0: 80, 21: -5}),
        "knowledge_base/rates.yml: entry 'express.oceania': rate from 21 kg must be positive",
    ),
    (
        "rates",
        _rates("express", "oceania", "per_kg", {5: 80}),
        "knowledge_base/rates.yml: entry 'express.oceania': 'per_kg' must start with a break "
        "at 0 kg",
    ),
    (
        "rates",
        _rates("sea_lcl", "africa", "per_revenue_tonne", -1),
        "knowledge_base/rates.yml: entry 'sea_lcl.africa': 'per_revenue_tonne' must be positive",
    ),
    (
        "rates",
        _drop(lambda d: d["modes"]["sea_fcl"]["regions"]["europe"], "per_40ft"),
        "knowledge_base/rates.yml: entry 'sea_fcl.europe': missing field 'per_40ft'",
    ),
    (
        "rates",
        lambda d: d["modes"]["air"]["regions"].update({"antarctica": {}}),
        "knowledge_base/rates.yml: entry 'air.antarctica': unknown region 'antarctica'",
    ),
    (
        "rates",
        lambda d: d.update({"valid_until": "2020-01-01"}),
        "knowledge_base/rates.yml: 'valid_until' 2020-01-01 is before 'as_of'",
    ),
]


@pytest.mark.parametrize(
    ("file", "edit", "message"), BROKEN, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BROKEN)]
)
def test_broken_file_fails_naming_file_and_entry(
    kb_copy: KbCopy, file: str, edit: Callable[[Any], None] | str, message: str
) -> None:
    folder = kb_copy(**{file: edit})
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(folder)
    assert message in str(caught.value)


def test_missing_file_is_named(kb_copy: KbCopy) -> None:
    folder = kb_copy()
    (folder / "services.yml").unlink()
    with pytest.raises(KnowledgeBaseError, match=r"^knowledge_base/services\.yml: file not found"):
        load_knowledge_base(folder)


def test_a_good_copy_loads(kb_copy: KbCopy) -> None:
    assert isinstance(load_knowledge_base(Path(kb_copy())), KnowledgeBase)
