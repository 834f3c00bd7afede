"""Recognise tracking numbers in what customers type, and check their check digits.

Four kinds of number are recognised; each has a check digit, so a mistyped number is
caught before we look it up and the customer can be told what looks wrong:

``air_waybill``
    IATA air waybill: 3-digit airline prefix and 8-digit serial whose last digit is the
    first seven digits mod 7. Shown as ``160-12345675``.
``container``
    ISO 6346 container number: 3-letter owner code, category letter (U, J or Z),
    6-digit serial and check digit. Shown as ``MSCU1234566``.
``postal``
    UPU S10 postal item: 2 letters, 8 digits, check digit, 2-letter ISO country code.
    Shown as ``RR123456785HK``.
``express``
    Our express waybill: 10 digits whose last digit is the first nine mod 7 (the scheme
    several express carriers use). Shown as ``1234567890``.

We deliberately accept no format *without* a check digit. A bare run of digits without
one cannot be told apart from a phone or order number in a chat message, and a mistyped
one could only ever be answered with "not found", which sends customers to the phone.

Customers type numbers with spaces, dashes and in any case ("awb 160 1234 5675",
"mscu 123456 6", "rr 123 456 785 hk"), right next to Chinese characters and in
full-width digits ("查下１６０－４８２１９３７１去咗邊"); :func:`find_tracking_numbers` folds
full-width forms first and tolerates all that while avoiding hits on weights, phone
numbers and dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.i18n import normalise_input, t

AIR_WAYBILL = "air_waybill"
CONTAINER = "container"
POSTAL = "postal"
EXPRESS = "express"

#: Every kind of number this module recognises.
KINDS: tuple[str, ...] = (AIR_WAYBILL, CONTAINER, POSTAL, EXPRESS)


def kind_label(kind: str, language: str = "en") -> str:
    """How a kind of number is named to a customer: "air waybill" / "空運提單"
    (``locales/<language>/tracking.yml``)."""
    return t(f"tracking.kind.{kind}", language)


# ISO 3166-1 alpha-2, which S10 numbers end with.
_COUNTRY_CODE_LIST = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
_COUNTRY_CODES = frozenset(_COUNTRY_CODE_LIST.split())

# ISO 6346 letter values: A=10 upwards, skipping multiples of 11 (11, 22, 33).
_CONTAINER_LETTER_VALUES: dict[str, int] = {}
_value = 10
for _letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    if _value % 11 == 0:
        _value += 1
    _CONTAINER_LETTER_VALUES[_letter] = _value
    _value += 1
del _value, _letter

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


@dataclass(frozen=True)
class TrackingNumber:
    """A tracking number as found in a message.

    Attributes:
        raw: the text as the customer typed it.
        number: the normalised form we store and show (``160-12345675``).
        kind: one of :data:`KINDS`.
        valid: whether the check digit (and, for postal items, the country code) is right.
        problem_key: when not valid, the catalogue key of the sentence saying what looks
            wrong (``tracking.problem.*``), and ``problem_params`` its placeholders.
    """

    raw: str
    number: str
    kind: str
    valid: bool
    problem_key: str | None = None
    problem_params: tuple[tuple[str, str], ...] = ()

    @property
    def kind_label(self) -> str:
        """How the kind is named in English, e.g. ``"air waybill"``."""
        return kind_label(self.kind)

    def problem_in(self, language: str) -> str | None:
        """When not valid, a sentence for the customer saying what looks wrong, in
        ``language``; None for a valid number."""
        if self.problem_key is None:
            return None
        return t(self.problem_key, language, **dict(self.problem_params))

    @property
    def problem(self) -> str | None:
        """:meth:`problem_in` English (operators' messages, the shipment import)."""
        return self.problem_in("en")


def awb_check_digit(serial7: str) -> int:
    """Return the check digit of an air waybill serial from its first seven digits."""
    return int(serial7) % 7


def express_check_digit(first9: str) -> int:
    """Return the check digit of an express waybill from its first nine digits."""
    return int(first9) % 7


def container_check_digit(first10: str) -> int:
    """Return the ISO 6346 check digit of a container number's first ten characters.

    Args:
        first10: owner code, category letter and 6-digit serial, e.g. ``"MSCU123456"``.
    """
    total = 0
    for position, char in enumerate(first10.upper()):
        value = _CONTAINER_LETTER_VALUES[char] if char.isalpha() else int(char)
        total += value * 2**position
    return total % 11 % 10


def s10_check_digit(serial8: str) -> int:
    """Return the UPU S10 check digit of a postal item's eight serial digits."""
    remainder = 11 - sum(int(d) * w for d, w in zip(serial8, _S10_WEIGHTS, strict=True)) % 11
    if remainder == 10:
        return 0
    if remainder == 11:
        return 5
    return remainder


# "160-1234567" is an air waybill with a digit missing, not an express waybill.
_DASHED_PREFIX = re.compile(r"\s*\d{3}\s*-\s*\d")
_CONTAINER_COMPACT = re.compile(r"[A-Z]{3}[UJZ]\d{7}")
_POSTAL_COMPACT = re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}")


