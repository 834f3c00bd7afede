"""The served model's intents on the held-out sets: the floors of issues 12 and 13.

Every held-out message (tests/data/nlu_heldout.yml in English, tests/data/nlu_heldout_zh.yml
in Traditional Chinese, Cantonese, code-mixed and some Simplified; never trained on; one
model serves both) goes through the
running stack's /model/parse, as a customer's message would; a message the model answers
with ``nlu_fallback`` is a miss, because the live bot answers it with the fallback.
Scored with the same function as `make bench` (bench/nlu.py), which also trains Rasa's
default pipeline on the same data for the side-by-side comparison (too slow for the suite:
20+ minutes on a busy 2-core machine).

The floors sit below what the served model reaches, with room for a retraining's noise
(CI trains afresh; two full trainings of the same data here differed by about 0.01).
Measured 2026-12-04, one model for both languages, full `rasa train`: English 0.967,
Chinese 0.947 before this stop's new intents (shipment updates, marketing opt-out, request
FAQ topics); with them, two trainings gave English 0.956 (out-of-scope precision 0.90),
Chinese 0.935 and 0.924 -- a regression this stop leaves open in issues 12 and 13 (most
of it: "stop updates" against "stop marketing", and "tell me when it arrives" read as
an FAQ). With the new examples of branch nlu4 (docs/nlu.md, fourth stop) the served model
reaches English 0.953 (out-of-scope 1.00/0.97) and Chinese 0.944; a full training of
nearly the same data (two more opt-out lines) gave 0.940 and 0.948, so the floors sit
about 0.01 below those. Since 2026-12-05 the served model counts character n-grams up to
3 (not 4), and the unknown-words classifier makes nonsense unclear however DIET reads it
(the 3-gram model had read Chinese nonsense as `affirm` in the dialogue explorer). Three
full trainings of growing data gave English 0.971, 0.965, 0.960 and Chinese 0.948,
0.951, 0.954 (docs/nlu.md, sixth stop): the two targets, bench.nlu.TARGET_F1 = 0.97
(English) and TARGET_F1_ZH = 0.95 (Chinese), are each reached by one training but not
both by the same one. The floors sit about 0.01 below the served model (0.960, 0.954);
a drop below them fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from bench.nlu import HELDOUT, HELDOUT_ZH, Scores, heldout_pairs, score
from tests.e2e.conftest import TOKEN, RunningStack

FLOOR = 0.95
FLOOR_ZH = 0.94


def _served_scores(running_stack: RunningStack, heldout: Path) -> Scores:
    pairs = heldout_pairs(heldout)
    parsed = []
    with requests.Session() as http:
        for text, _ in pairs:
            response = http.post(
                f"{running_stack.url}/model/parse",
                params={"token": TOKEN},
                json={"text": text},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            parsed.append(response.json())
    return score(pairs, parsed)


@pytest.fixture(scope="module")
def heldout_scores(running_stack: RunningStack) -> Scores:
    return _served_scores(running_stack, HELDOUT)


@pytest.fixture(scope="module")
def heldout_scores_zh(running_stack: RunningStack) -> Scores:
    return _served_scores(running_stack, HELDOUT_ZH)


def _misses(scores: Scores) -> str:
    return "\n".join(f"{want} -> {got}: {text}" for text, want, got in scores.misses)


def test_heldout_macro_f1_reaches_the_floor_counting_fallback_as_a_miss(
    heldout_scores: Scores,
) -> None:
    assert heldout_scores.macro_f1 >= FLOOR, _misses(heldout_scores)


def test_out_of_scope_is_recognised_and_not_claimed_by_real_requests(
    heldout_scores: Scores,
) -> None:
    # A floor against regressions, below the 0.90-0.96 measured on the merged data.
    assert heldout_scores.oos_recall >= 0.85, _misses(heldout_scores)
    assert heldout_scores.oos_precision >= 0.85, _misses(heldout_scores)


def test_chinese_heldout_macro_f1_reaches_the_floor_counting_fallback_as_a_miss(
    heldout_scores_zh: Scores,
) -> None:
    assert heldout_scores_zh.macro_f1 >= FLOOR_ZH, _misses(heldout_scores_zh)
