"""The dashboard's reports over HTTP on hand-made data: the CSV export and the service
review as a page and a PDF."""

from __future__ import annotations

import csv
import io

from tests.console.harness import PERIOD, Dashboard
from tests.console.server import sign_in
from tests.domain.kpi.dashboard_data import ACME, FORMULA, PASSWORD, SCRIPT


def test_csv_export(dashboard: Dashboard) -> None:
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    response = dashboard.get(manager, f"/dashboard/export.csv?{PERIOD}")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="conversations-2026-11-01-to-2026-11-30.csv"'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    assert {r["account"] for r in rows} == {ACME, "", "'" + FORMULA}
    assert '"ACME, ""Asia"" Ltd"' in text and "\r\n" in text
    ann = next(r for r in rows if r["agent"] == "ann")
    assert (ann["channel"], ann["human_first_response_s"], ann["csat"]) == ("telegram", "90", "5")

    bot_only = dashboard.get(manager, f"/dashboard/export.csv?{PERIOD}&handled=bot_only")
    assert len(list(csv.DictReader(io.StringIO(bot_only.content.decode("utf-8-sig"))))) == 2
    assert dashboard.get(manager, "/dashboard/export.csv?from=x").status_code == 400


def test_service_review_html_and_pdf(dashboard: Dashboard) -> None:
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    page = dashboard.get(manager, "/dashboard/review?period=2026-11").text
    assert "Service review: November 2026" in page and "Damaged goods" in page
    assert SCRIPT not in page and "<style>" not in page
    pdf = dashboard.get(manager, "/dashboard/review.pdf?period=2026-11&account=" + ACME)
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert (
        'filename="service-review-2026-11-ACME___Asia__Ltd.pdf"'
        in pdf.headers["Content-Disposition"]
    )
    wrong = dashboard.get(manager, "/dashboard/review?period=November")
    assert wrong.status_code == 200 and "is not a period like 2026-11" in wrong.text
    assert dashboard.get(manager, "/dashboard/review.pdf?period=November").status_code == 400
