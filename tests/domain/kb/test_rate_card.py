"""A rate card's validity, the staff warning before it runs out, and importing a new card."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml

from bot.domain.kb.errors import KnowledgeBaseError
from bot.domain.kb.loader import clear_knowledge_base_cache, load_knowledge_base
from bot.domain.rate_card import (
    EXPIRED,
    EXPIRING,
    NOT_YET_VALID,
    VALID,
    import_rate_card,
    local_today,
    read_rate_card,
    staff_warning_for,
    validity,
    warn_days,
)
from tests.domain.kb.conftest import TEST_RATES, KbCopy

CARD = load_knowledge_base(Path(__file__).resolve().parents[3] / "knowledge_base").rates


def _card(tmp_path: Path, **changes: object) -> Path:
    data = {**TEST_RATES, **changes}
    path = tmp_path / "new_rates.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("day", "state", "days_left"),
    [
        (date(2026, 10, 31), NOT_YET_VALID, 61),
        (date(2026, 11, 1), VALID, 60),
        (date(2026, 12, 17), VALID, 14),
        (date(2026, 12, 18), EXPIRING, 13),
        (date(2026, 12, 31), EXPIRING, 0),
        (date(2027, 1, 1), EXPIRED, -1),
    ],
)
def test_validity_on_each_side_of_the_dates(day: date, state: str, days_left: int) -> None:
    standing = validity(CARD, day, warn_before_days=14)
    assert (standing.state, standing.days_left) == (state, days_left)
    assert standing.usable == (state in (VALID, EXPIRING))


def test_staff_warnings_say_what_to_do() -> None:
    assert validity(CARD, date(2026, 11, 20), warn_before_days=14).staff_warning() is None
    soon = validity(CARD, date(2026, 12, 30), warn_before_days=14).staff_warning()
    assert soon is not None and "runs out in 1 day (valid until 2026-12-31)" in soon
    assert "python -m bot rates import FILE" in soon
    last = validity(CARD, date(2026, 12, 31), warn_before_days=14).staff_warning()
    assert last is not None and "runs out today" in last
    over = validity(CARD, date(2027, 1, 2), warn_before_days=14).staff_warning()
    assert over is not None and "expired on 2026-12-31" in over and "gives no prices" in over


def test_warning_period_comes_from_config(tmp_path: Path) -> None:
    config = tmp_path / "rates.yml"
    config.write_text("warn_days_before_expiry: 30\n", encoding="utf-8")
    assert warn_days(config) == 30
    config.write_text("warn_days_before_expiry: soon\n", encoding="utf-8")
    with pytest.raises(ValueError, match="warn_days_before_expiry should be a whole number"):
        warn_days(config)
    assert warn_days() == 14


def test_local_today_is_the_service_centres_day() -> None:
    # 16:30 UTC on 31 Dec is already 1 Jan in Hong Kong: the card of 31 Dec has run out.
    moment = datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)
    from zoneinfo import ZoneInfo

    today = local_today(moment, ZoneInfo("Asia/Hong_Kong"))
    assert today == date(2027, 1, 1)
    assert validity(CARD, today).state == EXPIRED


def test_import_replaces_the_card(kb_copy: KbCopy, tmp_path: Path) -> None:
    folder = kb_copy()
    source = _card(tmp_path, as_of="2027-01-01", valid_until="2027-06-30")
    card = import_rate_card(source, folder, date(2026, 12, 20))
    assert (card.as_of, card.valid_until) == ("2027-01-01", "2027-06-30")
    assert read_rate_card(folder).valid_until == "2027-06-30"
    # The whole folder still loads (the card prices every lane).
    assert load_knowledge_base(folder).rates.as_of == "2027-01-01"
    assert not list(folder.glob(".rates-*"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"valid_until": "2026-12-01"}, "'valid_until' 2026-12-01 is already past"),
        ({"valid_until": "2025-01-01"}, "'valid_until' 2025-01-01 is before 'as_of'"),
        ({"currency": "dollars"}, "'currency' must be a three-letter code"),
        ({"as_of": "soon"}, "'as_of'"),
    ],
)
def test_import_refuses_a_bad_card_and_changes_nothing(
    kb_copy: KbCopy, tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    folder = kb_copy()
    before = (folder / "rates.yml").read_bytes()
    with pytest.raises(KnowledgeBaseError, match=message):
        import_rate_card(_card(tmp_path, **changes), folder, date(2026, 12, 20))
    assert (folder / "rates.yml").read_bytes() == before


def test_import_refuses_a_card_missing_a_lane(kb_copy: KbCopy, tmp_path: Path) -> None:
    folder = kb_copy()
    before = (folder / "rates.yml").read_bytes()
    modes = {name: dict(block) for name, block in TEST_RATES["modes"].items()}
    modes["air"] = {**modes["air"], "regions": {"europe": modes["air"]["regions"]["europe"]}}
    with pytest.raises(KnowledgeBaseError):
        import_rate_card(_card(tmp_path, modes=modes), folder, date(2026, 3, 1))
    assert (folder / "rates.yml").read_bytes() == before


def test_staff_warning_for_a_folder(kb_copy: KbCopy) -> None:
    folder = kb_copy()
    assert staff_warning_for(folder, date(2026, 11, 20)) is None
    warning = staff_warning_for(folder, date(2027, 1, 5))
    assert warning is not None and "expired on 2026-12-31" in warning
    (folder / "rates.yml").write_text("currency: [", encoding="utf-8")
    warning = staff_warning_for(folder, date(2026, 11, 20))
    assert warning is not None and "cannot be read" in warning


def test_running_process_quotes_from_an_imported_card(
    kb_copy: KbCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.domain.kb.loader import get_knowledge_base

    folder = kb_copy()
    monkeypatch.setenv("FREIGHTDESK_KB_DIR", str(folder))
    clear_knowledge_base_cache()
    try:
        assert get_knowledge_base().rates.valid_until == "2026-12-31"
        import_rate_card(
            _card(tmp_path, as_of="2027-01-01", valid_until="2027-06-30"),
            folder,
            date(2026, 12, 20),
        )
        assert get_knowledge_base().rates.valid_until == "2027-06-30"
    finally:
        clear_knowledge_base_cache()
