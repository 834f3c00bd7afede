"""Notices in the console: an agent whose complaint falls due sees it on the queue and
on the notices page, and marks them read; nobody else sees it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tests.console.harness import PASSWORD, SCRIPT, Console, notice_for_ann
from tests.console.server import page_csrf, sign_in

HKT = ZoneInfo("Asia/Hong_Kong")


def test_an_owner_sees_the_notice_and_marks_it_read(console: Console) -> None:
    reference = notice_for_ann(console, SCRIPT)

    ann = sign_in(console.url, "ann", PASSWORD)
    queue = ann.get(console.url + "/queue", timeout=10).text
    assert "1 new notice</a> about complaints you own" in queue
    page = ann.get(console.url + "/notices", timeout=10).text
    assert reference in page and "is due soon" in page and "Due soon" in page
    csrf = page_csrf(ann, console.url + "/notices")
    ann.post(console.url + "/notices/read", data={"csrf_token": csrf})
    assert "new notice" not in ann.get(console.url + "/queue", timeout=10).text

    lee = sign_in(console.url, "lee", PASSWORD)
    assert reference not in lee.get(console.url + "/notices", timeout=10).text
