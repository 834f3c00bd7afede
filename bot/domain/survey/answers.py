"""Reading a customer's survey answer, typed or tapped: scores, yes or no, skipping, comments.

Answers come in English or Chinese ("五分", "非常滿意", "唔滿意", "係", "冇", "跳過"), in
Traditional or Simplified characters and full-width digits, whatever language the
question was asked in: the text is folded by :func:`bot.core.i18n.normalise_input` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.i18n import DEFAULT_LANGUAGE, normalise_input, t
from bot.core.i18n.numerals import CHINESE_DIGITS

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


# Chinese words for the 1-5 scales (Traditional; Simplified is folded first). Longer
# phrases are looked for first, so "唔滿意" is not read as "滿意" and "一般" not as "一".
_LABELS_ZH: dict[str, dict[str, int]] = {
    "csat": {
        "非常不滿意": 1,
        "非常唔滿意": 1,
        "十分唔滿意": 1,
        "十分不滿意": 1,
        "極度唔滿意": 1,
        "極度不滿意": 1,
        "好唔滿意": 1,
        "好不滿意": 1,
        "超唔滿意": 1,
        "很不滿意": 1,
        "唔係好滿意": 2,
        "唔係幾滿意": 2,
        "唔太滿意": 2,
        "不太滿意": 2,
        "不滿意": 2,
        "唔滿意": 2,
        "非常滿意": 5,
        "十分滿意": 5,
        "極度滿意": 5,
        "好滿意": 5,
        "超滿意": 5,
        "很滿意": 5,
        "幾滿意": 4,
        "滿意": 4,
        "唔係好好": 2,
        "唔係幾好": 2,
        "非常好": 5,
        "十分好": 5,
        "好好": 5,
        "很好": 5,
        "一流": 5,
        "非常差": 1,
        "十分差": 1,
        "極差": 1,
        "好差": 1,
        "超差": 1,
        "很差": 1,
        "差勁": 1,
        "麻麻哋": 2,
        "麻麻地": 2,
        "麻麻": 2,
        "唔錯": 4,
        "不錯": 4,
        "幾好": 4,
        "一般": 3,
        "普通": 3,
        "還可以": 3,
        "還好": 3,
        "中等": 3,
    },
    "ces": {
        "非常容易": 5,
        "十分容易": 5,
        "好容易": 5,
        "超容易": 5,
        "很容易": 5,
        "非常簡單": 5,
        "好簡單": 5,
        "好易": 5,
        "非常困難": 1,
        "十分困難": 1,
        "好困難": 1,
        "很困難": 1,
        "非常難": 1,
        "好難": 1,
        "超難": 1,
        "很難": 1,
        "唔容易": 2,
        "不容易": 2,
        "唔易": 2,
        "唔難": 4,
        "不難": 4,
        "幾容易": 4,
        "容易": 4,
        "簡單": 4,
        "方便": 4,
        "困難": 2,
        "麻煩": 2,
        "難": 2,
        "易": 4,
        "一般": 3,
        "普通": 3,
        "還可以": 3,
    },
}
_CHINESE_DIGITS = CHINESE_DIGITS
_CHINESE_NUMBER = re.compile(r"[零〇一二兩三四五六七八九十]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# "滿分" (full marks) is the top of any scale.
_FULL_MARKS = "滿分"


def _chinese_number(run: str) -> int | None:
    """ "五" -> 5, "十" -> 10, "十一" -> 11, "二十" -> 20; None for a run that is not a
    number ("一二")."""
    if run in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[run]
    if "十" in run and run.count("十") == 1:
        tens, _, units = run.partition("十")
        if (tens == "" or tens in _CHINESE_DIGITS) and (units == "" or units in _CHINESE_DIGITS):
            return _CHINESE_DIGITS.get(tens, 1) * 10 + _CHINESE_DIGITS.get(units, 0)
    return None


def _chinese_reading(question: str, clean: str) -> tuple[str, set[int], set[int]] | None:
    """Read the Chinese in ``clean``: the words of the scale, then Chinese numerals.

    Returns:
        The text left for the digit and English reading, the numbers found and the
        scale words' values; None when a run of Chinese numerals is not a number.
    """
    high = SCALES[question][1]
    labels: set[int] = set()
    if _FULL_MARKS in clean:
        labels.add(high)
        clean = clean.replace(_FULL_MARKS, " ")
    for phrase, value in sorted(
        _LABELS_ZH.get(question, {}).items(), key=lambda item: -len(item[0])
    ):
        if phrase in clean:
            labels.add(value)
            clean = clean.replace(phrase, " ")
    numbers: set[int] = set()
    for run in _CHINESE_NUMBER.findall(clean):
        number = _chinese_number(run)
        if number is None:
            return None
        numbers.add(number)
    return _CHINESE_NUMBER.sub(" ", clean), numbers, labels


def _normalise(text: str) -> str:
    lowered = normalise_input(text).lower().replace("\u2019", "'")
    return " ".join(re.sub(r"[^\w'/+\-.,\u2b50\u2605\U0001f31f ]", " ", lowered).split())


def parse_score(question: str, text: str) -> int | None:
    """The score in a typed or tapped answer, or None when there is not exactly one.

    Digits ("4", "4/5", "4 out of 5", "5分"), number words ("five", "五", "十分"), stars
    and, on the 1-5 scales, words ("very satisfied", "easy", "非常滿意", "唔滿意",
    "好易") are understood. Two different numbers ("3 or 4", a tracking number),
    decimals and numbers off the scale are not answers.

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
    chinese_labels: set[int] = set()
    if _HAN.search(clean):
        reading = _chinese_reading(question, clean)
        if reading is None:
            return None
        clean, values, chinese_labels = reading
    for token in _TOKEN.findall(clean):
        if token[0].isdigit() or token[0] in "+-":
            if not token.lstrip("+-").isdigit():
                return None
            values.add(int(token))
        elif token in _NUMBER_WORDS:
            values.add(_NUMBER_WORDS[token])
    if not values and stars:
        values.add(stars)
    if not values:
        values = chinese_labels
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


