"""``python -m bot leads list``, ``leads consents`` and ``leads figures``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.domain.consent import record_answer, withdraw
from bot.domain.lead_work import set_status
from bot.domain.leads import save_lead
from bot.domain.sales_events import record_event
from bot.storage import db
from tests.commands.runner import Bot


def test_leads_list_masks_contacts_unless_asked(bot: Bot) -> None:
    bot("db", "upgrade")
    assert bot("leads", "list").stdout.strip() == "No leads yet."
    try:
        with db.session_scope(db.get_engine(bot.database_url)) as session:
            save_lead(
                session,
                sender_id="tg-1",
                channel="telegram",
                name="Chan Tai Man",
                contact="+852 9123 4567",
                company="Kowloon Trading Ltd",
                origin="Shenzhen",
                destination="Rotterdam",
                quoted_amount=4820.5,
                currency="HKD",
            )
    finally:
        db.dispose_engines()

    masked = bot("leads", "list")
    unmasked = bot("leads", "list", "--unmask")

    assert masked.returncode == 0
    assert "[new, unassigned, call back by " in masked.stdout
    assert "] Chan Tai Man <+852****4567>" in masked.stdout
    assert masked.stdout.startswith("LEAD-00001 ")
    assert "Shenzhen to Rotterdam, HKD 4,820.50, telegram" in masked.stdout
    assert "9123" not in masked.stdout
    assert "<+85291234567>" in unmasked.stdout


def test_consents_export_and_sales_figures(bot: Bot, tmp_path: Path) -> None:
    bot("db", "upgrade")
    try:
        with db.session_scope(db.get_engine(bot.database_url)) as session:
            for sender in ("web-1", "web-2"):
                record_event(session, sender_id=sender, channel="web", kind="quote")
            record_event(session, sender_id="web-1", channel="web", kind="promotion_offered")
            record_event(session, sender_id="web-1", channel="web", kind="promotion_accepted")
            lead = save_lead(
                session,
                sender_id="web-1",
                channel="web",
                name="Chan Tai Man",
                contact="tm.chan@example.com",
                quoted_amount=100,
                currency="HKD",
            )
            set_status(session, lead, "won", actor="lee", role="team_lead")
            for sender, granted in (("web-1", True), ("web-2", True), ("web-3", False)):
                record_answer(
                    session,
                    sender_id=sender,
                    channel="web",
                    granted=granted,
                    wording="=May we send you offers?",
                    language="en",
                    answer="yes" if granted else "no",
                    contact=f"{sender}@example.com",
                )
            withdraw(session, sender_id="web-2", words="unsubscribe")
    finally:
        db.dispose_engines()

    everything = list(csv.DictReader(io.StringIO(bot("leads", "consents").stdout)))
    assert [(r["sender_id"], r["granted"], r["in_force"]) for r in everything] == [
        ("web-1", "yes", "yes"),
        ("web-2", "yes", "no"),
        ("web-3", "no", "no"),
    ]
    assert everything[1]["withdrawal"] == "unsubscribe" and everything[1]["withdrawn_at"]
    # A spreadsheet never runs the wording as a formula.
    assert everything[0]["wording"] == "'=May we send you offers?"
    out = tmp_path / "consents.csv"
    written = bot("leads", "consents", "--in-force", "--output", str(out))
    assert written.returncode == 0 and "Wrote 1 consents" in written.stdout
    assert "web-1@example.com" in out.read_text("utf-8-sig")

    figures = bot("leads", "figures", "--days", "7").stdout
    assert "Quotes given: 2 (refused: 0)" in figures
    assert "Leads: 1 (1 after a quote); won 1, lost 0" in figures
    assert "quote to lead 50%, lead to won 100%, quote to won 50%" in figures
    assert "Service suggestions accepted: 1 of 1 (100%)" in figures
