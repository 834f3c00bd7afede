"""Fixtures for the knowledge base tests: the real knowledge base and editable copies."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.settings import REPO_ROOT
from bot.domain.kb import REGIONS, KnowledgeBase, load_knowledge_base

KB_DIR = REPO_ROOT / "knowledge_base"
# The C implementations when available: the glossary is large and edited in many tests.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

#: A small, round-numbered rate table, the same for every region, so quote tests can
#: check the arithmetic by hand whatever the commercial rates in rates.yml become.
TEST_RATES: dict[str, Any] = {
    "currency": "HKD",
    "as_of": "2026-01-01",
    "valid_until": "2026-06-30",
    "origin": "Hong Kong and South China",
    "basis": "general cargo",
    "excluded": ["import duties and taxes", "cargo insurance"],
    "origin_zh": "香港及華南",
    "basis_zh": "普通貨物",
    "excluded_zh": ["進口關稅同稅項", "貨物保險"],
    "modes": {
        "express": {
            "covers": "door-to-door",
            "excluded": ["fuel surcharge"],
            "covers_zh": "門到門",
            "excluded_zh": ["燃油附加費"],
            "kg_per_cbm": 200,
            "max_shipment_kg": 300,
            "regions": {},
        },
        "economy": {
            "covers": "door-to-door",
            "excluded": ["fuel surcharge"],
            "covers_zh": "門到門",
            "excluded_zh": ["燃油附加費"],
            "kg_per_cbm": 200,
            "max_shipment_kg": 1000,
            "regions": {},
        },
        "air": {
            "covers": "airport-to-airport",
            "excluded": ["fuel and security surcharges"],
            "covers_zh": "機場至機場",
            "excluded_zh": ["燃油及保安附加費"],
            "kg_per_cbm": 167,
            "regions": {},
        },
        "sea_lcl": {
            "covers": "port-to-port",
            "excluded": ["BAF"],
            "covers_zh": "港到港",
            "excluded_zh": ["燃油附加費（BAF）"],
            "kg_per_cbm": 1000,
            "minimum_cbm": 1,
            "fcl_suggested_from_cbm": 15,
            "regions": {},
        },
        "sea_fcl": {
            "covers": "port-to-port",
            "excluded": ["THC"],
            "covers_zh": "港到港",
            "excluded_zh": ["碼頭操作費"],
            "containers": {
                "20ft": {
                    "label": "20' container",
                    "label_zh": "20 呎櫃",
                    "usable_cbm": 28,
                    "max_payload_kg": 21000,
                },
                "40ft": {
                    "label": "40' container",
                    "label_zh": "40 呎櫃",
                    "usable_cbm": 58,
                    "max_payload_kg": 26000,
                },
            },
            "regions": {},
        },
    },
}
_LANES: dict[str, dict[str, Any]] = {
    "express": {"minimum_charge": 100, "per_kg": {0: 50, 21: 40, 71: 30}},
    "economy": {"minimum_charge": 80, "per_kg": {0: 30, 21: 25}},
    "air": {"minimum_charge": 300, "per_kg": {0: 20, 45: 15, 100: 10}},
    "sea_lcl": {"per_revenue_tonne": 100},
    "sea_fcl": {"per_20ft": 1000, "per_40ft": 1500},
}
for _mode, _lane in _LANES.items():
    TEST_RATES["modes"][_mode]["regions"] = {region: dict(_lane) for region in REGIONS}


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The real knowledge base from ``knowledge_base/``, matcher built once per session."""
    knowledge_base = load_knowledge_base(KB_DIR)
    knowledge_base.prepare()
    return knowledge_base


KbCopy = Callable[..., Path]


@pytest.fixture
def kb_copy(tmp_path: Path) -> KbCopy:
    """Copy the real knowledge base to ``tmp_path/knowledge_base`` for editing.

    Returns:
        A function ``make(**edits)`` returning the copy's folder. Each keyword names a
        file without ``.yml`` and gives either a function that edits the parsed YAML in
        place, or a string that replaces the file's text.
    """

    def make(**edits: Callable[[Any], None] | str) -> Path:
        folder = tmp_path / "knowledge_base"
        shutil.copytree(KB_DIR, folder)
        for name, edit in edits.items():
            path = folder / f"{name}.yml"
            if isinstance(edit, str):
                path.write_text(edit, encoding="utf-8")
                continue
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
            edit(data)
            path.write_text(yaml.dump(data, Dumper=_DUMPER, sort_keys=False), encoding="utf-8")
        return folder

    return make


@pytest.fixture(scope="session")
def quote_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The real knowledge base with :data:`TEST_RATES` as its rate table."""
    folder = tmp_path_factory.mktemp("quotes") / "knowledge_base"
    shutil.copytree(KB_DIR, folder)
    (folder / "rates.yml").write_text(yaml.safe_dump(TEST_RATES), encoding="utf-8")
    return load_knowledge_base(folder)