# Chinese no: negations and "partly"; "冇問題" (no problem) is not one. Found first and
# blanked, so the 有 of "沒有" and the 係 of "唔係" are not read as yes.
_NO_ZH = re.compile(
    r"唔係|不是|沒有|冇|沒|無|未|否|唔算|不算|一半|部分|部份|唔完全|不完全|唔太|不太"
)
_NOT_NO_ZH = re.compile(r"冇問題|沒問題|無問題|唔該")
_STRONG_YES_ZH = re.compile(r"係|是|有|對|啱|嗯")
_YES_WORDS_ZH = re.compile(r"解決|搞掂|搞定|處理好|完全|冇問題|沒問題|無問題|得|好")


def _parse_yes_no_zh(text: str) -> bool | None:
    if len(text) > 60:
        return None
    friendly = _NOT_NO_ZH.sub(" ", text)
    negated = bool(_NO_ZH.search(friendly))
    rest = _NO_ZH.sub(" ", friendly)
    strong_yes = bool(_STRONG_YES_ZH.search(rest))
    if strong_yes and negated:
        return None
    if strong_yes:
        return True
    if negated:
        return False
    return True if _YES_WORDS_ZH.search(text) else None


def parse_yes_no(text: str) -> bool | None:
    """Whether the answer means yes (True) or no (False); None when it says neither.

    "Not really", "partly" and "it wasn't" are no: the issue was not resolved at the
    first contact. "Yes and no" is neither. In Chinese: "係", "有", "解決咗", "冇問題"
    are yes; "唔係", "冇", "未解決", "一半半" are no.
    """
    text = normalise_input(text)
    if _HAN.search(text):
        return _parse_yes_no_zh(text)
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
# Chinese: after sentence-final particles and punctuation are dropped.
_SKIP_ZH = re.compile(
    r"(?:唔該)?(?:跳過|略過|唔做|唔想做|不做|不想做|唔想答|不想答|唔答|唔使|不用|下次先|遲啲先"
    r"|下次|取消|停|停止|結束|算|拜拜|再見|冇時間|沒有時間)(?:調查|問卷|喇|啦|了|呀|啊|吖|囉|咯"
    r"|嘞|吧|先|唔該|啦唔該)*"
)
_PARTICLES_ZH = re.compile(r"[\s,.!?，。！？、~～]+")
_NO_COMMENT_ZH = re.compile(
    r"(?:冇|無|沒有|沒)(?:其他|特別)?(?:意見|嘢講|嘢|補充|評語|留言|話講)?"
    r"(?:喇|啦|了|呀|啊|吖|囉|咯|嘞|吧|唔該)*|唔該|多謝|謝謝"
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
    text = normalise_input(text)
    if _HAN.search(text):
        return bool(_SKIP_ZH.fullmatch(_PARTICLES_ZH.sub("", text)))
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


def read_answer(question: str, text: str, language: str = DEFAULT_LANGUAGE) -> Answer:
    """Read ``text`` as the answer to ``question``; skipping is checked separately.

    Args:
        question: one of :data:`bot.domain.survey.config.QUESTIONS`.
        text: what the customer wrote, in either language.
        language: the conversation's language, for :attr:`Answer.problem`.
    """
    if question in SCALES:
        score = parse_score(question, text)
        if score is None:
            low, high = SCALES[question]
            return Answer(False, problem=t("survey.problem.scale", language, low=low, high=high))
        return Answer(True, score)
    if question == "fcr":
        resolved = parse_yes_no(text)
        if resolved is None:
            return Answer(False, problem=t("survey.problem.yes_no", language))
        return Answer(True, resolved)
    if question == "comment":
        comment = text.strip()
        clean = " ".join(re.sub(r"[^\w' /]", " ", comment.lower()).split())
        folded = _PARTICLES_ZH.sub("", normalise_input(comment))
        if not comment or clean in _NO_COMMENT or _NO_COMMENT_ZH.fullmatch(folded):
            return Answer(True, "")
        if len(comment) > MAX_COMMENT_CHARS:
            return Answer(
                False,
                problem=t(
                    "survey.problem.comment_too_long",
                    language,
                    length=f"{len(comment):,}",
                    limit=f"{MAX_COMMENT_CHARS:,}",
                ),
            )
        return Answer(True, comment)
    raise ValueError(f"unknown survey question {question!r}")
