"""The demo's consolidation journey: an administrator imports the three agency extracts,
reads a reject report, runs linkage, settles a doubtful pair and finds the golden record
with its sources — on a desktop in Chinese and on a phone in English."""

import pytest

from onewindow.accounts.models import Role
from onewindow.consolidation.demo_extracts import write_demo_extracts
from onewindow.consolidation.models import RecordLink, ReviewPair
from onewindow.geo.services import geo_load_reference_data
from onewindow.registry.generate import generate_city
from tests.e2e.test_application_journeys import DESKTOP, PHONE, no_overflow, press, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXTRACTS = [
    ("social_insurance", "social_insurance.csv"),
    ("exit_entry", "exit_entry.csv"),
    ("service_stations", "service_stations.xlsx"),
]
TEXT = {
    "zh-CN": {"review": "待核对", "same": "同一人", "sources": "来源记录"},
    "en-GB": {"review": "Pairs to review", "same": "Same person", "sources": "Source records"},
}


@pytest.mark.parametrize(("locale", "viewport"), [("zh-CN", DESKTOP), ("en-GB", PHONE)])
def test_administrator_consolidates_three_extracts(
    live_server, browser, make_user, shoot, tmp_path, settings, locale, viewport
):
    settings.VAR_DIR = tmp_path
    geo_load_reference_data()
    generate_city(persons=800, seed=5, chunk_size=400, progress=False)
    folder = write_demo_extracts(size=60)
    admin = make_user(Role.ADMINISTRATOR)
    page = browser.new_context(locale=locale, viewport=viewport).new_page()
    sign_in(page, live_server.url, admin, staff=True)
    # the three extracts, each with its report
    for source, name in EXTRACTS:
        page.goto(f"{live_server.url}/staff/imports/")
        page.select_option("#id_source", source)
        page.set_input_files("#id_file", str(folder / name))
        press(page, "#import")
        assert int(page.locator("#rows-accepted").inner_text()) > 0
        if source == "social_insurance":
            assert int(page.locator("#rows-rejected").inner_text()) > 0
            assert page.locator("#rejects").is_visible()
            no_overflow(page)
            shoot(page, f"linkage-report-{locale}")
    # linkage from the page: the doubtful pairs wait for review
    page.goto(f"{live_server.url}/staff/linkage/")
    press(page, "#link")
    assert TEXT[locale]["review"] in page.locator("#h-review").inner_text()
    assert int(page.locator("#to-review").inner_text()) >= 3
    no_overflow(page)
    shoot(page, f"linkage-queue-{locale}")
    # the pair side by side, with its weights; the officer says it is the same person
    press(page, "a.review-pair >> nth=0")
    assert page.locator("#compare tr.differs").count() >= 1
    assert page.locator("#weights tr").count() >= 4
    assert TEXT[locale]["same"] in page.locator("#link").inner_text()
    no_overflow(page)
    shoot(page, f"linkage-pair-{locale}")
    pair = ReviewPair.objects.get(uid=page.url.rstrip("/").split("/")[-1])
    press(page, "#link")
    assert RecordLink.objects.get(record=pair.record).person == pair.person
    # the golden record with its sources, the hand-written visitor among them
    page.goto(f"{live_server.url}/staff/linkage/persons/{pair.person.uid}/")
    assert TEXT[locale]["sources"] in page.locator("#h-sources").inner_text()
    assert page.locator("#sources tbody tr").count() >= 2
    assert page.locator("#provenance tbody tr").count() >= 5
    no_overflow(page)
    shoot(page, f"linkage-golden-{locale}")
