"""Mail settings and the SMTP adapter, against a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.core.mail import SmtpMailer
from bot.core.settings import MailSettings, Settings, SettingsError
from tests.support.mailbox import Mailbox, code_in


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    try:
        yield box
    finally:
        box.stop()


def test_no_host_means_nobody_can_be_reached() -> None:
    mailer = SmtpMailer(Settings.from_env({}).mail)
    assert not mailer.can_reach("email") and not mailer.can_reach("phone")
    with pytest.raises(ValueError):
        mailer.send("email", "jo@example.com", "s", "t")


def test_an_email_contact_gets_the_message(mailbox: Mailbox) -> None:
    mailer = SmtpMailer(MailSettings.from_env(mailbox.env))
    assert mailer.can_reach("email") and not mailer.can_reach("phone")
    mailer.send("email", "jo@example.com", "Your code", "Your Freight Desk code is 042137.")
    (message,) = mailbox.wait_for("jo@example.com")
    assert message["Subject"] == "Your code"
    assert message["From"] == "Freight Desk <desk@freightdesk.test>"
    assert code_in(message) == "042137"


def test_a_phone_contact_goes_through_the_sms_gateway(mailbox: Mailbox) -> None:
    env = {**mailbox.env, "FREIGHTDESK_SMS_EMAIL_GATEWAY": "sms.provider.test"}
    mailer = SmtpMailer(MailSettings.from_env(env))
    assert mailer.can_reach("phone")
    mailer.send("phone", "+85291234567", "Code", "Your Freight Desk code is 550012.")
    (message,) = mailbox.wait_for("85291234567@sms.provider.test")
    assert code_in(message) == "550012"


def test_a_server_that_is_not_there_is_an_oserror() -> None:
    env = {
        "FREIGHTDESK_SMTP_HOST": "127.0.0.1",
        "FREIGHTDESK_SMTP_PORT": "1",
        "FREIGHTDESK_SMTP_TLS": "none",
    }
    with pytest.raises(OSError):
        SmtpMailer(MailSettings.from_env(env)).send("email", "jo@example.com", "s", "t")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"FREIGHTDESK_SMTP_TLS": "maybe"}, "FREIGHTDESK_SMTP_TLS"),
        ({"FREIGHTDESK_SMTP_PORT": "smtp"}, "FREIGHTDESK_SMTP_PORT"),
        ({"FREIGHTDESK_SMTP_USER": "desk"}, "FREIGHTDESK_SMTP_PASSWORD is not"),
    ],
)
def test_bad_mail_settings_stop_start(env: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        Settings.from_env(env)


def test_the_password_is_never_in_the_settings_repr() -> None:
    env = {"FREIGHTDESK_SMTP_USER": "desk", "FREIGHTDESK_SMTP_PASSWORD": "Sm7p-pa55word-long"}
    assert "Sm7p-pa55word-long" not in repr(Settings.from_env(env))
