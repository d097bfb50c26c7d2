"""Policies in the browser.

(1) A newcomer, without signing in, works out their work-permit class in Chinese, reads why,
switches to English and sees the same result explained in English.
(2) An analyst signs in, copies the points-based hukou policy, lowers its threshold, runs it
over the registry and reads who would qualify, by district, with a chart.
(3) A supervisor opens this year's quota round, ranks and publishes it; anyone reads the
list with masked names.
"""

import datetime

import pytest

from onewindow.accounts.models import Role
from onewindow.policies import facts_table
from tests.e2e.conftest import choose_language
from tests.e2e.test_application_journeys import DESKTOP, PHONE, no_overflow, press, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def calculate_class_b(page) -> None:
    """A Nigerian engineer's facts: 20 + 15 + 11 + 15 + 3 + 15 = 79 points, class B."""
    page.fill("#id_salary_10k_rmb", "45")
    page.select_option("#id_education", "master_or_equivalent")
    page.fill("#id_experience_years", "8")
    page.fill("#id_months_in_china", "12")
    page.select_option("#id_chinese", "hsk3")
    page.fill("#id_age", "38")
    press(page, "#calculate")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_newcomer_works_out_the_work_permit_class(live_server, browser, shoot, viewport):
    # given a phone or a desktop set to Chinese, on the start page
    page = browser.new_context(locale="zh-CN", viewport=viewport).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/")
    press(page, "#calc-work-permit")
    # when they enter their facts and calculate
    calculate_class_b(page)
    # then the class, the total and the points of each item are shown, in Chinese
    assert page.locator("#total").inner_text() == "79"
    assert "B" in page.locator("#verdict").inner_text()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#breakdown tbody tr").count() >= 9
    no_overflow(page)
    shoot(page, "1-zh")
    # when they switch to English and calculate again
    choose_language(page, "en")
    calculate_class_b(page)
    # then the same result, explained in English, with the version and its sources
    assert "Class B" in page.locator("#verdict").inner_text()
    assert "work_permit_points@2017-provisional" in page.locator("main").inner_text()
    assert page.get_by_role("heading", name="Sources").is_visible()
    no_overflow(page)
    shoot(page, "2-en")
    assert errors == []


def test_analyst_lowers_the_hukou_threshold(
    live_server, browser, make_user, shoot, migrant, settings, tmp_path
):
    # given a registry of 14 eligible migrants, some under 150 points, and its facts table
    settings.VAR_DIR = tmp_path
    for n in range(14):
        migrant(
            since=datetime.date(2018 + n % 5, 1, 1),
            insured_since=datetime.date(2020 + n % 3, 1, 1),
            birth_date=datetime.date(1986, 1, n + 1),
        )
    facts_table.build()
    analyst = make_user(Role.ANALYST, language="en")
    page = browser.new_context(locale="en-GB", viewport=DESKTOP).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_server.url
    # when the analyst copies the policy in force and lowers the threshold to 100
    sign_in(page, base, analyst, staff=True)
    press(page, "a[href='/staff/simulations/']")
    press(page, "#new-gz_points_hukou")
    page.fill("#id_name", "Threshold 100")
    page.fill("#id_threshold", "100")
    shoot(page, "1-form")
    press(page, "#run")
    # then the scenario shows how many would qualify, overall and by district, with a chart
    assert page.locator("h1").inner_text() == "Threshold 100"
    assert page.locator("#scenario-total").inner_text() == "14"
    assert page.locator("#base-total").inner_text() != "14"
    page.locator("#district-chart svg").first.wait_for()
    assert page.get_by_role("heading", name="District").count() >= 1
    no_overflow(page)
    shoot(page, "2-result")
    assert errors == []


def test_supervisor_runs_the_quota_round(
    live_server, browser, make_user, hukou_applicant, shoot, migrant
):
    # given three submitted points-based hukou applications and a supervisor
    for year in (2016, 2017, 2019):
        hukou_applicant(since=datetime.date(year, 1, 1))
    supervisor = make_user(Role.SUPERVISOR, language="en")
    page = browser.new_context(locale="en-GB", viewport=DESKTOP).new_page()
    base = live_server.url
    sign_in(page, base, supervisor, staff=True)
    # when they open a round with a quota of 2, rank and publish it
    press(page, "a[href='/staff/rounds/']")
    page.fill("#id_year", "2026")
    page.fill("#id_quota", "2")
    press(page, "#open-round button[type=submit]")
    press(page, "#rank")
    assert page.locator("#round-list tbody tr").count() == 3
    assert page.locator("#round-list tr.selected").count() == 2
    press(page, "#publish")
    shoot(page, "1-published")
    # then anyone reads the list, names masked
    public = browser.new_context(locale="en-GB", viewport=PHONE).new_page()
    public.goto(f"{base}/rounds/2026/")
    text = public.locator("#round-list").inner_text()
    assert "*" in text
    no_overflow(public)
    shoot(public, "2-public")
