"""The explorer's grid (every flow x every step x every reply) and its seeded sample."""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.explorer.flows import FLOWS, Flow, Step
from tests.explorer.replies import REPLIES, Reply

#: Conversations in the sample ``make test`` runs; at least one per step and per reply.
SAMPLE_SIZE = 54
SEED = 12


@dataclass(frozen=True)
class Case:
    """One explored conversation: ``reply`` sent where ``flow`` asks its step ``step``."""

    flow: Flow
    step: int
    reply: Reply

    @property
    def at(self) -> Step:
        """The step the off-script reply answers."""
        return self.flow.steps[self.step]

    @property
    def label(self) -> str:
        return f"{self.flow.name}/{self.at.name}/{self.reply.name}"


def _steps() -> list[tuple[Flow, int]]:
    return [(flow, index) for flow in FLOWS for index in range(len(flow.steps))]


def full_grid() -> list[Case]:
    """Every flow's every step with every reply."""
    return [Case(flow, index, reply) for flow, index in _steps() for reply in REPLIES]


def sample(size: int = SAMPLE_SIZE, seed: int = SEED) -> list[Case]:
    """A deterministic sample that visits every step and every reply at least once.

    Steps and replies are each shuffled with ``seed`` and walked round-robin side by
    side, so any ``size`` of at least ``max(steps, replies)`` covers both lists, and the
    pairs differ from seed to seed.
    """
    rng = random.Random(seed)
    steps = _steps()
    replies = list(REPLIES)
    rng.shuffle(steps)
    rng.shuffle(replies)
    size = max(size, len(steps), len(replies))
    cases = []
    for i in range(size):
        flow, index = steps[i % len(steps)]
        # A second lap of the replies is shifted so it meets other steps than the first.
        reply = replies[(i + i // len(replies)) % len(replies)]
        cases.append(Case(flow, index, reply))
    return cases
