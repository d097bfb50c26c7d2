"""Browser journeys: the `browser` and `shoot` fixtures live in tests/conftest.py."""

import pytest


@pytest.fixture(scope="module", autouse=True)
def _audit_log_flushable(audit_flushable: None) -> None:
    """Browser tests are transactional: see `audit_flushable` in tests/conftest.py."""


def choose_language(page, code: str) -> None:
    """Open the language menu and pick `code`; wait for the page to come back in it."""
    if page.locator("html").get_attribute("lang") == code:
        return
    page.click("details.lang summary")
    with page.expect_navigation():
        page.click(f"button[name=language][value={code}]")
