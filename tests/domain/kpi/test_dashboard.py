"""The dashboard's figures on hand-made data with known answers, on SQLite and PostgreSQL:
filtered tiles, trends, the per-agent table and hints, the conversation log, comments, the
CSV export, targets from the form, and the service review (HTML and PDF)."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.domain.kpi import conversations as log
from bot.domain.kpi.dashboard import NO_FILTERS, Filters, agent_rows, previous_period, tiles, trends
from bot.domain.kpi.hints import HintRule, HintRules, HintsError, load_hint_rules
from bot.domain.kpi.review import build_review, parse_period, render_html, render_pdf
from bot.domain.kpi.targets import TargetFormError, recent_changes, save_target
from tests.domain.kpi.dashboard_data import ACME, END, EXPECTED, FORMULA, HK, SCRIPT, START, seed


def _values(session: Session, filters: Filters = NO_FILTERS) -> dict[str, float | None]:
    return {t.kpi.code: t.value for t in tiles(session, START, END, HK, filters) if t.applies}


def test_tiles_match_the_hand_worked_figures(session: Session) -> None:
    seed(session)
    found = {t.kpi.code: t for t in tiles(session, START, END, HK, with_previous=True)}
    for code, expected in EXPECTED.items():
        assert found[code].value == pytest.approx(expected, abs=0.01), code
    # October had one contained conversation: containment fell from 100 to 50.
    assert found["containment"].previous == 100.0
    assert found["containment"].change == "worse"
    # Default targets: containment 70 (amber 60) -> red; CSAT 66.67 vs 85 (amber 80) -> red;
    # bot first response median 600 ms vs 1000 -> green.
    assert found["containment"].status == "red"
    assert found["bot_frt_p50"].status == "green"


def test_filters_narrow_every_source(session: Session) -> None:
    seed(session)
    ann = _values(session, Filters(agent="ann"))
    assert ann["csat"] == 100.0 and ann["human_frt_p50"] == 90.0 and ann["promise_kept"] == 100.0
    assert ann["containment"] == 0.0  # her one conversation was handed off

    telegram = _values(session, Filters(channel="telegram"))
    assert telegram["escalation"] == 100.0 and telegram["csat"] == 100.0

    bot_only = _values(session, Filters(handled="bot_only"))
    assert bot_only["containment"] == 100.0 and bot_only["fallback"] == 25.0  # 1 of 4
    assert "human_frt_p50" in bot_only and bot_only["human_frt_p50"] is None

    # An account's complaints and handoffs carry the account of its customers (c1, c2).
    acme = _values(session, Filters(account=ACME))
    assert acme["containment"] == 50.0 and acme["promise_kept"] == 100.0
    assert acme["human_frt_p50"] == 90.0

    # A team's complaints are those assigned to its members.
    express = _values(session, Filters(team="express"))
    assert express["promise_kept"] == 50.0 and express["escalation"] == 100.0

    by_service = tiles(session, START, END, HK, Filters(intent="get_quote"))
    applies = {t.kpi.code: t.applies for t in by_service}
    assert applies["containment"] and not applies["human_frt_p50"]  # handoffs know no intent


def test_trend_buckets_are_local_days(session: Session) -> None:
    seed(session)
    parts, series = trends(session, START, END, HK)
    assert len(parts) == 30 and parts[9].start == date(2026, 11, 10)
    containment = series["containment"]
    assert containment is not None
    assert containment[9] == (50.0, 2)  # c1 and c2 on 10 Nov
    assert containment[10] == (0.0, 1) and containment[11] == (100.0, 1)
    assert containment[0] == (None, 0)
    frt = series["bot_frt_p50"]
    assert frt is not None and frt[9] == (800.0, 2)  # 800 and 1200: the lower middle

    weeks, weekly = trends(session, date(2026, 9, 1), date(2026, 11, 30), HK)
    assert len(weeks) == 13 and weeks[0].label.startswith("w/c")
    assert sum(n for _v, n in weekly["containment"] or []) == 5


def test_previous_period() -> None:
    assert previous_period(date(2026, 11, 1), date(2026, 11, 30)) == (
        date(2026, 10, 1),
        date(2026, 10, 31),
    )
    assert previous_period(date(2026, 11, 8), date(2026, 11, 14)) == (
        date(2026, 11, 1),
        date(2026, 11, 7),
    )


def test_agent_table_with_hints(session: Session) -> None:
    seed(session)
    rules = HintRules(
        recognition=(HintRule("csat", "Customers love them", at_least=90),),
        coaching=(
            HintRule("handling_p50", "Long handling", at_least=1200),
            HintRule("csat", "Needs 2 answers", at_most=50, min_n=2),
        ),
    )
    rows = {row.agent: row for row in agent_rows(session, START, END, HK, hints=rules)}
    assert set(rows) == {"ann", "bob", "sue", "lee"}  # managers only when they took one
    assert rows["ann"].conversations == 1 and rows["ann"].recognition == ["Customers love them"]
    assert rows["bob"].figures["handling_p50"] == (1380.0, 1)
    assert rows["bob"].coaching == ["Long handling"]  # min_n 2 keeps the CSAT rule quiet
    assert rows["sue"].figures["csat"] == (None, 0) and not rows["sue"].recognition

    team = agent_rows(session, START, END, HK, agents=["ann", "bob"], hints=rules)
    assert [row.agent for row in team] == ["ann", "bob"]


def test_hints_file_is_validated(tmp_path: Path) -> None:
    shipped = load_hint_rules()
    assert shipped.recognition and shipped.coaching

    def broken(text: str) -> str:
        path = tmp_path / "hints.yml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(HintsError) as caught:
            load_hint_rules(path)
        return str(caught.value)

    assert "coaching[0].kpi: 'csatt' is not a KPI code" in broken(
        "coaching:\n  - {kpi: csatt, at_least: 1, text: x}\n"
    )
    assert "exactly one of at_least and at_most" in broken(
        "recognition:\n  - {kpi: csat, at_least: 1, at_most: 2, text: x}\n"
    )
    assert "recognition[0].at_least: 'high' should be a number" in broken(
        "recognition:\n  - {kpi: csat, at_least: high, text: x}\n"
    )
    assert "recognition[0].text" in broken("recognition:\n  - {kpi: csat, at_least: 1}\n")
    assert "colour: unknown entry" in broken("colour: red\n")
    assert "is not valid YAML" in broken("recognition: [\n")
    assert str(tmp_path / "hints.yml") in broken("min_n: 0\n")


def test_conversation_log_search_and_detail(session: Session) -> None:
    ids = seed(session)
    rows, more = log.search(session, START, END, HK)
    assert [r.id for r in rows] == [ids["c4"], ids["c3"], ids["c2"], ids["c1"]] and not more

    def found(**kwargs: object) -> list[int]:
        return [r.id for r in log.search(session, START, END, HK, **kwargs)[0]]  # type: ignore[arg-type]

    assert found(outcome="handed_off") == [ids["c3"], ids["c2"]]
    assert found(outcome="fallback") == [ids["c4"], ids["c2"]]
    assert found(outcome="clean") == [ids["c1"]]
    assert found(intent="human_handoff") == [ids["c3"], ids["c2"]]  # not only the first intent
    assert found(intent="human%") == []  # LIKE wildcards are taken literally
    assert found(filters=Filters(channel="telegram")) == [ids["c2"]]
    page_one, more = log.search(session, START, END, HK, per_page=3)
    page_two, last = log.search(session, START, END, HK, page=2, per_page=3)
    assert more and not last and [r.id for r in page_two] == [ids["c1"]]
    assert len(page_one) == 3

    detail = log.conversation(session, ids["c2"])
    assert detail is not None
    assert detail.row.outcome == "handed off to ann"
    assert [h.agent for h in detail.handoffs] == ["ann"]
    assert [s.csat for s in detail.surveys] == [5]
    assert log.conversation(session, 999_999) is None


def test_comments(session: Session) -> None:
    seed(session)
    rows, more = log.comments(session, START, END, HK)
    assert [c.csat for c in rows] == [4, 2, 5] and not more
    assert rows[1].comment == f"{SCRIPT} far too slow"
    lowest, _ = log.comments(session, START, END, HK, lowest_first=True)
    assert [c.csat for c in lowest] == [2, 4, 5]
    ann, _ = log.comments(session, START, END, HK, Filters(agent="ann"))
    assert [c.agent for c in ann] == ["ann"]


def test_export_rows_one_per_conversation(session: Session) -> None:
    ids = seed(session)
    batches, after = [], None
    while True:
        rows, after = log.export_batch(session, START, END, HK, after=after, limit=3)
        batches.append(rows)
        if after is None:
            break
    assert [len(b) for b in batches] == [3, 1]
    text = log.csv_text([row for batch in batches for row in batch], header=True)
    table = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["conversation_id"]) for r in table] == [ids[c] for c in ("c1", "c2", "c3", "c4")]
    c1, c2, c3, c4 = table
    assert c1["account"] == ACME and c1["csat"] == "" and c1["handed_off"] == "no"
    assert c1["resolution_time_s"] == "299"  # first message + 1 s to the last event + 5 min
    assert c2["agent"] == "ann" and c2["human_first_response_s"] == "90" and c2["csat"] == "5"
    assert c2["resolution_time_s"] == "719"  # to the handoff closing
    assert c2["intents"] == "get_quote nlu_fallback human_handoff"
    assert c3["csat"] == "2" and c3["human_first_response_s"] == "200"
    assert c4["account"] == "'" + FORMULA  # a spreadsheet shows it, never runs it
    assert '"ACME, ""Asia"" Ltd"' in text  # RFC 4180 quoting

    only_ann, _ = log.export_batch(session, START, END, HK, Filters(agent="ann"))
    assert [row[0] for row in only_ann] == [ids["c2"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("a=b", "a=b")],
)
def test_safe_cell(value: str, expected: str) -> None:
    assert log.safe_cell(value) == expected
    assert log.safe_cell(-5) == -5  # figures stay figures


def test_target_form_checks_and_audit(session: Session) -> None:
    def error(**form: str) -> str:
        with pytest.raises(TargetFormError) as caught:
            save_target(session, form, actor="mary")
        return caught.value.field

    assert error(code="nope", target="1") == "code"
    assert error(code="csat", target="") == "target"
    assert error(code="csat", target="abc") == "target"
    assert error(code="csat", target="120") == "target"
    assert error(code="csat", target="90", amber="95") == "amber"  # amber above a target
    assert error(code="queue_wait_p50", target="60", amber="30") == "amber"  # lower is better
    assert error(code="csat", target="90", benchmark="88") == "benchmark_source"
    assert error(code="csat", target="90", period="November") == "period"
    assert recent_changes(session) == []

    change = save_target(
        session,
        {
            "code": "csat",
            "target": "90",
            "amber": "85",
            "benchmark": "84.5",
            "benchmark_source": "Industry survey 2026",
            "period": "",
        },
        actor="mary",
    )
    assert (change.period, change.target, change.actor) == ("all", 90.0, "mary")
    found = {t.kpi.code: t for t in tiles(session, START, END, HK)}
    assert found["csat"].target.benchmark == 84.5
    assert found["csat"].target.benchmark_source == "Industry survey 2026"
    assert [c.code for c in recent_changes(session)] == ["csat"]


def test_review_period_parsing() -> None:
    month = parse_period("2026-11")
    assert (month.start, month.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert month.previous().label == "2026-10"
    week = parse_period("2026-W47")
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week.previous().label == "2026-W46"
    assert parse_period("2027-W01").previous().label == "2026-W53"
    for bad in ("2026-13", "Nov 2026", "2026-W60", "2025-W53"):
        with pytest.raises(ValueError):
            parse_period(bad)


def _pdf_text(pdf: bytes) -> bytes:
    """The text of a PDF as pdftotext (poppler-utils, installed by the Makefile) reads it."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout


