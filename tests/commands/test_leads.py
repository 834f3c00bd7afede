"""``python -m bot leads list``."""

from __future__ import annotations

from bot.domain.leads import save_lead
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
    assert "[new] Chan Tai Man <+852****4567>" in masked.stdout
    assert "Shenzhen to Rotterdam, HKD 4,820.50, telegram" in masked.stdout
    assert "9123" not in masked.stdout
    assert "<+85291234567>" in unmasked.stdout
