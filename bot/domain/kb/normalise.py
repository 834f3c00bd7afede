"""Text normalisation shared by term, place and mode lookup.

Customers type the same thing many ways: "B/L", "b.l.", "BL", "Bill-of-Lading". Everything
that is compared against the knowledge base goes through :func:`normalise_text` first, so
that the YAML and the customer's message meet in one canonical form.
"""

from __future__ import annotations

import re
import unicodedata

# Single letters joined by "." or "/" ("b/l", "e.t.a.", "u.s.a", "w/m"): an abbreviation,
# so the separators are dropped rather than turned into spaces. A trailing "s" is kept so
# that "b/ls" can still be recognised as a plural later.
_DOTTED_ABBREVIATION = re.compile(r"(?<![a-z0-9])((?:[a-z][./]){1,}[a-z])(s?)\.?(?![a-z0-9])")
_APOSTROPHES = re.compile(r"['\u2018\u2019`]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise_text(text: str) -> str:
    """Return ``text`` lowercased, with abbreviations joined and punctuation as spaces.

    Args:
        text: any customer text or knowledge base string.

    Returns:
        Space-separated lowercase words, e.g. ``"B/L?"`` -> ``"bl"``,
        ``"Door-to-door"`` -> ``"door to door"``, ``"C&F"`` -> ``"c and f"``.
    """
    # Decompose accents and drop the marks, so "Montréal" and "São Paulo" match plain text.
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    # "what's" -> "whats", "shipper's" -> "shippers": apostrophes never separate words.
    text = _APOSTROPHES.sub("", text)
    text = text.replace("&", " and ").replace("+", " plus ")
    text = _DOTTED_ABBREVIATION.sub(
        lambda m: m.group(1).replace(".", "").replace("/", "") + m.group(2), text
    )
    return _NOT_WORD.sub(" ", text).strip()


# A code in capitals with a lowercase plural "s": "TEUs", "PODs", "GAs".
_CAPITAL_PLURAL = re.compile(r"(?<![A-Za-z0-9])[A-Z](?:[A-Z./]*[A-Z])?s(?![A-Za-z0-9])")
# An abbreviation with separators and a plural "s": "b/ls", "B/Ls", "a.w.b.s".
_SEPARATED_PLURAL = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z][./])+[A-Za-z]s\.?(?![A-Za-z0-9])")


def abbreviation_plurals(text: str) -> set[str]:
    """Words of ``text`` that are plainly plurals of abbreviations, in normalised form.

    Args:
        text: raw customer text.

    Returns:
        e.g. ``{"teus", "bls"}`` for ``"two TEUs and three b/ls"``. Lowercase words such
        as "gas" or "pods" are not included: they are ordinary words far more often.
    """
    found = _CAPITAL_PLURAL.findall(text) + _SEPARATED_PLURAL.findall(text)
    return {normalise_text(word) for word in found}


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPACES = re.compile(r"\s+")


def has_chinese(text: str) -> bool:
    """Whether ``text`` contains Chinese (Han) characters."""
    return bool(_HAN.search(text))


def normalise_chinese(text: str) -> str:
    """``text`` made comparable for Chinese phrase lookup.

    Full-width forms are folded and Simplified Chinese written in Traditional (Hong Kong)
    by :func:`bot.core.i18n.normalise_input`, Latin letters lowercased and white space
    dropped, since Chinese is written without spaces: ``"滯期 費"``, ``"滞期费"`` and
    ``"滯期費"`` all become ``"滯期費"``.
    """
    from bot.core.i18n import normalise_input

    return _SPACES.sub("", normalise_input(text)).lower()
