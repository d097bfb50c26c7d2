"""An officer signs in with a TOTP code, searches "zhang wei", opens a record, and switches
to English."""

import pytest

from onewindow.accounts.models import Role
from onewindow.accounts.services import totp_current_code, totp_device
from tests.conftest import BAIYUN, PASSWORD, TIANHE
from tests.e2e.conftest import choose_language

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
)
def test_officer_finds_zhang_wei_and_reads_in_english(
    live_server, browser, make_user, make_person, shoot, viewport
):
    # given an officer of Tianhe, 张伟 living in Tianhe and another 张伟 in Baiyun
    officer = make_user(Role.OFFICER, districts=[TIANHE])
    mine = make_person(zh_name="张伟", district=TIANHE)
    make_person(zh_name="张伟", district=BAIYUN)
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    page = context.new_page()

    # when the officer signs in with the password and the current TOTP code
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", officer.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", totp_current_code(totp_device(officer)))
    shoot(page, "1-sign-in")
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url(f"{live_server.url}/staff/")

    # and searches "zhang wei"
    page.fill("#q", "zhang wei")
    page.click(".search-form button[type=submit]")
    results = page.locator("#results .results li")
    results.first.wait_for()
    shoot(page, "2-results")
    # then only the 张伟 of Tianhe is listed
    assert results.count() == 1
    assert "张伟" in results.first.inner_text()

    # when the officer opens the record
    results.first.locator("a.name").click()
    page.wait_for_url(f"{live_server.url}/staff/persons/{mine.uid}/")
    assert page.locator("h1").inner_text() == "张伟"
    assert page.get_by_role("heading", name="居住登记").is_visible()
    shoot(page, "3-record-zh")

    # and switches to English
    choose_language(page, "en")
    # then the same record is shown in English
    assert page.url == f"{live_server.url}/staff/persons/{mine.uid}/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Residence registrations").is_visible()
    shoot(page, "4-record-en")
    # and nothing overflows the viewport sideways
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    context.close()
