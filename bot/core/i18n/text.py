"""What a customer typed, made comparable before it is read.

NFKC turns full-width digits, letters and punctuation (１６０－４８２１９３７１, ＡＷＢ) into
their ASCII forms; OpenCC's ``s2hk`` turns Simplified Chinese into Traditional as written
in Hong Kong, so one set of Chinese words, names and training examples serves both.
The fullwidth hyphen-minus and the ideographic full stop and comma are mapped too, since
customers type them next to numbers. Hand-written glue: unicodedata and OpenCC do the work.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc

# Dashes customers type between digit groups, after NFKC: the hyphen, non-breaking hyphen,
# figure dash, en and em dash, minus sign, and the Chinese wave dash.
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2212\u301c\uff5e]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@functools.lru_cache(maxsize=1)
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2hk")


def normalise_input(text: str) -> str:
    """``text`` with full-width forms folded (NFKC), dashes made "-", and Simplified Chinese
    written in Traditional (Hong Kong). Text without Chinese is changed only by NFKC.

    >>> normalise_input("查下１６０－４８２１９３７１")
    '查下160-48219371'
    >>> normalise_input("我的包裹什么时候到")
    '我的包裹什麼時候到'
    """
    folded = _DASHES.sub("-", unicodedata.normalize("NFKC", text))
    if _HAN.search(folded):
        folded = _to_traditional().convert(folded)
    return folded
