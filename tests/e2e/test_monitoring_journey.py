"""Monitoring in the browser.

(1) Every panel of the dashboard draws its chart and its table in Chinese, English and
Arabic (right to left), on a desktop and on a phone.
(2) A supervisor sees the city at a glance, drills into a district, finds the possible
overstays and the slowest review step.
(3) Anyone reads the open data, with small counts hidden.
"""

import pytest

from onewindow.monitoring.panels import PANELS
from tests.e2e.conftest import choose_language
from tests.e2e.test_application_journeys import DESKTOP, PHONE, no_overflow, press, sign_in
from tests.monitoring.conftest import city  # noqa: F401 - the seeded city fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _charts_drawn(page) -> int:
    page.wait_for_selector("html[data-charts]")
    drawn = int(page.locator("html").get_attribute("data-charts"))
    assert drawn == page.locator(".chart[data-chart]").count()
    assert page.locator(".chart svg").count() == drawn
    return drawn


@pytest.mark.parametrize(
    ("language", "viewport"),
    [("zh-hans", DESKTOP), ("en", DESKTOP), ("ar", PHONE), ("ar", DESKTOP)],
)
def test_every_panel_renders(live_server, browser, make_user, shoot, city, language, viewport):  # noqa: F811
    analyst = make_user("analyst", language=language)
    page = browser.new_context(viewport=viewport).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, analyst, staff=True)
    page.goto(f"{live_server.url}/staff/monitoring/")
    choose_language(page, language)
    assert page.locator("article.panel").count() == len(PANELS)
    assert _charts_drawn(page) >= len(PANELS) - 2
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    # the district map is drawn from the shipped GeoJSON: 11 districts
    assert page.locator("#panel-population_districts .chart svg path").count() >= 11
    no_overflow(page)
    shoot(page, f"{language}-{viewport['width']}")
    assert errors == []


def test_supervisor_drills_into_a_district_and_finds_overstays(
    live_server,
    browser,
    make_user,
    shoot,
    city,  # noqa: F811
):
    holder = city["lapsed"][0].holder
    code = holder.current_district.code
    supervisor = make_user("supervisor", districts=[code], language="zh-hans")
    page = browser.new_context(viewport=DESKTOP).new_page()
    base = live_server.url
    sign_in(page, base, supervisor, staff=True)
    page.goto(f"{base}/staff/monitoring/")
    choose_language(page, "zh-hans")
    _charts_drawn(page)
    shoot(page, "1-city")
    # the slowest review step of the city is named, with its median and 90th percentile
    page.click("#panel-applications_slowest_steps details summary")
    first_step = page.locator("#panel-applications_slowest_steps tbody tr").first
    assert first_step.is_visible() and "·" in first_step.inner_text()
    # when they open the district table and follow their district
    page.click("#panel-population_districts details summary")
    with page.expect_navigation():
        page.click(f"#panel-population_districts a[href*='district={code}']")
    # then every panel is narrowed to that district
    assert f"district={code}" in page.url
    assert holder.current_district.name_zh in page.locator("h1").inner_text()
    _charts_drawn(page)
    shoot(page, "2-district")
    # and the possible overstays of the district are listed, holders masked
    press(page, "#panel-permits_overstays a.overstay-list")
    assert city["lapsed"][0].number in page.locator("main").inner_text()
    assert holder.zh_name not in page.locator("main").inner_text() or not holder.zh_name
    shoot(page, "3-overstays")


def test_anyone_reads_the_open_data(live_server, browser, shoot, city):  # noqa: F811
    page = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    page.goto(f"{live_server.url}/")
    choose_language(page, "en")
    with page.expect_navigation():
        page.click("footer a[href='/open-data/']")
    assert page.locator("section.dataset").count() == 3
    page.click("#population-by-district details:nth-of-type(2) summary")
    assert page.locator("#population-by-district tbody tr").count() > 10
    no_overflow(page)
    shoot(page, "open-data")
    response = page.request.get(f"{live_server.url}/open-data/population-by-district.csv")
    assert response.ok and response.text().startswith("district_code,")


@pytest.mark.parametrize("language", ["zh-hans", "ar"])
def test_monitoring_pages_have_no_serious_accessibility_violations(
    live_server,
    browser,
    make_user,
    city,  # noqa: F811
    language,
):
    from tests.e2e.test_accessibility import violations

    supervisor = make_user("supervisor", districts=["440106"], language=language)
    # axe is injected as an inline script, which the site's CSP rightly refuses
    page = browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()
    sign_in(page, live_server.url, supervisor, staff=True)
    page.goto(f"{live_server.url}/staff/monitoring/")
    choose_language(page, language)
    found = {}
    for path in ("/staff/monitoring/", "/staff/monitoring/overstays/", "/staff/monitoring/alerts/"):
        page.goto(live_server.url + path)
        if path == "/staff/monitoring/":
            _charts_drawn(page)
        found[path] = violations(page)
    assert found == {path: [] for path in found}
