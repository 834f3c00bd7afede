"""Contacts are masked in every log line a Freight Desk process writes."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from bot.domain.logmask import mask_record


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("complaint from jo.smith@example.com saved", "complaint from j***@example.com saved"),
        ("call +852 6123 4567 back", "call +852****4567 back"),
        ("call 61234567 back", "call ****4567 back"),
        ("due 2026-11-26 17:00 (HKT)", "due 2026-11-26 17:00 (HKT)"),
        ("took 1764050000.25 s", "took 1764050000.25 s"),
        ("sender user-123 said hi", "sender user-123 said hi"),
        (
            "HTTP Request: POST http://127.0.0.1:41057/bot7000000001:AAE2eTestToken_For-TheStand"
            'InOnly/sendMessage "HTTP/1.1 200 OK"',
            'HTTP Request: POST http://127.0.0.1:41057/bot7000000001:***/sendMessage "HTTP/1.1 200'
            ' OK"',
        ),
        ("GET /status?token=s3cr3t&x=1 200", "GET /status?token=***&x=1 200"),
    ],
)
def test_contacts_and_secrets_in_a_line_are_masked_and_the_rest_kept(
    line: str, masked: str
) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, line, None, None)
    assert mask_record(record).getMessage() == masked


def test_a_record_is_masked_with_its_arguments_merged() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "contact %s for %s", ("jo@example.com", "CMP-1"), None
    )
    assert mask_record(record).getMessage() == "contact j***@example.com for CMP-1"


def test_every_process_entry_point_masks_its_log_lines() -> None:
    """The installed record factory masks lines from any logger and handler."""
    script = (
        "import logging, sys\n"
        "from bot.domain import logmask\n"
        "logmask.install()\n"
        "logging.basicConfig(stream=sys.stdout, level=logging.INFO, format='%(message)s')\n"
        "logging.getLogger('rasa.core.processor').info('text: %s', 'mail me at jo@example.com')\n"
        "logging.getLogger('sanic').warning('phone +44 20 7946 0958')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "jo@example.com" not in out and "j***@example.com" in out
    assert "7946 0958" not in out and "0958" in out


ENTRY_POINTS = {
    "operators' CLI and workers": "from bot.commands.main import main\n"
    "try:\n    main(['db', '--help'])\n"
    "except SystemExit:\n    pass\n",
    "Rasa launcher": "import sys\nsys.argv = ['rasa', '--version']\n"
    "from bot.engine.server import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n",
    "action server": "import actions\n",
}


@pytest.mark.parametrize("entry", list(ENTRY_POINTS), ids=list(ENTRY_POINTS))
def test_each_process_installs_the_mask_at_start(entry: str) -> None:
    script = (
        ENTRY_POINTS[entry] + "import logging, sys\n"
        "handler = logging.StreamHandler(sys.stderr)\n"
        "logging.getLogger('probe').addHandler(handler)\n"
        "logging.getLogger('probe').warning('PROBE jo@example.com')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "PROBE j***@example.com" in done.stderr
    assert "jo@example.com" not in done.stderr


def test_complaint_references_are_kept_and_contacts_beside_them_masked() -> None:
    line = "complaint CMP-2026-00001 for 61234567 and cmp-2026-00042"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, line, None, None)
    assert mask_record(record).getMessage() == (
        "complaint CMP-2026-00001 for ****4567 and cmp-2026-00042"
    )


def test_a_traceback_is_masked_like_the_message() -> None:
    """A database error's text quotes the row it failed to write; so does its traceback."""
    script = (
        "import logging, sys\n"
        "from bot.domain import logmask\n"
        "logmask.install()\n"
        "logging.basicConfig(stream=sys.stdout, level=logging.INFO, format='%(message)s')\n"
        "try:\n"
        "    raise ValueError('insert failed: contact jo@example.com, phone +852 6123 4567')\n"
        "except ValueError:\n"
        "    logging.getLogger('rasa.core.processor').exception('turn failed')\n"
        "logging.getLogger('x').error('again', stack_info=True, exc_info=False)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "Traceback (most recent call last)" in out
    assert "jo@example.com" not in out and "j***@example.com" in out
    assert "6123 4567" not in out and "4567" in out
