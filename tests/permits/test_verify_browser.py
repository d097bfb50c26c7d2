"""Browser: scanning a QR opens /verify#t=…; the script checks the token through the API."""

import os

import pytest

from onewindow.permits.services import permit_revoke
from onewindow.permits.signing import permit_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module", autouse=True)
def _audit_log_flushable(audit_flushable: None) -> None:
    """Transactional tests empty the tables: see `audit_flushable` in tests/conftest.py."""


def test_scanned_link_shows_the_verdict_and_drops_the_token(live_server, browser, issue):
    # given a permit, its QR link, and a phone with English as its language
    permit = issue()
    token = permit_token(permit)
    page = browser.new_context(locale="en-GB").new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    # when the link is opened
    page.goto(f"{live_server.url}/verify#t={token}")
    # then the verdict says valid, with the masked name, and the token left the address bar
    page.locator("#verdict.verdict-valid").wait_for()
    assert "Valid" in page.locator("#verdict-headline").inner_text()
    assert page.locator('[data-field="holder"]').inner_text() == "张*"
    assert "#t=" not in page.url
    assert errors == []

    # when the permit is revoked and a forged code is pasted
    permit_revoke(actor=None, permit=permit, reason="fraud")
    page.fill("#token", token)
    page.click("#verify-form button[type=submit]")
    page.locator("#verdict.verdict-revoked").wait_for()
    page.fill("#token", token[:-3] + "AAA")
    page.click("#verify-form button[type=submit]")
    page.locator("#verdict.verdict-forged").wait_for()
    assert page.locator("#verdict-facts").is_hidden()


def test_without_javascript_the_form_posts_to_the_page(live_server, browser, issue):
    token = permit_token(issue())
    page = browser.new_context(java_script_enabled=False, locale="en-GB").new_page()
    page.goto(f"{live_server.url}/verify")
    page.fill("#token", token)
    page.click("#verify-form button[type=submit]")
    page.locator("#verdict.verdict-valid").wait_for()
