"""The dialogue explorer on the real model and stack (issue 12).

For each multi-turn flow and each of its steps, a customer sends an off-script reply
(a message of every intent, gibberish, emoji, a number, yes, no, "cancel", "?", 5,000
characters, the other language, a tracking number in the wrong place), then carries on as
expected and asks what FOB means; every flow is played in English and in Chinese (issue
13), the Chinese answers checked to be in Chinese. :mod:`tests.explorer` describes the
flows and judges each conversation. ``make test`` runs a seeded sample that visits every
flow, step and reply of each language; ``EXPLORE=all`` (``make explore``) runs the whole
grid and prints the figures per flow and language; ``EXPLORE_LANG=en`` or ``zh`` keeps one
language. ``EXPLORE_FINDINGS=<file>`` appends every failed conversation's transcript to
that file.
"""

from __future__ import annotations

import os
import random
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from bot.core.i18n import LANGUAGES, get_catalogue, normalise_input, t
from bot.core.i18n.catalogue import placeholders
from bot.core.settings import REPO_ROOT
from tests.e2e.conftest import RunningStack
from tests.explorer.conversation import Result, explore, in_language, written_in
from tests.explorer.flows import FLOWS, LEAVE_MARKERS, Marker
from tests.explorer.grid import KNOWN_FINDINGS, SEED, full_grid, sample
from tests.explorer.replies import INTENT_REPLIES, REPLIES
from tests.explorer.report import summary, write_findings

#: An entity in Rasa's training format: [text](entity) or [text]{"entity": ...}.
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
#: Conversations explored at once against the one stack.
THREADS = 4


class StackBot:
    """The explorer's view of the test session's stack: REST channel, tracker, Rasa's log."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        log_dir = stack.stack.log_dir
        assert log_dir is not None, "the e2e stack must write its servers' logs"
        self.log = log_dir / "rasa.log"

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        response = requests.post(
            f"{self.stack.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=180,
        )
        assert response.status_code == 200, (response.status_code, response.text[:300])
        messages: list[dict[str, Any]] = response.json()
        return messages

    def paused(self, sender: str) -> bool:
        return bool(self.stack.tracker(sender)["paused"])

    def active_form(self, sender: str) -> str | None:
        loop = self.stack.tracker(sender).get("active_loop") or {}
        name = loop.get("name")
        return str(name) if name else None

    def requested_slot(self, sender: str) -> str | None:
        name = (self.stack.tracker(sender).get("slots") or {}).get("requested_slot")
        return str(name) if name else None

    def circuit_breaks(self, sender: str) -> list[str]:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return [
            line
            for line in text.splitlines()
            if "Circuit breaker tripped" in line and f"'{sender}'" in line
        ]


def _trained_examples() -> set[str]:
    """Every NLU example of data/nlu and of the held-out set, normalised."""
    examples: set[str] = set()
    for path in [
        *(REPO_ROOT / "data" / "nlu").rglob("*.yml"),
        *(REPO_ROOT / "tests" / "data").glob("nlu_heldout*.yml"),
    ]:
        for block in yaml.safe_load(path.read_text()).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                plain = _ANNOTATION.sub(r"\1", line.strip().lstrip("- "))
                examples.add(_normal(plain))
    return examples


def _normal(text: str) -> str:
    """One spelling of a sentence: full width and Simplified folded, case and spaces."""
    return " ".join(normalise_input(text).lower().split())


def test_intent_replies_are_unseen_phrasings() -> None:
    seen = _trained_examples()
    replies = [r for language in LANGUAGES for r in INTENT_REPLIES[language]]
    copied = [r.text for r in replies if _normal(r.text) in seen]
    assert copied == [], "explorer phrasings must not come from the NLU data"


def test_every_intent_has_a_reply_in_every_language() -> None:
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())
    said = {str(i) for i in domain["intents"] if not str(i).startswith("EXTERNAL_")}
    said.add("faq")
    for language in LANGUAGES:
        names = {r.name for r in INTENT_REPLIES[language]}
        assert names == {f"intent:{intent}" for intent in said}, language
        assert {r.name for r in REPLIES[language]} >= {r.name for r in REPLIES["en"]}, language


def test_sample_visits_every_step_and_reply_of_each_language() -> None:
    cases = sample()
    for language in LANGUAGES:
        mine = [c for c in cases if c.language == language]
        steps = {(c.flow.name, c.at.name) for c in mine}
        assert steps == {(f.name, s.name) for f in FLOWS if f.language == language for s in f.steps}
        assert {c.reply.name for c in mine} == {r.name for r in REPLIES[language]}
    for language in LANGUAGES:
        found = {(c.flow.name, c.at.name, c.reply.name) for c in cases if c.language == language}
        assert found >= set(KNOWN_FINDINGS), language
    assert cases == sample(), "the sample is seeded"
    assert len(full_grid()) == sum(len(f.steps) * len(REPLIES[f.language]) for f in FLOWS)


def _rendered(key: str, language: str) -> str:
    entry = get_catalogue().entry(key, language)
    return t(key, language, **{name: "X-1" for name in placeholders(entry.text)})


def _markers() -> list[Marker]:
    return [
        LEAVE_MARKERS,
        *(f.done for f in FLOWS),
        *(s.prompt for f in FLOWS for s in f.steps),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_markers_recognise_their_texts_in_either_language(language: str) -> None:
    for marker in _markers():
        for key in marker.keys:
            text = "Sorry, one more thing.\n" + _rendered(key, language)
            assert marker.found_in(text), (key, language)
    fob = "FOB (Free on Board): the seller pays to load the goods."
    assert not any(m.found_in(fob) for m in _markers() if m.keys)


def test_an_email_address_is_no_language() -> None:
    assert written_in("buyer@shop.example") is None
    assert written_in("CMP-2026-00017 電郵 buyer@shop.example") == "zh"
    assert written_in("do you open on saturdays?") == "en"
    assert written_in("🤔🤔📦") is None


def test_answers_due_in_chinese_need_chinese() -> None:
    assert in_language("請俾你嘅追蹤號碼我：160-12345675", "zh")
    assert in_language("160-12345675", "zh")
    assert not in_language("Please send me your tracking number", "zh")
    assert in_language("Please send me your tracking number", "en")


def _languages() -> tuple[str, ...]:
    chosen = os.environ.get("EXPLORE_LANG", "").strip().lower()
    if not chosen:
        return LANGUAGES
    assert chosen in LANGUAGES, f"EXPLORE_LANG must be one of {LANGUAGES}, not {chosen!r}"
    return (chosen,)


def test_no_conversation_dead_ends(
    running_stack: RunningStack, demo_shipments: list[dict[str, str]]
) -> None:
    everything = os.environ.get("EXPLORE", "").lower() == "all"
    languages = _languages()
    cases = full_grid(languages) if everything else sample(languages)
    bot = StackBot(running_stack)
    tracking = demo_shipments[0]["tracking_number"]
    rngs = [random.Random(f"{SEED}-{i}") for i in range(len(cases))]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results: list[Result] = list(
            pool.map(lambda i: explore(bot, cases[i], tracking, rngs[i]), range(len(cases)))
        )
    title = (
        f"dialogue explorer, {'full grid' if everything else 'seeded sample'}, "
        f"{' and '.join(languages)}"
    )
    table = summary(results, title)
    print("\n" + table)
    findings = os.environ.get("EXPLORE_FINDINGS")
    if findings:
        write_findings(Path(findings), results, title)
    failed = [r for r in results if r.failed]
    if failed:
        pytest.fail("\n\n".join([table, *(r.transcript() for r in failed)]), pytrace=False)
