"""The explorer's grid (every flow x every step x every reply, per language) and its
seeded sample."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.i18n import LANGUAGES
from tests.explorer.flows import FLOWS, Flow, Step
from tests.explorer.replies import REPLIES, Reply

#: Conversations per language in the sample ``make test`` runs: at least one per step and
#: per reply of that language, so the sample is a little larger than this.
SAMPLE_SIZE = 27
SEED = 12
#: (flow, step, reply) a full grid once found failing, in the sample of every language
#: whatever the seed: a request to change language where the step takes free text.
KNOWN_FINDINGS: tuple[tuple[str, str, str], ...] = (
    ("survey", "comment", "intent:switch_language"),
    ("handoff_queue", "queued", "intent:switch_language"),
    ("complaint", "description", "intent:switch_language"),
)


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
    def language(self) -> str:
        return self.flow.language

    @property
    def label(self) -> str:
        return f"{self.flow.language}/{self.flow.name}/{self.at.name}/{self.reply.name}"


def _steps(language: str) -> list[tuple[Flow, int]]:
    return [
        (flow, index)
        for flow in FLOWS
        if flow.language == language
        for index in range(len(flow.steps))
    ]


def full_grid(languages: Iterable[str] = LANGUAGES) -> list[Case]:
    """Every flow's every step with every reply, in each of ``languages``."""
    return [
        Case(flow, index, reply)
        for language in languages
        for flow, index in _steps(language)
        for reply in REPLIES[language]
    ]


def sample(
    languages: Iterable[str] = LANGUAGES, size: int = SAMPLE_SIZE, seed: int = SEED
) -> list[Case]:
    """A deterministic sample that visits every step and every reply of each language,
    and every one of :data:`KNOWN_FINDINGS`.

    Per language, steps and replies are each shuffled with ``seed`` and walked round-robin
    side by side, so any ``size`` of at least ``max(steps, replies)`` covers both lists,
    and the pairs differ from seed to seed.
    """
    cases = []
    for language in languages:
        rng = random.Random(f"{seed}-{language}")
        steps = _steps(language)
        replies = list(REPLIES[language])
        rng.shuffle(steps)
        rng.shuffle(replies)
        for i in range(max(size, len(steps), len(replies))):
            flow, index = steps[i % len(steps)]
            # A second lap of the replies is shifted so it meets other steps than the first.
            reply = replies[(i + i // len(replies)) % len(replies)]
            cases.append(Case(flow, index, reply))
        sampled = {case.label for case in cases}
        cases += [case for case in _known_findings(language) if case.label not in sampled]
    return cases


def _known_findings(language: str) -> list[Case]:
    wanted = set(KNOWN_FINDINGS)
    return [
        Case(flow, index, reply)
        for flow, index in _steps(language)
        for reply in REPLIES[language]
        if (flow.name, flow.steps[index].name, reply.name) in wanted
    ]
