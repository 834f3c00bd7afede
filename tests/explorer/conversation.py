"""Play one explored conversation against a running bot and judge what the customer saw.

The checks, per conversation (issue 12):

- every message gets an answer (a non-empty text from the bot): otherwise it is *dead*;
- Rasa's circuit breaker never trips for this sender (Rasa's log): otherwise *dead*;
- the closing plain question is answered with its definition: otherwise *dead*;
- no sentence comes three times in one answer: otherwise *looping*;
- at a form's step, the answer to the off-script reply asks the step's question again
  (the form still waiting for the step's slot), moves on to the next step (the reply was
  a fine answer after all) or leaves the form with a clear message: otherwise *lost*;
- every answer is in the conversation's language: the language of the customer's latest
  message that has one, or the one they explicitly chose; an answer due in Chinese
  without a Chinese character is in the *language* column.

What the bot must say is recognised by catalogue keys in either language and by the
form and requested slot in Rasa's tracker, never by English sentences.
"""

from __future__ import annotations

import random
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.i18n import detect_language
from tests.explorer.flows import CANCEL, LEAVE_MARKERS, PLAIN_ANSWER, PLAIN_QUESTION, Marker
from tests.explorer.grid import Case

DEAD = "dead"
LOOPING = "looping"
LOST = "lost"
SETUP = "setup"
LANGUAGE = "language"
#: The form a customer waiting for a person is in (actions/handoff.py).
WAIT_FORM = "handoff_wait_form"

#: How the form took the off-script reply.
RESUMED, ADVANCED, LEFT = "resumed", "advanced", "left"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
#: Sentences shorter than this ("Yes", "1") may fairly repeat as button titles or lists.
_MIN_SENTENCE = 12
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
#: An email address says nothing of the language its writer chats in.
_EMAIL = re.compile(r"\S+@\S+")


class Bot(Protocol):
    """What the explorer needs of the running assistant."""

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        """Send ``text`` as ``sender``; the bot's messages of that turn."""

    def paused(self, sender: str) -> bool:
        """True while the conversation waits for a person (Rasa's paused tracker)."""

    def circuit_breaks(self, sender: str) -> list[str]:
        """Rasa's log lines saying the circuit breaker tripped for ``sender``."""

    def active_form(self, sender: str) -> str | None:
        """The form the conversation is in (Rasa's active loop), if any."""

    def requested_slot(self, sender: str) -> str | None:
        """The slot the active form is asking for (Rasa's ``requested_slot``), if any."""


@dataclass
class Turn:
    """One message of the customer and what the bot answered."""

    user: str
    bot: list[str]
    stage: str
    language: str = ""


@dataclass
class Result:
    """One explored conversation: its transcript and what went wrong."""

    case: Case
    sender: str
    turns: list[Turn] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    outcome: str = ""

    def kinds(self) -> set[str]:
        return {kind for kind, _ in self.problems}

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def transcript(self) -> str:
        """The whole conversation as the customer saw it, for a failure message."""
        lines = [f"--- {self.case.label} (sender {self.sender}, form: {self.outcome or 'n/a'})"]
        lines.append("  (each customer message shows the language its answer is due in)")
        for kind, detail in self.problems:
            lines.append(f"  !! {kind}: {detail}")
        for turn in self.turns:
            lines.append(f"  [{turn.stage}] customer ({turn.language}): {_short(turn.user)}")
            if not turn.bot:
                lines.append("      bot: (nothing)")
            for text in turn.bot:
                lines.append(f"      bot: {text}")
        return "\n".join(lines)


def _short(text: str, limit: int = 160) -> str:
    flat = text.replace("\n", " ")
    return flat if len(flat) <= limit else f"{flat[:limit]}... ({len(text):,} characters)"


def repeated_sentences(texts: list[str]) -> list[str]:
    """Sentences said at least three times in one answer."""
    counts: Counter[str] = Counter()
    for text in texts:
        for sentence in _SENTENCE_END.split(text):
            normal = " ".join(sentence.lower().split())
            if len(normal) >= _MIN_SENTENCE:
                counts[normal] += 1
    return [sentence for sentence, n in counts.items() if n >= 3]


def new_sender(rng: random.Random) -> str:
    """A sender id of letters only (digits could look like a phone number to log masking)."""
    return "explore-" + "".join(rng.choice(string.ascii_lowercase) for _ in range(12))


def written_in(text: str) -> str | None:
    """The language a customer's message is written in, if it shows one.

    Chinese or English words; an email address, a number, a reference or an emoji alone
    shows none (so a Chinese customer who types their email address still chats in
    Chinese).
    """
    return detect_language(_EMAIL.sub(" ", text))


def in_language(text: str, language: str) -> bool:
    """Whether a message of the bot reads as ``language``.

    A Chinese message has Chinese characters (one without any letter, such as a bare
    number, says nothing either way). English is not checked: an English answer may fairly
    quote what the customer wrote in Chinese.
    """
    if language != "zh" or not _LETTER.search(text):
        return True
    return bool(_HAN.search(text))


