"""Chinese numerals as customers write them: 五公斤, 兩個半立方, 十分滿意.

The digit and power tables shared by every reader of Chinese numbers (weights and volumes
in :mod:`bot.domain.units`, scores in :mod:`bot.domain.survey.answers`). "兩" is the
spoken two before a measure word; "〇" and "零" both write zero.
"""

from __future__ import annotations

CHINESE_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CHINESE_POWERS: dict[str, int] = {"十": 10, "百": 100, "千": 1000, "萬": 10000}


def chinese_integer(numeral: str) -> int:
    """A whole Chinese numeral as a number: 五 -> 5, 十二 -> 12, 一百零五 -> 105, 三千 -> 3000.

    Every character must be one of :data:`CHINESE_DIGITS` or :data:`CHINESE_POWERS`.
    """
    total, section, digit = 0, 0, 0
    for char in numeral:
        if char in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[char]
        elif char == "萬":
            total += (section + digit) * 10000
            section, digit = 0, 0
        else:
            section += (digit or 1) * CHINESE_POWERS[char]
            digit = 0
    return total + section + digit
