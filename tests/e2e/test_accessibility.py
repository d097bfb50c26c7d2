# ruff: noqa: F811 - the services fixtures are imported, then requested by name
"""Every portal page passes axe-core (no serious or critical violation) in Chinese, English
and Arabic, and the home page's journeys can be started with the keyboard alone.

axe-core comes from its npm package, vendored into static/vendor by `make` (never fetched).
"""

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from onewindow.services.community import consultation_open
from onewindow.services.models import Consultation, StationInfo
from tests.e2e.conftest import choose_language
from tests.e2e.test_application_journeys import DESKTOP, sign_in
from tests.services.conftest import counsellor, make_course, resident  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe.min.js"
LANGUAGES = ["zh-hans", "en", "ar"]


def violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"""
    )
    return list(found)


@pytest.fixture
def city(make_course: Any, make_user: Any, counsellor: Any) -> dict[str, str]:
    """A course, a consultation and a counsellor, and the portal's pages to check."""
    course = make_course(capacity=3)
    StationInfo.objects.create(
        station=course.service.station,
        latitude="23.1",
        longitude="113.3",
        opening_hours=[{"weekday": 1, "opens": "09:00", "closes": "17:30"}],
        accessibility=["step_free"],
    )
    counsellor()
    now = timezone.now()
    consultation = consultation_open(
        actor=make_user("administrator"),
        title={"zh-hans": "征求意见", "en": "Call for comments"},
        question={"zh-hans": "问题？", "en": "The question?"},
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=5),
    )
    closed = consultation_open(
        actor=make_user("administrator"),
        title={"zh-hans": "已结束", "en": "Closed one"},
        question={"zh-hans": "问题？", "en": "The question?"},
        opens_at=now - datetime.timedelta(days=9),
        closes_at=now + datetime.timedelta(days=1),
    )
    Consultation.objects.filter(pk=closed.pk).update(closes_at=now)
    return {
        "home": "/",
        "sign-in": "/accounts/login/",
        "services": "/services/",
        "service": f"/services/{course.service.uid}/",
        "consultations": "/consultations/",
        "consultation": f"/consultations/{consultation.uid}/",
        "associations": "/associations/",
        "rules": "/policies/",
        "calculator": "/policies/calculator/work_permit_points/",
        "hukou calculator": "/policies/calculator/gz_points_hukou/",
        "verify a permit": "/verify",
        "open data": "/open-data/",
        "summary": f"/consultations/{closed.uid}/summary/",
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_portal_pages_have_no_serious_violations(
    live_server: Any, browser: Any, city: dict[str, str], resident: Any, language: str
) -> None:
    # axe is injected as an inline script, which the site's CSP rightly refuses
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url)
    choose_language(page, language)
    found = {}
    for name, path in city.items():
        page.goto(live_server.url + path)
        found[name] = violations(page)
    # and the pages of a signed-in resident
    sign_in(page, live_server.url, resident())
    for name, path in {
        "my courses": "/me/courses/",
        "legal aid": "/legal-aid/",
        "ask for legal help": "/legal-aid/new/",
        "volunteer": "/volunteer/",
    }.items():
        page.goto(live_server.url + path)
        found[name] = violations(page)
    context.close()
    assert not {k: v for k, v in found.items() if v}, found


def test_the_home_page_works_with_the_keyboard_alone(live_server: Any, browser: Any) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live_server.url)
    choose_language(page, "en")
    # the first Tab reaches the skip link, which moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    # Tab on through the needs until "Find a course or a service", then Enter
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "find-services":
            break
    assert page.evaluate("document.activeElement.id") == "find-services"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/services/")
    # the language menu opens and switches with the keyboard too
    page.focus("details.lang summary")
    page.keyboard.press("Enter")
    page.focus("button[name=language][value=fr]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.close()
