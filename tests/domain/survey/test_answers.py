"""Reading typed and tapped survey answers."""

from __future__ import annotations

import pytest

from bot.domain.survey.answers import (
    MAX_COMMENT_CHARS,
    is_skip,
    parse_score,
    parse_yes_no,
    read_answer,
)


@pytest.mark.parametrize(
    ("question", "text", "score"),
    [
        ("csat", "4", 4),
        ("csat", " 5 ", 5),
        ("csat", "five", 5),
        ("csat", "Four!", 4),
        ("csat", "4/5", 4),
        ("csat", "4 out of 5", 4),
        ("csat", "I'd give it a 3, thanks", 3),
        ("csat", "\u2b50\u2b50\u2b50\u2b50", 4),
        ("csat", "very satisfied", 5),
        ("csat", "satisfied", 4),
        ("csat", "dissatisfied", 2),
        ("ces", "very easy", 5),
        ("ces", "difficult", 2),
        ("nps", "0", 0),
        ("nps", "10", 10),
        ("nps", "ten", 10),
        ("nps", "9 out of 10", 9),
        ("nps", "zero", 0),
        # Chinese, Cantonese, Simplified and full-width.
        ("csat", "五分", 5),
        ("csat", "4分", 4),
        ("csat", "俾三分", 3),
        ("csat", "４", 4),
        ("csat", "非常滿意", 5),
        ("csat", "十分滿意", 5),
        ("csat", "好滿意呀", 5),
        ("csat", "滿意", 4),
        ("csat", "唔滿意", 2),
        ("csat", "好唔滿意", 1),
        ("csat", "不满意", 2),
        ("csat", "一般啦", 3),
        ("csat", "麻麻哋", 2),
        ("csat", "滿分", 5),
        ("ces", "好容易", 5),
        ("ces", "唔易", 2),
        ("ces", "好難", 1),
        ("nps", "十分", 10),
        ("nps", "10分", 10),
        ("nps", "九", 9),
        ("nps", "零分", 0),
    ],
)
def test_scores_are_read(question: str, text: str, score: int) -> None:
    assert parse_score(question, text) == score


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("csat", "6"),
        ("csat", "0"),
        ("csat", "-1"),
        ("csat", "4.5"),
        ("csat", "3 or 4"),
        ("csat", "160-12345675"),
        ("csat", "not satisfied"),
        ("csat", "banana"),
        ("csat", ""),
        ("csat", "4" * 300),
        ("ces", "not easy"),
        ("nps", "11"),
        ("nps", "very satisfied"),
        ("csat", "六分"),
        ("csat", "三至四分"),
        ("csat", "一二"),
        ("csat", "唔知"),
        ("nps", "十一分"),
    ],
)
def test_what_is_not_one_score_on_the_scale_is_not_an_answer(question: str, text: str) -> None:
    assert parse_score(question, text) is None


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("yes", True),
        ("Yes", True),
        ("yep, thanks", True),
        ("it was resolved", True),
        ("no", False),
        ("No", False),
        ("nope", False),
        ("not really", False),
        ("it wasn't", False),
        ("partly", False),
        ("not resolved", False),
        ("yes and no", None),
        ("kind of", None),
        ("banana", None),
        ("係", True),
        ("有", True),
        ("解決咗", True),
        ("係呀搞掂咗", True),
        ("冇問題", True),
        ("冇", False),
        ("沒有", False),
        ("唔係", False),
        ("未解決", False),
        ("一半半", False),
        ("係但係未完全解決", None),
        ("唔知", None),
        ("香蕉", None),
    ],
)
def test_yes_and_no_are_read(text: str, resolved: bool | None) -> None:
    assert parse_yes_no(text) is resolved


@pytest.mark.parametrize(
    "text",
    [
        "Skip",
        "skip survey",
        "Skip survey",
        "no thanks",
        "No, thank you",
        "not now",
        "stop",
        "bye",
        "跳過",
        "跳过",
        "唔做喇",
        "唔使喇，唔該",
        "下次先啦",
        "取消",
    ],
)
def test_skipping_words(text: str) -> None:
    assert is_skip(text)


@pytest.mark.parametrize(
    "text",
    ["no", "yes", "4", "skipper was rude", "stop sending me spam", "五分", "唔滿意", "停車場好遠"],
)
def test_answers_are_not_skips(text: str) -> None:
    assert not is_skip(text)


def test_a_comment_is_kept_as_written_and_no_comment_is_empty() -> None:
    assert read_answer("comment", "  Quick and friendly.  ").value == "Quick and friendly."
    assert read_answer("comment", "No comment").value == ""
    assert read_answer("comment", "nothing").valid


def test_a_comment_that_is_too_long_is_refused_not_cut() -> None:
    answer = read_answer("comment", "x" * (MAX_COMMENT_CHARS + 1))
    assert not answer.valid
    assert "2,001 characters" in answer.problem


def test_an_invalid_answer_says_what_is_wanted() -> None:
    assert read_answer("nps", "lots").problem == "Please answer with a number from 0 to 10"
    assert read_answer("fcr", "maybe").problem == 'Please answer "yes" or "no"'
    assert read_answer("fcr", "Yes").value is True


@pytest.mark.parametrize("text", ["冇", "冇意見", "沒有了", "冇嘢講喇", "唔該"])
def test_no_comment_in_chinese_is_empty(text: str) -> None:
    assert read_answer("comment", text) == read_answer("comment", "no comment")


def test_a_chinese_comment_is_kept_as_written() -> None:
    assert read_answer("comment", "司機好有禮貌，多謝！").value == "司機好有禮貌，多謝！"


def test_an_invalid_answer_says_what_is_wanted_in_chinese() -> None:
    assert read_answer("nps", "好多", "zh").problem == "請用 0 至 10 嘅數字回答"
    assert read_answer("fcr", "香蕉", "zh").problem == "請回答「係」或者「唔係」"
    long = read_answer("comment", "字" * (MAX_COMMENT_CHARS + 1), "zh")
    assert not long.valid and "2,001 個字元" in long.problem
