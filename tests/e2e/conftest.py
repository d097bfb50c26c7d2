"""Browser journeys in the system Chromium (never `playwright install`).

Set ONEWINDOW_SCREENSHOTS=DIR to keep a screenshot of each step for looking at.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ONEWINDOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's sync API runs an event loop in this thread; the test's own database calls
# are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shoot(request: pytest.FixtureRequest):
    """`shoot(page, "step")` keeps a full-page screenshot when ONEWINDOW_SCREENSHOTS is set."""
    folder = os.environ.get("ONEWINDOW_SCREENSHOTS")

    def take(page, step: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/{request.node.name}-{step}.png", full_page=True)

    return take


@pytest.fixture(scope="module", autouse=True)
def _audit_log_flushable(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Browser tests run in transactional mode, whose teardown empties every table with
    DELETE; SQLite's append-only trigger refuses that. Lift it for this module only."""
    from django.db import connection

    from onewindow.audit.triggers import set_append_only

    with django_db_blocker.unblock():
        set_append_only(connection, False)
    yield
    with django_db_blocker.unblock():
        set_append_only(connection, True)
