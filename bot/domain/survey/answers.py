"""Reading a customer's survey answer, typed or tapped: scores, yes or no, skipping, comments."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Scales of the numeric questions (lowest, highest).
SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "ces": (1, 5), "nps": (0, 10)}
#: Longest comment kept; a longer one is refused (asked again), never cut.
MAX_COMMENT_CHARS = 2000

_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
# "4/5", "4 out of 5", "9 of 10": the scale's top is not a second answer.
_OUT_OF = re.compile(r"\s*(?:/|\bout of\b|\bof\b)\s*(?:5|10|five|ten)\b")
_TOKEN = re.compile(r"[-+]?\d+(?:[.,]\d+)?|[a-z]+")
_STARS = ("\u2b50", "\u2605", "\U0001f31f")
# Words for the 1-5 scales, longest phrases first.
_LABELS: dict[str, tuple[tuple[str, int], ...]] = {
    "csat": (
        ("very dissatisfied", 1),
        ("very unsatisfied", 1),
        ("very satisfied", 5),
        ("dissatisfied", 2),
        ("unsatisfied", 2),
        ("satisfied", 4),
        ("excellent", 5),
        ("terrible", 1),
        ("neutral", 3),
        ("great", 5),
        ("good", 4),
        ("okay", 3),
        ("ok", 3),
        ("poor", 2),
        ("bad", 2),
    ),
    "ces": (
        ("very difficult", 1),
        ("very hard", 1),
        ("very easy", 5),
        ("difficult", 2),
        ("neutral", 3),
        ("easy", 4),
        ("hard", 2),
        ("okay", 3),
        ("ok", 3),
    ),
}


def _normalise(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'")
    return " ".join(re.sub(r"[^\w'/+\-.,\u2b50\u2605\U0001f31f ]", " ", lowered).split())


def parse_score(question: str, text: str) -> int | None:
    """The score in a typed or tapped answer, or None when there is not exactly one.

    Digits ("4", "4/5", "4 out of 5"), number words ("five"), stars and, on the 1-5
    scales, words ("very satisfied", "easy") are understood. Two different numbers
    ("3 or 4", a tracking number), decimals and numbers off the scale are not answers.

    Args:
        question: ``csat``, ``ces`` or ``nps``.
        text: what the customer wrote.
    """
    low, high = SCALES[question]
    clean = _normalise(text)
    if not clean or len(clean) > 200:
        return None
    stars = sum(clean.count(star) for star in _STARS)
    clean = _OUT_OF.sub(" ", clean)
    values: set[int] = set()
    for token in _TOKEN.findall(clean):
        if token[0].isdigit() or token[0] in "+-":
            if not token.lstrip("+-").isdigit():
                return None
            values.add(int(token))
        elif token in _NUMBER_WORDS:
            values.add(_NUMBER_WORDS[token])
    if not values and stars:
        values.add(stars)
    if not values and not re.search(r"\bnot\b|n't\b", clean):
        words = f" {clean} "
        for phrase, value in _LABELS.get(question, ()):
            if f" {phrase} " in words:
                values.add(value)
                break
    if len(values) != 1:
        return None
    value = values.pop()
    return value if low <= value <= high else None


_STRONG_YES = frozenset({"yes", "y", "yeah", "yep", "yup", "ya", "yea"})
_STRONG_NO = frozenset({"no", "n", "nope", "nah"})
_YES_WORDS = frozenset(
    {"resolved", "solved", "sorted", "fixed", "definitely", "absolutely", "sure", "correct"}
)
_NO_WORDS = frozenset({"not", "unresolved", "unsolved", "partly", "partially", "never"})


def parse_yes_no(text: str) -> bool | None:
    """Whether the answer means yes (True) or no (False); None when it says neither.

    "Not really", "partly" and "it wasn't" are no: the issue was not resolved at the
    first contact. "Yes and no" is neither.
    """
    tokens = re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))
    if not tokens or len(tokens) > 30:
        return None
    strong_yes = any(t in _STRONG_YES for t in tokens)
    strong_no = any(t in _STRONG_NO for t in tokens)
    negated = any(t in _NO_WORDS or t.endswith("n't") for t in tokens)
    if strong_yes and (strong_no or negated):
        return None
    if strong_yes:
        return True
    if strong_no or negated:
        return False
    if any(t in _YES_WORDS for t in tokens):
        return True
    return None


_SKIP = re.compile(
    r"(?:/?skip(?: (?:it|this|that|survey|the survey|all|the rest|question|questions))?"
    r"|no,? thanks?(?: you)?|no,? thank you|not now|maybe later|later|no survey"
    r"|(?:i'?d )?rather not|(?:i )?don'?t want to|(?:i )?do not want to"
    r"|stop(?: (?:it|this|the survey|survey))?|cancel|quit|exit|enough|end(?: survey)?"
    r"|bye|goodbye|good bye)"
)
_NO_COMMENT = frozenset(
    {
        "no",
        "nope",
        "nah",
        "nothing",
        "none",
        "no comment",
        "no comments",
        "nothing else",
        "n/a",
        "na",
        "that's all",
        "thats all",
        "all good",
        "no thanks",
        "no thank you",
    }
)


def is_skip(text: str) -> bool:
    """True when the customer wants out of the survey ("Skip", "no thanks", "not now")."""
    clean = " ".join(re.sub(r"[^\w' /]", " ", text.lower().replace("\u2019", "'")).split())
    return bool(_SKIP.fullmatch(clean))


@dataclass(frozen=True)
class Answer:
    """A reading of one message as the answer to one question.

    ``valid`` is False when the message is not an answer (ask again); ``value`` is the
    score, the yes/no, or the comment ('' for "no comment").
    """

    valid: bool
    value: int | bool | str | None = None
    problem: str = ""


def read_answer(question: str, text: str) -> Answer:
    """Read ``text`` as the answer to ``question``; skipping is checked separately."""
    if question in SCALES:
        score = parse_score(question, text)
        if score is None:
            low, high = SCALES[question]
            return Answer(False, problem=f"Please answer with a number from {low} to {high}")
        return Answer(True, score)
    if question == "fcr":
        resolved = parse_yes_no(text)
        if resolved is None:
            return Answer(False, problem='Please answer "yes" or "no"')
        return Answer(True, resolved)
    if question == "comment":
        comment = text.strip()
        clean = " ".join(re.sub(r"[^\w' /]", " ", comment.lower()).split())
        if not comment or clean in _NO_COMMENT:
            return Answer(True, "")
        if len(comment) > MAX_COMMENT_CHARS:
            return Answer(
                False,
                problem=f"That's {len(comment):,} characters, more than the "
                f"{MAX_COMMENT_CHARS:,} I can keep, so I haven't saved it. Could you "
                "shorten it",
            )
        return Answer(True, comment)
    raise ValueError(f"unknown survey question {question!r}")
