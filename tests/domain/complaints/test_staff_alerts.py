"""Staff hear of complaints they own: a notice in the console and a mail through the
configured SMTP server (a local one here) when the follow-up falls due soon and when it
is overdue, once each; with nobody assigned, the managers and complaints leads hear."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.core.mail import SmtpMailer
from bot.core.settings import MailSettings
from bot.domain.complaints.followups import run_once
from bot.domain.complaints.staff import assign
from bot.domain.complaints.staff_alerts import mark_read, notices_for, unread_count
from bot.domain.complaints.views import ComplaintReceipt
from bot.domain.users import add_user
from bot.engine.rasa_client import RasaClient
from bot.storage import db
from tests.domain.complaints.conftest import HKT, hkt
from tests.support.mailbox import Mailbox
from tests.support.rasa_standin import RasaStandIn

PASSWORD = "correct horse battery"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def mailer(mailbox: Mailbox) -> SmtpMailer:
    return SmtpMailer(
        MailSettings(host="127.0.0.1", port=mailbox.port, tls="none", sender="desk@fd.test")
    )


@pytest.fixture
def lost_parcel(engine: Engine, file_complaint: Callable[..., ComplaintReceipt]) -> str:
    """A complaint promised by Thursday 17:00, and the staff: amy (agent, with a mail
    address), kim (manager, with one) and lou (complaints lead, without)."""
    with db.session_scope(engine) as session:
        add_user(session, "amy", PASSWORD, role="agent", team="express", email="amy@fd.test")
        add_user(session, "kim", PASSWORD, role="manager", team="general", email="kim@fd.test")
        add_user(session, "lou", PASSWORD, role="team_lead", team="complaints_claims")
    receipt = file_complaint(category="lost", description="My parcel never arrived.")
    assert receipt.due_at == hkt(2026, 11, 26, 17)
    return receipt.reference


def _pass(engine: Engine, rasa: RasaStandIn, mailer: SmtpMailer, *when: int) -> None:
    notifier = RasaClient(rasa.url, rasa.token, timeout=5)
    run_once(engine, notifier, publish=lambda _e: None, now=hkt(*when), tz=HKT, mailer=mailer)


def test_the_owner_is_told_in_the_console_and_by_mail_when_due_and_when_overdue(
    engine: Engine, rasa: RasaStandIn, mailer: SmtpMailer, mailbox: Mailbox, lost_parcel: str
) -> None:
    with db.session_scope(engine) as session:
        assign(session, lost_parcel, "amy", actor="kim", now=hkt(2026, 11, 26, 14))

    _pass(engine, rasa, mailer, 2026, 11, 26, 16, 30)  # within the last business hour
    _pass(engine, rasa, mailer, 2026, 11, 26, 16, 40)  # once only

    (due,) = mailbox.wait_for("amy@fd.test", 1, timeout=10)
    assert due["Subject"] == "Freight Desk: complaint due soon"
    assert lost_parcel in due.get_payload() and "17:00" in due.get_payload()
    with db.session_scope(engine) as session:
        (notice,) = notices_for(session, "amy")
        assert notice.kind == "due_soon" and notice.reference == lost_parcel
        assert unread_count(session, "amy") == 1 and notices_for(session, "kim") == []

    _pass(engine, rasa, mailer, 2026, 11, 26, 17, 1)  # missed: passed to the senior queue

    mails = mailbox.wait_for("amy@fd.test", 2, timeout=10)
    assert mails[-1]["Subject"] == "Freight Desk: complaint overdue"
    assert "overdue" in mails[-1].get_payload()
    with db.session_scope(engine) as session:
        assert [n.kind for n in notices_for(session, "amy")] == ["overdue", "due_soon"]
        assert mark_read(session, "amy", hkt(2026, 11, 26, 17, 5)) == 2
        assert unread_count(session, "amy") == 0


def test_with_nobody_assigned_the_managers_and_complaints_leads_hear(
    engine: Engine, rasa: RasaStandIn, mailer: SmtpMailer, mailbox: Mailbox, lost_parcel: str
) -> None:
    _pass(engine, rasa, mailer, 2026, 11, 26, 16, 30)

    assert len(mailbox.wait_for("kim@fd.test", 1, timeout=10)) == 1
    with db.session_scope(engine) as session:
        assert [n.kind for n in notices_for(session, "kim")] == ["due_soon"]
        assert [n.kind for n in notices_for(session, "lou")] == ["due_soon"]  # no address
        assert notices_for(session, "amy") == []
    assert mailbox.to("amy@fd.test") == []


def test_a_mail_server_that_is_down_is_tried_again(
    engine: Engine, rasa: RasaStandIn, mailbox: Mailbox, lost_parcel: str
) -> None:
    with db.session_scope(engine) as session:
        assign(session, lost_parcel, "amy", actor="kim", now=hkt(2026, 11, 26, 14))
    from bot.ops.stack import free_port

    down = SmtpMailer(MailSettings(host="127.0.0.1", port=free_port(), tls="none", timeout=2))
    _pass(engine, rasa, down, 2026, 11, 26, 16, 30)
    with db.session_scope(engine) as session:
        assert [n.kind for n in notices_for(session, "amy")] == ["due_soon"]  # in the console

    up = SmtpMailer(MailSettings(host="127.0.0.1", port=mailbox.port, tls="none"))
    _pass(engine, rasa, up, 2026, 11, 26, 16, 35)
    assert len(mailbox.wait_for("amy@fd.test", 1, timeout=10)) == 1
