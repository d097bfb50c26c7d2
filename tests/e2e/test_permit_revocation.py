"""An officer finds a permit holder, revokes the permit with a reason from its page, and the
permit's QR code verifies as revoked from then on."""

import pytest
from django.utils import timezone

from onewindow.accounts.models import Agency, Role
from onewindow.applications.definitions import application_type
from onewindow.applications.models import Application, Review, ReviewStatus
from onewindow.permits.services import permit_issue
from onewindow.permits.signing import permit_token
from tests.conftest import TIANHE
from tests.e2e.test_application_journeys import no_overflow, press, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
)
def test_officer_revokes_a_permit_and_verify_says_revoked(
    live_server, browser, make_user, make_person, shoot, viewport
):
    # given a migrant in Tianhe holding a residence permit that the household-registration
    # authority reviewed, and one of its officers
    holder = make_person(zh_name="王芳", district=TIANHE)
    resident = make_user(Role.RESIDENT, person=holder)
    household = Agency.objects.get(code="household")
    application = Application.objects.create(
        reference="R-TEST-000001",
        type_code="residence_permit",
        type_version=1,
        applicant=resident,
        person=holder,
        status="approved",
    )
    Review.objects.create(
        application=application,
        agency=household,
        status=ReviewStatus.APPROVED,
        deadline_working_days=7,
        due_date=timezone.localdate(),
    )
    permit = permit_issue(
        actor=None,
        application=application,
        holder=holder,
        spec=application_type("residence_permit").permit,
        valid_from=timezone.localdate(),
    )
    officer = make_user(Role.OFFICER, districts=[TIANHE], agency=household, language="en")
    page = browser.new_context(locale="en-GB", viewport=viewport).new_page()
    base = live_server.url

    # when the officer opens the holder's record and follows the permit
    sign_in(page, base, officer, staff=True)
    page.goto(f"{base}/staff/persons/{holder.uid}/")
    press(page, f"a[href='/permits/{permit.uid}/']")
    no_overflow(page)
    # and revokes it without a reason first, then with one
    page.click("summary:has-text('Revoke')")
    page.eval_on_selector("#id_reason", "e => e.removeAttribute('required')")
    press(page, "#revoke")
    assert "Give the reason" in page.locator("#error").inner_text()
    page.fill("#id_reason", "The residence registration was found to be false.")
    shoot(page, "revoke-form")
    press(page, "#revoke")
    # then the page shows it revoked, with the reason, and no more change forms
    assert page.locator(".badge.permit-status-revoked").is_visible()
    assert "found to be false" in page.locator("#revoke-reason").inner_text()
    assert page.locator("#revoke").count() == 0
    no_overflow(page)
    shoot(page, "revoked")

    # and anyone scanning the card's QR code is told it is revoked
    scan = browser.new_context(locale="en-GB", viewport=viewport).new_page()
    scan.goto(f"{base}/verify#t={permit_token(permit)}")
    scan.locator("#verdict.verdict-revoked").wait_for()
    shoot(scan, "verify-revoked")