def test_review_html_and_pdf(session: Session) -> None:
    seed(session)
    review = build_review(session, parse_period("2026-11"), HK)
    categories = {line.category: line for line in review.categories}
    assert categories["damaged"].opened == 2 and categories["damaged"].promises_kept_pct == 50.0
    assert categories["damaged"].resolve_p50 == 10.0
    assert categories["late"].resolved == 0
    assert review.volumes["Conversations"] == (4, 1)
    assert review.volumes["Surveys answered"] == (3, 0)
    assert [c.csat for c in review.praise] == [5, 4] and [c.csat for c in review.concerns] == [2]

    html = render_html(review, HK)
    assert "Complaint promises kept" in html and "Damaged goods" in html
    assert SCRIPT not in html and "&lt;script&gt;" in html

    pdf = render_pdf(review, HK)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = _pdf_text(pdf)
    for name in ("CSAT", "Containment (no handoff)", "Complaint resolution, median", "NPS"):
        assert name.encode() in text, name
    assert b"Damaged goods" in text

    account = build_review(session, parse_period("2026-11"), HK, account=ACME)
    assert account.volumes["Conversations"] == (2, 0)
    assert [line.category for line in account.categories] == ["damaged"]
    assert [c.csat for c in account.praise] == [5] and account.concerns == []
    assert "key account" in render_html(account, HK)
    assert render_pdf(account, HK).startswith(b"%PDF-")


def test_unused_period_has_no_data(session: Session) -> None:
    seed(session)
    empty = tiles(session, date(2025, 1, 1), date(2025, 1, 1) + timedelta(days=6), HK)
    assert all(t.value is None and t.status in ("no data", "not available") for t in empty)
