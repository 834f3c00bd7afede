"""The fonts of the PDFs staff download (the service review), for English and Chinese.

Customers write in Traditional Chinese as well as English (complaint texts, survey
comments, account and place names), so a PDF is set in DejaVu Sans (Latin, Greek,
Cyrillic and more; Debian's fonts-dejavu-core) with Noto Sans CJK HK (the Hong Kong face
of Debian's fonts-noto-cjk) as the fallback for every character DejaVu lacks. Both are
installed by the Makefile, never downloaded at run time. fpdf2 embeds the subset of each
font a document uses, with its Unicode map, so the text can be searched and copied.

A CJK character in a bold heading is drawn in the regular CJK weight: parsing the bold
collection as well would add about 1.5 s to every document. A character neither font has
(an emoji, a script neither covers) is printed as U+FFFD by :func:`printable`, rather than
left out without a trace.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

FONT_DIR = Path("/usr/share/fonts")
TEXT_FONT = FONT_DIR / "truetype/dejavu/DejaVuSans.ttf"
TEXT_FONT_BOLD = FONT_DIR / "truetype/dejavu/DejaVuSans-Bold.ttf"
CJK_FONT = FONT_DIR / "opentype/noto/NotoSansCJK-Regular.ttc"
#: The face of the CJK collection with Hong Kong's glyph forms.
CJK_FACE = "Noto Sans CJK HK"
#: The font family documents set their text in (styles "" and "B").
FAMILY = "text"


class FontMissing(RuntimeError):
    """A font the PDF needs is not installed; the message says which package has it."""


def _need(path: Path, package: str) -> None:
    if not path.is_file():
        raise FontMissing(f"{path} is missing: install Debian's {package} (`make run` does)")


@functools.cache
def cjk_face_number(path: Path = CJK_FONT, face: str = CJK_FACE) -> int:
    """The index of ``face`` in the font collection ``path`` (read once per process).

    Raises:
        FontMissing: no such file, or no such face in it.
    """
    from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]

    _need(path, "fonts-noto-cjk")
    collection = TTCollection(str(path), lazy=True)
    try:
        for number, font in enumerate(collection.fonts):
            if font["name"].getDebugName(4) == face:
                return number
    finally:
        collection.close()
    raise FontMissing(f"{path} has no face {face!r}")


def pdf_document(title: str) -> Any:
    """An A4 fpdf2 document whose family :data:`FAMILY` (regular and bold) falls back to
    Noto Sans CJK HK for Chinese.

    Raises:
        FontMissing: a font is not installed.
    """
    from fpdf import FPDF

    _need(TEXT_FONT, "fonts-dejavu-core")
    _need(TEXT_FONT_BOLD, "fonts-dejavu-core")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(title)
    pdf.set_creator("Freight Desk")
    pdf.add_font(FAMILY, "", str(TEXT_FONT))
    pdf.add_font(FAMILY, "B", str(TEXT_FONT_BOLD))
    pdf.add_font("cjk", "", str(CJK_FONT), collection_font_number=cjk_face_number())
    pdf.set_fallback_fonts(["cjk"], exact_match=False)
    return pdf


#: What a character no font has is printed as (DejaVu has it).
REPLACEMENT = "\ufffd"


def printable(pdf: Any, text: str) -> str:
    """``text`` with every character the document's fonts cannot draw replaced by U+FFFD.

    Args:
        pdf: a document from :func:`pdf_document`.
        text: what is to be printed.
    """
    covered = [font.cmap for font in pdf.fonts.values() if getattr(font, "cmap", None)]
    return "".join(
        char if char in "\n\t" or any(ord(char) in cmap for cmap in covered) else REPLACEMENT
        for char in text
    )
