"""``python -m bot kpi ...`` in a subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.settings import REPO_ROOT
from bot.domain.kpi import surveys
from bot.engine.eventstream.facts import BROKER_EVENTS
from bot.storage import db
from bot.storage.models import UTC

AT = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)


def _run(db_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "FREIGHTDESK_VAR_DIR": str(tmp_path / "var"),
        "FREIGHTDESK_TIMEZONE": "Asia/Hong_Kong",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "kpi", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def answered(db_url: str) -> str:
    """Three answered surveys in November 2026: CSAT 5 and 2 on rest, 4 on telegram."""
    with db.session_scope(db.get_engine(db_url)) as session:
        for rid, channel, csat in (("a", "rest", 5), ("b", "rest", 2), ("c", "telegram", 4)):
            surveys.record_offer(session, rid, rid, channel, offered_at=AT)
            surveys.record_answers(session, rid, csat=csat, answered_at=AT)
    return db_url


def test_report_against_a_target_set_by_a_manager(answered: str, tmp_path: Path) -> None:
    done = _run(
        answered,
        tmp_path,
        "targets",
        "set",
        "csat",
        "60",
        "--amber",
        "50",
        "--benchmark",
        "78",
        "--source",
        "Industry survey 2026",
    )
    assert done.returncode == 0, done.stderr
    assert "Target for csat (all) is now 60, amber 50." in done.stdout

    done = _run(
        answered, tmp_path, "report", "--from", "2026-11-01", "--to", "2026-11-30", "--json"
    )
    assert done.returncode == 0, done.stderr
    lines = {line["code"]: line for line in json.loads(done.stdout)["kpis"]}
    assert lines["csat"]["value"] == pytest.approx(66.67) and lines["csat"]["n"] == 3
    assert lines["csat"]["status"] == "green" and lines["csat"]["benchmark"] == 78
    assert lines["containment"]["status"] == "no data"

    done = _run(
        answered,
        tmp_path,
        "report",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--by",
        "channel",
    )
    assert done.returncode == 0, done.stderr
    csat_rows = [row for row in done.stdout.splitlines() if row.startswith("CSAT")]
    assert len(csat_rows) == 2
    assert "rest" in csat_rows[0] and "50" in csat_rows[0] and "amber" in csat_rows[0]
    assert "telegram" in csat_rows[1] and "100" in csat_rows[1] and "green" in csat_rows[1]
    assert "Industry survey 2026" in csat_rows[0]


def test_mistakes_are_explained(answered: str, tmp_path: Path) -> None:
    done = _run(answered, tmp_path, "targets", "set", "nps", "30", "--benchmark", "40")
    assert done.returncode == 1 and "needs its source" in done.stderr
    done = _run(answered, tmp_path, "report", "--from", "2026-11-30", "--to", "2026-11-01")
    assert done.returncode == 1 and "--to is before --from" in done.stderr
    done = _run(answered, tmp_path, "consume", "--broker-url", f"sqlite:///{tmp_path / 'no.db'}")
    assert done.returncode == 1 and "event_broker" in done.stderr


def test_consume_reads_the_broker_once(answered: str, tmp_path: Path) -> None:
    broker_url = f"sqlite:///{tmp_path / 'events.db'}"
    broker = db.make_engine(broker_url)
    BROKER_EVENTS.metadata.create_all(broker)
    event = {"event": "session_started", "timestamp": AT.timestamp(), "sender_id": "x"}
    with broker.begin() as connection:
        connection.execute(BROKER_EVENTS.insert().values(sender_id="x", data=json.dumps(event)))
    broker.dispose()
    done = _run(answered, tmp_path, "consume", "--broker-url", broker_url)
    assert done.returncode == 0, done.stderr
    assert "Read 1 events (1 new); the next pass starts after event 1." in done.stdout
    done = _run(answered, tmp_path, "consume", "--broker-url", broker_url)
    assert "Read 0 events (0 new)" in done.stdout


def test_an_unmigrated_database_is_reported(tmp_path: Path) -> None:
    done = _run(
        f"sqlite:///{tmp_path / 'empty.db'}",
        tmp_path,
        "report",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
    )
    assert done.returncode == 2 and "db upgrade" in done.stderr


def test_report_by_language(db_url: str, tmp_path: Path) -> None:
    """Surveys in the language their conversation was in: two Chinese (CSAT 5, 2), one
    English (4)."""
    with db.session_scope(db.get_engine(db_url)) as session:
        for rid, language, csat in (("z1", "zh", 5), ("z2", "zh", 2), ("e1", "en", 4)):
            surveys.record_offer(session, rid, rid, "rest", offered_at=AT, language=language)
            surveys.record_answers(session, rid, csat=csat, answered_at=AT)
    done = _run(
        db_url, tmp_path, "report", "--from", "2026-11-01", "--to", "2026-11-30",
        "--by", "language", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    csat = {
        line["group"]: (line["value"], line["n"])
        for line in json.loads(done.stdout)["kpis"]
        if line["code"] == "csat"
    }
    assert csat == {"en": (100.0, 1), "zh": (50.0, 2)}


def test_rollups_backfill_then_consume_keeps_the_report(answered: str, tmp_path: Path) -> None:
    report = ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "channel"]
    raw = _run(answered, tmp_path, *report)
    assert raw.returncode == 0, raw.stderr
    done = _run(answered, tmp_path, "rollups", "backfill")
    assert done.returncode == 0, done.stderr
    assert "Rolled up 1 day(s)." in done.stdout
    assert _run(answered, tmp_path, *report).stdout == raw.stdout
    # A late conversation on the rolled-up day: the consumer refreshes that day's rollup
    # in its own transaction, so the report counts it and no stale day is left.
    broker_url = f"sqlite:///{tmp_path / 'events.db'}"
    broker = db.make_engine(broker_url)
    BROKER_EVENTS.metadata.create_all(broker)
    event = {"event": "session_started", "timestamp": AT.timestamp(), "sender_id": "late"}
    with broker.begin() as connection:
        connection.execute(BROKER_EVENTS.insert().values(sender_id="late", data=json.dumps(event)))
    broker.dispose()
    assert _run(answered, tmp_path, "consume", "--broker-url", broker_url).returncode == 0
    after = _run(answered, tmp_path, "report", "--from", "2026-11-01", "--to", "2026-11-30")
    assert "Containment (no handoff)" in after.stdout
    lines = [line for line in after.stdout.splitlines() if line.startswith("Containment")]
    assert "100" in lines[0] and " 1 " in f" {lines[0]} ", after.stdout
    refreshed = _run(answered, tmp_path, "rollups", "refresh")
    assert "Rolled up 0 day(s)." in refreshed.stdout