def _parse_compact(compact: str, raw: str) -> TrackingNumber | None:
    """Parse a number with separators removed and letters upper-cased."""
    if compact.isdigit() and len(compact) == 11:
        prefix, serial = compact[:3], compact[3:]
        expected = awb_check_digit(serial[:7])
        number = f"{prefix}-{serial}"
        if int(serial[7]) == expected:
            return TrackingNumber(raw, number, AIR_WAYBILL, True)
        return TrackingNumber(
            raw,
            number,
            AIR_WAYBILL,
            False,
            "tracking.problem.air_waybill",
            (("start", f"{prefix}-{serial[:7]}"), ("expected", str(expected))),
        )
    if compact.isdigit() and len(compact) == 10 and not _DASHED_PREFIX.match(raw):
        expected = express_check_digit(compact[:9])
        if int(compact[9]) == expected:
            return TrackingNumber(raw, compact, EXPRESS, True)
        return TrackingNumber(
            raw,
            compact,
            EXPRESS,
            False,
            "tracking.problem.express",
            (("start", compact[:9]), ("expected", str(expected))),
        )
    if _CONTAINER_COMPACT.fullmatch(compact):
        expected = container_check_digit(compact[:10])
        if int(compact[10]) == expected:
            return TrackingNumber(raw, compact, CONTAINER, True)
        return TrackingNumber(
            raw,
            compact,
            CONTAINER,
            False,
            "tracking.problem.container",
            (("start", compact[:10]), ("expected", str(expected))),
        )
    if _POSTAL_COMPACT.fullmatch(compact):
        country = compact[11:]
        if country not in _COUNTRY_CODES:
            return TrackingNumber(
                raw,
                compact,
                POSTAL,
                False,
                "tracking.problem.postal_country",
                (("country", country),),
            )
        expected = s10_check_digit(compact[2:10])
        if int(compact[10]) == expected:
            return TrackingNumber(raw, compact, POSTAL, True)
        return TrackingNumber(
            raw,
            compact,
            POSTAL,
            False,
            "tracking.problem.postal",
            (("start", compact[:10]), ("country", country), ("expected", str(expected))),
        )
    return None


# Words that tell us a nearby number is meant as a tracking number. A mistyped number is
# only reported when the customer said so (or typed it in a form no other number takes);
# otherwise a bare digit run must have a correct check digit to count.
_TRACKING_WORDS = re.compile(
    r"\b(?:m?awb|hawb|air\s*way\s*bill|way\s*bill|track(?:ing)?|trace|shipment|consignment"
    r"|parcel|package|cargo|delivery|express|courier|where\s+is|status)\b",
    re.IGNORECASE,
)
_PHONE_WORDS = re.compile(
    r"\b(?:tel|phone|mobile|cell|whats\s*app|call|fax|contact|reach|sms|text)\b",
    re.IGNORECASE,
)
# The same signals in Chinese, which has no spaces between words (so no \b): "我嘅貨件160-...",
# "打電話俾我 9123 4567".
_TRACKING_WORDS_ZH = re.compile(
    r"追蹤|追踪|查件|查詢|查下|查吓|查一查|幫我查|查|單號|運單|提單|貨件|貨物|包裹|件貨|批貨|個件"
    r"|速遞|快遞|派送|送貨|到貨|空運|海運|貨櫃|去咗邊|到咗邊|到咗未|幾時到|狀態|喺邊"
)
_PHONE_WORDS_ZH = re.compile(r"電話|手機|致電|打俾|打畀|覆電|聯絡|聯繫|微信|短訊|傳真")
_CONTEXT_CHARS = 30

_CONTAINER_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{3}[UJZujz])[ \-]?((?:\d[ \-]?){6}\d)(?![A-Za-z0-9])"
)
_POSTAL_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{2})[ \-]?((?:\d[ \-]?){8}\d)[ \-]?([A-Za-z]{2})(?![A-Za-z0-9])"
)
# Runs of digits joined by a single space or a dash, e.g. "160 1234 5675", "160-12345675".
_DIGIT_GROUP = re.compile(r"(?<![0-9])\d+(?:(?:[ \t]?-[ \t]?|[ \t])\d+)*(?![0-9])")
_DIGIT_RUN = re.compile(r"\d+")
_GLUED_PREFIX = re.compile(r"(?:m?awb|hawb|no|#)[:.]?$", re.IGNORECASE)

# How customers group numbers when nothing else says they are tracking numbers; any
# grouping is accepted after a word such as "awb" or "tracking".
_AWB_GROUPINGS: tuple[tuple[int, ...], ...] = ((11,), (3, 8), (3, 4, 4))
_EXPRESS_GROUPINGS: tuple[tuple[int, ...], ...] = ((10,), (2, 4, 4), (5, 5))


def _is_latin(char: str) -> bool:
    """Whether ``char`` is a letter of a Latin alphabet (not a Chinese character)."""
    return char.isalpha() and ord(char) < 0x2E80


def _compact(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text).upper()


