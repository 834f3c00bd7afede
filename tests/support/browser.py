"""Debian's Chromium driven by Playwright, as every browser test in this project runs it.

``make test`` installs the chromium package when it is missing; Playwright never
downloads a browser of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

CHROMIUM = os.environ.get("FREIGHTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000


@contextmanager
def open_page(profile: Path, **context_options: Any) -> Iterator[Page]:
    """A page in a fresh Chromium profile at ``profile`` (its own --user-data-dir).

    Args:
        profile: folder for the profile; must be new.
        context_options: Playwright context options (viewport, is_mobile, ...).
    """
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            **context_options,
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()
