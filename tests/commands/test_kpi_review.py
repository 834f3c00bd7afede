"""``python -m bot kpi review`` and the targets' audit from the CLI, in a subprocess."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.storage import db
from bot.storage.models import KpiTargetChange
from tests.commands.test_kpi import _run
from tests.domain.kpi.dashboard_data import ACME, seed
from tests.domain.kpi.test_dashboard import _pdf_text


def test_review_as_pdf_and_html(sqlite_database_url: str, tmp_path: Path) -> None:
    db.upgrade(sqlite_database_url)
    with db.session_scope(db.get_engine(sqlite_database_url)) as session:
        seed(session, users=False)

    out = tmp_path / "review.pdf"
    done = _run(
        sqlite_database_url, tmp_path, "review", "--period", "2026-11", "--format", "pdf",
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Service review 2026-11 (all customers) written to" in done.stdout
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"Containment (no handoff)" in _pdf_text(pdf)

    page = tmp_path / "acme.html"
    done = _run(
        sqlite_database_url, tmp_path, "review", "--period", "2026-11", "--account", ACME,
        "--out", str(page),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert "key account ACME, &#34;Asia&#34; Ltd" in html and "Damaged goods" in html

    wrong = _run(sqlite_database_url, tmp_path, "review", "--period", "Nov", "--out", str(page))
    assert wrong.returncode != 0 and "not a period like 2026-11" in wrong.stderr


def test_targets_set_from_the_cli_is_audited(sqlite_database_url: str, tmp_path: Path) -> None:
    db.upgrade(sqlite_database_url)
    done = _run(
        sqlite_database_url, tmp_path, "targets", "set", "nps", "35", "--benchmark", "28",
        "--source", "Industry 2026",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with db.session_scope(db.get_engine(sqlite_database_url)) as session:
        change = session.scalars(select(KpiTargetChange)).one()
    assert (change.code, change.target, change.benchmark) == ("nps", 35.0, 28.0)
    assert change.actor.startswith("cli:")