def _context_before(text: str, start: int) -> tuple[bool, bool]:
    """Tell whether tracking words and phone words come shortly before ``start``.

    The nearer one wins, so "call me on 9123 4567, my awb is ..." still finds the awb.
    """
    window = text[max(0, start - _CONTEXT_CHARS) : start]
    tracking = [m.end() for m in _TRACKING_WORDS.finditer(window)]
    tracking += [m.end() for m in _TRACKING_WORDS_ZH.finditer(window)]
    phone = [m.end() for m in _PHONE_WORDS.finditer(window)]
    phone += [m.end() for m in _PHONE_WORDS_ZH.finditer(window)]
    if window.rstrip().endswith("+"):
        return False, True
    if tracking and phone:
        return (True, False) if max(tracking) > max(phone) else (False, True)
    return bool(tracking), bool(phone)


def _digit_candidates(
    text: str, taken: list[tuple[int, int]], intent: bool
) -> list[tuple[int, TrackingNumber]]:
    found: list[tuple[int, TrackingNumber]] = []
    for group in _DIGIT_GROUP.finditer(text):
        if any(start < group.end() and group.start() < end for start, end in taken):
            continue
        runs = [
            (group.start() + m.start(), group.start() + m.end())
            for m in _DIGIT_RUN.finditer(group.group())
        ]
        i = 0
        while i < len(runs):
            match = _best_window(text, runs, i, intent)
            if match is None:
                i += 1
                continue
            j, candidate = match
            found.append((runs[i][0], candidate))
            i = j + 1
    return found


def _best_window(
    text: str, runs: list[tuple[int, int]], i: int, told: bool
) -> tuple[int, TrackingNumber] | None:
    """Find the longest tracking number made of runs ``i..j``, or None.

    ``told`` means the caller knows the text is a tracking number.
    """
    start = runs[i][0]
    before = text[:start]
    # Only Latin letters glue a number into a code; Chinese is written without spaces, so
    # "查下160-48219371去咗邊" has the number standing on its own.
    glued = bool(before) and _is_latin(before[-1])
    if glued and not _GLUED_PREFIX.search(before):
        return None  # part of a word or code such as "A1234567890"
    intent, phone = _context_before(text, start)
    intent = intent or glued or told
    best: tuple[int, TrackingNumber] | None = None
    total = 0
    for j in range(i, len(runs)):
        total += runs[j][1] - runs[j][0]
        if total > 11:
            break
        end = runs[j][1]
        if end < len(text) and _is_latin(text[end]):
            continue  # "1234567890kg", "12345678901st" and the like
        lengths = tuple(e - s for s, e in runs[i : j + 1])
        raw = text[start:end]
        if total == 11:
            groupings = _AWB_GROUPINGS
        elif total == 10:
            groupings = _EXPRESS_GROUPINGS
        else:
            continue
        candidate = _parse_compact(_compact(raw), raw)
        if candidate is None or (phone and not intent):
            continue
        dashed_awb = total == 11 and lengths == (3, 8) and "-" in raw
        if not (intent or lengths in groupings):
            continue
        if candidate.valid or intent or dashed_awb:
            best = (j, candidate)
    return best


def _find(text: str, intent: bool) -> list[TrackingNumber]:
    found: list[tuple[int, TrackingNumber]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_CONTAINER_IN_TEXT, _POSTAL_IN_TEXT):
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            candidate = _parse_compact(_compact(match.group()), match.group())
            if candidate is not None:
                found.append((match.start(), candidate))
                taken.append(match.span())
    digits = _digit_candidates(text, taken, intent)
    found.extend(digits)
    found.sort(key=lambda item: item[0])
    seen: set[str] = set()
    result: list[TrackingNumber] = []
    for _, candidate in found:
        if candidate.number not in seen:
            seen.add(candidate.number)
            result.append(candidate)
    return result


def find_tracking_numbers(text: str) -> list[TrackingNumber]:
    """Find every tracking number in a customer's free-text message.

    Separators, case and words such as "awb" around the number are tolerated. Container
    and postal numbers are always reported, with ``valid=False`` when mistyped, because
    their letter-digit-letter shape is unmistakable. A digit-only number is reported
    when its check digit is right, or, if wrong, when the customer signalled a tracking
    number ("awb", "tracking", "shipment", or the ``160-12345675`` form); numbers after
    "call", "phone", "+" and the like are left alone.

    Args:
        text: the message as typed; full-width digits and letters are folded first.

    Returns:
        The numbers in the order they appear, each once.
    """
    return _find(normalise_input(text), intent=False)


def check_tracking_number(text: str) -> TrackingNumber | None:
    """Check one number that the customer gave as a tracking number.

    Args:
        text: the number in any accepted spelling, optionally with a word such as "awb".

    Returns:
        The parsed number (``valid=False`` with a ``problem`` if the check digit is
        wrong), or None when it matches none of the known formats.
    """
    stripped = normalise_input(text).strip()
    if re.fullmatch(r"[A-Za-z0-9 \-.]+", stripped):
        candidate = _parse_compact(_compact(stripped), stripped)
        if candidate is not None:
            return candidate
    found = _find(stripped, intent=True)
    return found[0] if found else None