class _Conversation:
    def __init__(self, bot: Bot, result: Result, tracking: str) -> None:
        self.bot = bot
        self.result = result
        self.tracking = tracking
        self.latest = result.case.language
        self.chosen: str | None = None

    def fill(self, text: str) -> str:
        return text.replace("{tracking}", self.tracking)

    def shows(self, marker: Marker, reply: str) -> bool:
        return marker.found_in(reply, self.tracking)

    def say(self, text: str, stage: str, chooses: str | None = None) -> str:
        """Send one message, record the turn, check it was answered; the reply, lower-case."""
        text = self.fill(text)
        self.chosen = chooses or self.chosen
        self.latest = written_in(text) or self.latest
        language = self.chosen or self.latest
        texts = [m["text"] for m in self.bot.say(self.result.sender, text) if m.get("text")]
        self.result.turns.append(Turn(text, texts, stage, language))
        if not any(t.strip() for t in texts):
            self.result.problems.append((DEAD, f"no answer to {_short(text, 60)!r} ({stage})"))
        for sentence in repeated_sentences(texts):
            self.result.problems.append((LOOPING, f"said 3+ times in one answer: {sentence!r}"))
        for said in texts:
            if not in_language(said, language):
                self.result.problems.append(
                    (
                        LANGUAGE,
                        f"answered {_short(text, 40)!r} not in {language}: {_short(said, 80)!r}",
                    )
                )
        return "\n".join(texts).lower()

    def waiting(self) -> bool:
        """Queued for a person (the wait form) or held by an agent (paused)."""
        sender = self.result.sender
        return self.bot.active_form(sender) == WAIT_FORM or self.bot.paused(sender)


def explore(bot: Bot, case: Case, tracking: str, rng: random.Random) -> Result:
    """Walk ``case.flow`` to its step, send the off-script reply, carry on, then ask FOB.

    Args:
        bot: the running assistant.
        case: flow (in its language), step and off-script reply.
        tracking: a demo tracking number, for ``{tracking}`` in flows and replies.
        rng: source of the sender id.
    """
    result = Result(case, new_sender(rng))
    talk = _Conversation(bot, result, tracking)
    flow, step = case.flow, case.at
    reply = ""
    for message in flow.opening:
        reply = talk.say(message, "opening")
    for earlier in flow.steps[: case.step]:
        reply = talk.say(earlier.answer, f"answer {earlier.name}")
    if not talk.shows(step.prompt, reply):
        result.problems.append((SETUP, f"the bot did not ask {step.prompt} at {step.name}"))
        return result

    reply = talk.say(case.reply.text, f"off-script at {step.name}", case.reply.chooses)
    continue_from: int | None = case.step
    if step.form is not None:
        continue_from = _judge_form(talk, case, reply)
    if continue_from is not None and talk.waiting():
        continue_from = None
    if continue_from is not None:
        for later in flow.steps[continue_from:]:
            reply = talk.say(later.answer, f"answer {later.name}")
            if talk.waiting():
                break
    cancel = CANCEL[flow.language]
    if result.turns[-1].user != cancel and talk.waiting():
        # Waiting for a person: the customer leaves the queue before asking on.
        talk.say(cancel, "leave the queue")
    answer = talk.say(PLAIN_QUESTION[flow.language], "plain question")
    if answer and not any(fragment in answer for fragment in PLAIN_ANSWER):
        question = PLAIN_QUESTION[flow.language]
        result.problems.append((DEAD, f"{question!r} was not answered with {PLAIN_ANSWER!r}"))
    # Rasa may write the same warning through two handlers: one problem per distinct line.
    for line in dict.fromkeys(line.strip() for line in bot.circuit_breaks(result.sender)):
        result.problems.append((DEAD, f"Rasa's log: {line}"))
    return result


def _judge_form(talk: _Conversation, case: Case, reply: str) -> int | None:
    """How the form took the off-script reply; the step to carry on from, if any.

    Still in the form, the bot must ask the step's question again, with the form still
    requesting the step's slot (or ask the next one, when the reply answered the step
    after all). Out of it, the bot must say so: one of :data:`LEAVE_MARKERS`, or the
    flow's end when the reply completed it.
    """
    flow, step, result = case.flow, case.at, talk.result
    following = flow.steps[case.step + 1] if case.step + 1 < len(flow.steps) else None
    asked_again = talk.shows(step.prompt, reply)
    # The reply may answer this step and later ones of the same form ("it was meant to
    # come on Monday and nobody told me": the kind of problem and what happened).
    later = [
        index
        for index in range(case.step + 1, len(flow.steps))
        if (index == case.step + 1 or flow.steps[index].form == step.form)
        and talk.shows(flow.steps[index].prompt, reply)
    ]
    moved_on = following is not None and bool(later)
    completed = following is None and talk.shows(flow.done, reply)
    form = talk.bot.active_form(result.sender)
    requested = talk.bot.requested_slot(result.sender) if form else None
    if form == step.form and asked_again and requested in (step.slot, None):
        result.outcome = RESUMED
        return case.step
    if moved_on or completed:
        result.outcome = ADVANCED
        return later[0] if later else case.step + 1
    if form != step.form and talk.shows(LEAVE_MARKERS, reply):
        result.outcome = LEFT
        return None
    if form == step.form and asked_again:
        detail = f"asked {step.prompt} again, yet {form} is waiting for {requested}"
    elif form == step.form:
        detail = f"is still in {form} but did not ask {step.prompt} again"
    elif form is None:
        detail = f"left {step.form} without saying so"
    else:
        detail = f"dropped {step.form} for {form} without saying so"
    result.outcome = f"lost ({form or 'no form'})"
    result.problems.append((LOST, f"after {case.reply.name!r} at {step.name} the bot {detail}"))
    return None
