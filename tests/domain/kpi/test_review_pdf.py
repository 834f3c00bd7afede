"""The service review PDF prints Chinese: customers' complaints and place names come back
out of the PDF as written, in fonts embedded in it, without a warning (the test fails on
any warning fpdf2 gives, and on any glyph it reports missing)."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.domain.kpi import pdf_fonts
from bot.domain.kpi.review import build_review, parse_period, render_html, render_pdf
from bot.storage.models import ConversationFact, SurveyResponse
from tests.domain.kpi.dashboard_data import HK, T0

ACCOUNT = "長江貨運有限公司"
PRAISE = "多謝你哋！批貨由深圳準時送到洛杉磯，客服好快覆我。"
CONCERN = "個箱喺葵涌貨櫃碼頭爛咗，鹿特丹嗰批又遲咗三日，我想投訴。"


class FpdfLog:
    """What fpdf2 logs at WARNING or above while the test runs."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    @property
    def warnings(self) -> list[str]:
        return [r.getMessage() for r in self.caplog.records if r.name.startswith("fpdf")]


@pytest.fixture
def fpdf_log(caplog: pytest.LogCaptureFixture) -> Iterator[FpdfLog]:
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        yield FpdfLog(caplog)


def _seed(session: Session) -> None:
    for number, (csat, comment) in enumerate(((5, PRAISE), (1, CONCERN))):
        at = T0 + timedelta(hours=number)
        session.add(
            ConversationFact(
                sender_id=f"hk-{number}",
                session_started_at=at,
                first_event_at=at,
                last_event_at=at + timedelta(minutes=3),
                channel="telegram",
                intents="complain",
                first_intent="complain",
                user_message_count=3,
                fallback_count=0,
                handed_off=False,
                account=ACCOUNT,
                language="zh",
            )
        )
        session.add(
            SurveyResponse(
                response_id=f"zh-{number}",
                sender_id=f"hk-{number}",
                channel="telegram",
                agent="陳小姐",
                service="complain",
                account=ACCOUNT,
                csat=csat,
                comment=comment,
                offered_at=at + timedelta(minutes=4),
                answered_at=at + timedelta(minutes=5),
                language="zh",
            )
        )
    session.flush()


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "review.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return "".join(done.stdout.split())  # lines wrap inside a comment


def _fonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in done.stdout.splitlines()[2:]]


@pytest.mark.filterwarnings("error")
def test_a_chinese_review_prints_every_character_in_embedded_fonts(
    session: Session, tmp_path: Path, fpdf_log: FpdfLog
) -> None:
    _seed(session)
    review = build_review(session, parse_period("2026-11"), HK, account=ACCOUNT)
    assert [c.comment for c in review.praise] == [PRAISE]
    page = render_html(review, HK)
    assert '<tr data-language="zh"><td lang="zh">中文</td><td>2</td>' in page
    pdf = render_pdf(review, HK)

    assert fpdf_log.warnings == []
    text = _text(pdf, tmp_path)
    for words in (ACCOUNT, PRAISE, CONCERN, "agent陳小姐", "Servicereview:November2026"):
        assert "".join(words.split()) in text, words
    assert "\ufffd" not in text
    # The KPIs per language: two Chinese conversations, none in English.
    assert "Byconversationlanguage" in text and "中文2100%" in text and "English0-" in text
    fonts = _fonts(pdf, tmp_path)
    names = [line[0].split("+")[-1] for line in fonts]
    assert sorted(names) == ["DejaVuSansBold", "DejaVuSansBook", "NotoSansCJKHK"]
    # Every font is embedded (emb), as a subset (sub), with a Unicode map (uni).
    assert all(line[-5:-2] == ["yes", "yes", "yes"] for line in fonts), fonts


def test_a_character_no_font_has_is_marked_not_dropped(tmp_path: Path, fpdf_log: FpdfLog) -> None:
    pdf = pdf_fonts.pdf_document("test")
    pdf.add_page()
    pdf.set_font(pdf_fonts.FAMILY, size=10)
    pdf.cell(0, 5, pdf_fonts.printable(pdf, "好 🚢 ok"))
    assert fpdf_log.warnings == []
    assert _text(bytes(pdf.output()), tmp_path) == "好\ufffdok"

    # Without printable(), fpdf2 drops the glyph with only a log line: what the test above
    # would catch.
    raw = pdf_fonts.pdf_document("test")
    raw.add_page()
    raw.set_font(pdf_fonts.FAMILY, size=10)
    raw.cell(0, 5, "好 🚢 ok")
    raw.output()
    assert any("missing the following glyphs" in m for m in fpdf_log.warnings)


def test_a_missing_font_says_which_package_has_it(tmp_path: Path) -> None:
    with pytest.raises(pdf_fonts.FontMissing, match="fonts-noto-cjk"):
        pdf_fonts.cjk_face_number(tmp_path / "NotoSansCJK-Regular.ttc")
    with pytest.raises(pdf_fonts.FontMissing, match="no face 'Noto Sans CJK XX'"):
        pdf_fonts.cjk_face_number(pdf_fonts.CJK_FONT, "Noto Sans CJK XX")
