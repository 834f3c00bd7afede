"""Customers' contact details: recognise an email address or phone number, and mask it.

Phone numbers are normalised to ``+`` and digits when the country is known (``+85291234567``);
a bare 8-digit number is taken as a Hong Kong number, since that is where we are. Other
numbers without a country code are kept as digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.i18n import normalise_input

EMAIL = "email"
PHONE = "phone"

# Deliberately simpler than RFC 5322: what people actually type, with a dotted domain
# whose last label is letters, so "bob@localhost" or "bob@gmail" are queried back.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
)
# Bounded by ASCII word characters, not \w: Chinese is written without spaces and its
# characters are word characters ("電郵係jo@example.com", "電話91234567唔該").
_EMAIL_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_.@+-])" + _EMAIL.pattern + r"(?![A-Za-z0-9_@-])")
# Digits with the separators people type: spaces, dashes, dots, brackets; an optional
# leading + or 00.
_PHONE = re.compile(r"(?:\+|00)?[\d(][\d ()./-]{6,22}\d")
_PHONE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_+])" + _PHONE.pattern + r"(?![A-Za-z0-9_])")

HONG_KONG_CODE = "852"


@dataclass(frozen=True)
class Contact:
    """A way to reach a customer.

    Attributes:
        kind: ``"email"`` or ``"phone"``.
        value: normalised value: email with a lower-case domain, phone as ``+`` and
            digits (or digits only when the country is not known).
    """

    kind: str
    value: str


def _email(candidate: str) -> Contact | None:
    if len(candidate) > 254 or not _EMAIL.fullmatch(candidate):
        return None
    local, domain = candidate.rsplit("@", 1)
    if len(local) > 64:
        return None
    return Contact(EMAIL, f"{local}@{domain.lower()}")


def _phone(candidate: str) -> Contact | None:
    text = candidate.strip()
    if not _PHONE.fullmatch(text) or text.count("(") != text.count(")"):
        return None
    international = text.startswith(("+", "00"))
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    if not 8 <= len(digits) <= 15:
        return None
    if international:
        # A Hong Kong number is 852 followed by exactly eight digits.
        if digits.startswith(HONG_KONG_CODE) and len(digits) != 11:
            return None
        return Contact(PHONE, f"+{digits}")
    if len(digits) == 8:
        # Hong Kong numbers start 2-9; 1xx are service numbers nobody can be called back on.
        if digits[0] in "01":
            return None
        return Contact(PHONE, f"+{HONG_KONG_CODE}{digits}")
    return Contact(PHONE, digits)


def parse_contact(text: str) -> Contact | None:
    """Recognise an email address or phone number in what a customer typed.

    The whole text is tried first ("+852 9123 4567", "Jo@Example.COM"); failing that,
    the first email address, then the first phone number, inside a sentence ("you can
    email me at jo@example.com").

    Full-width forms are folded first ("９１２３ ４５６７", "ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"), and a
    contact written right after Chinese is found ("我電話係91234567").

    Args:
        text: the customer's answer.

    Returns:
        The contact, or None when there is no usable email address or phone number.
    """
    text = normalise_input(text)
    stripped = text.strip().strip(".,;")
    if not stripped:
        return None
    whole = _email(stripped) if "@" in stripped else _phone(stripped)
    if whole is not None:
        return whole
    for match in _EMAIL_IN_TEXT.finditer(text):
        found = _email(match.group())
        if found is not None:
            return found
    for match in _PHONE_IN_TEXT.finditer(text):
        found = _phone(match.group())
        if found is not None:
            return found
    return None


def mask_contact(value: str) -> str:
    """Hide most of a contact value so it can be written to logs.

    Args:
        value: an email address, a phone number, or anything else.

    Returns:
        ``j***@example.com`` for emails, ``+852****4567`` for phones (the country code
        and last four digits stay), otherwise the first and last characters only.
    """
    text = value.strip()
    if "@" in text:
        local, domain = text.rsplit("@", 1)
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 8 and re.fullmatch(r"\+?[\d ()./-]+", text):
        prefix = "+" if text.startswith("+") else ""
        shown = HONG_KONG_CODE if digits.startswith(HONG_KONG_CODE) and prefix else ""
        hidden = len(digits) - len(shown) - 4
        return f"{prefix}{shown}{'*' * hidden}{digits[-4:]}"
    if len(text) <= 2:
        return "*" * len(text)
    return f"{text[0]}{'*' * (len(text) - 2)}{text[-1]}"


# Dates and decimals look like digit runs too ("2026-11-25 17", "1764050000.5"); a log
# line keeps them, since they are never a customer's number.
_NOT_A_PHONE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|^\d+\.\d+$")


def mask_contacts_in_text(text: str) -> str:
    """Mask every email address and phone number found in ``text`` (for log lines).

    Email addresses are found anywhere; digit runs are masked when they read as a phone
    number (:func:`parse_contact`'s rules), which also hides a tracking number that looks
    like one: a log line loses a little detail rather than ever show a customer's number.

    Args:
        text: a log message, or any text.

    Returns:
        ``text`` with each contact replaced by :func:`mask_contact`'s form.
    """
    if "@" in text:
        text = _EMAIL_IN_TEXT.sub(
            lambda m: mask_contact(m.group()) if _email(m.group()) else m.group(), text
        )

    def phone(match: re.Match[str]) -> str:
        candidate = match.group()
        if _NOT_A_PHONE.search(candidate) or _phone(candidate) is None:
            return candidate
        return mask_contact(candidate)

    return _PHONE_IN_TEXT.sub(phone, text)
