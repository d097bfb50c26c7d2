"""The one-window journeys in the browser.

(1) An employer files a hiring demand, an HRSS officer approves it; the employer then files a
work-and-residence permit for a Nigerian engineer; a foreign-experts officer and an exit-entry
officer each claim and approve their review at the same time (two browsers); the application
shows "Permit issued", and the permit's QR link verifies as valid.
(2) An internal migrant applies for a residence permit and gets it.
"""

import datetime

import pytest
from django.utils import timezone, translation

from onewindow.accounts.models import Agency, Role
from onewindow.accounts.services import totp_current_code, totp_device
from onewindow.applications.models import Application, Status
from tests.conftest import PASSWORD, TIANHE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _label(status: str, language: str) -> str:
    with translation.override(language):
        return str(Status(status).label)


def sign_in(page, base: str, user, staff: bool = False) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    if staff:
        page.fill("#id_otp_token", totp_current_code(totp_device(user)))
    press(page, "button[type=submit]:not(.link)")
    assert "/accounts/login/" not in page.url, page.locator("main").inner_text()


def press(page, selector: str) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def no_overflow(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the viewport: {page.url}"


def fill(page, answers: dict) -> None:
    for name, value in answers.items():
        selector = f"#id_a-{name}"
        tag = page.eval_on_selector(selector, "e => e.tagName + ':' + (e.type || '')")
        if tag.startswith("SELECT"):
            page.select_option(selector, value)
        elif tag == "INPUT:checkbox":
            page.set_checked(selector, bool(value))
        else:
            page.fill(selector, str(value))


def upload(page, code: str, name: str, content: bytes, mime: str) -> None:
    page.select_option("#id_code", code)
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": mime, "buffer": content}])
    press(page, "#upload")
    assert page.locator("#error").count() == 0, page.locator("#error").inner_text()


def start(page, base: str, type_code: str) -> str:
    page.goto(f"{base}/applications/")
    page.click(f"button[data-type={type_code}]")
    page.wait_for_url(f"{base}/applications/OW*/")
    return page.locator("#reference").inner_text().strip()


def file_application(page, base, shoot, type_code, answers, documents, step) -> str:
    """Start, fill, save, upload and submit; returns the reference number."""
    reference = start(page, base, type_code)
    fill(page, answers)
    shoot(page, f"{step}-form")
    no_overflow(page)
    press(page, "#save-draft")
    assert page.locator("#error").count() == 0
    for code, name, content, mime in documents:
        upload(page, code, name, content, mime)
    shoot(page, f"{step}-documents")
    press(page, "#submit")
    assert page.locator("#error").count() == 0, page.locator("#error").inner_text()
    shoot(page, f"{step}-submitted")
    no_overflow(page)
    return reference


def officer_opens(page, base, officer, reference) -> None:
    sign_in(page, base, officer, staff=True)
    page.goto(f"{base}/staff/queue/")
    page.click(f"a:text('{reference}')")
    page.wait_for_url(f"{base}/staff/reviews/*/")


def claim_and_approve(page, shoot, step) -> None:
    press(page, "#claim")
    shoot(page, f"{step}-claimed")
    no_overflow(page)
    press(page, "#approve")
    assert page.locator("#error").count() == 0, page.locator("#error").inner_text()


@pytest.mark.parametrize(
    ("viewport", "locale", "language"),
    [(DESKTOP, "zh-CN", "zh-hans"), (PHONE, "en-US", "en")],
    ids=["desktop-zh", "phone-en"],
)
def test_employer_demand_then_integrated_permit_for_a_nigerian_engineer(
    live_server, browser, make_user, shoot, viewport, locale, language
):
    from onewindow.permits.models import Permit
    from onewindow.permits.signing import permit_token, qr_svg_data_uri, verify_url

    base = live_server.url
    employer = make_user(Role.EMPLOYER)
    hrss = make_user(Role.OFFICER, agency=Agency.objects.get(code="hrss"), districts=[TIANHE])
    experts = make_user(
        Role.OFFICER, agency=Agency.objects.get(code="foreign_expert"), districts=[TIANHE]
    )
    exit_entry = make_user(
        Role.OFFICER, agency=Agency.objects.get(code="exit_entry"), districts=[TIANHE]
    )
    contexts = [browser.new_context(locale=locale, viewport=viewport) for _ in range(4)]
    page, hrss_page, officer_a, officer_b = (c.new_page() for c in contexts)

    # the employer files its hiring demand
    sign_in(page, base, employer)
    page.goto(f"{base}/applications/")
    shoot(page, "1-my-applications")
    no_overflow(page)
    demand = file_application(
        page,
        base,
        shoot,
        "employer_demand",
        {
            "position_title": "Structural engineer",
            "occupation_category": "professional",
            "number_of_posts": 1,
            "annual_salary": "45.5",
            "work_district": TIANHE,
            "justification": "Bridge design experience not found in local recruitment.",
        },
        [("business_licence", "licence.pdf", PDF, "application/pdf")],
        "2-demand",
    )

    # an HRSS officer approves it
    officer_opens(hrss_page, base, hrss, demand)
    shoot(hrss_page, "3-hrss-review")
    claim_and_approve(hrss_page, shoot, "3-hrss")
    assert Application.objects.get(reference=demand).status == Status.APPROVED

    # the employer files the integrated permit for the engineer
    today = timezone.localdate()
    permit_ref = file_application(
        page,
        base,
        shoot,
        "work_residence_permit",
        {
            "employee_family_name": "Okafor",
            "employee_given_name": "Chinedu",
            "employee_sex": "M",
            "employee_birth_date": "1988-04-12",
            "employee_nationality": "NG",
            "employee_passport_number": "A12345678",
            "points_class": "B",
            "position_title": "Structural engineer",
            "annual_salary": "45.5",
            "work_district": TIANHE,
            "contract_start": today.isoformat(),
            "contract_end": (today + datetime.timedelta(days=730)).isoformat(),
            "highest_degree": "master",
            "years_of_experience": 8,
            "months_in_china_per_year": 12,
            "hsk_level": 3,
        },
        [
            ("passport_copy", "passport.pdf", PDF, "application/pdf"),
            ("employment_contract", "contract.pdf", PDF, "application/pdf"),
            ("degree_certificate", "degree.pdf", PDF, "application/pdf"),
            ("no_criminal_record", "record.pdf", PDF, "application/pdf"),
            ("health_certificate", "health.pdf", PDF, "application/pdf"),
            ("photo", "photo.png", PNG, "image/png"),
        ],
        "4-permit",
    )
    application = Application.objects.get(reference=permit_ref)
    assert application.status == Status.IN_REVIEW
    assert application.reviews.count() == 2

    # the two agencies review in parallel, each in its own browser
    officer_opens(officer_a, base, experts, permit_ref)
    officer_opens(officer_b, base, exit_entry, permit_ref)
    shoot(officer_b, "5-exit-entry-review")
    no_overflow(officer_b)
    press(officer_a, "#claim")
    press(officer_b, "#claim")
    press(officer_a, "#approve")
    press(officer_b, "#approve")
    shoot(officer_b, "5-approved")
    for officer_page in (officer_a, officer_b):
        assert officer_page.locator("#error").count() == 0

    # then the employer sees the permit issued
    page.goto(f"{base}/applications/{permit_ref}/")
    assert page.locator("#status").inner_text().strip() == _label(Status.ISSUED, language)
    shoot(page, "6-issued")
    no_overflow(page)

    # and the permit's QR code carries a link that verifies as valid
    page.click("#permit-link")
    page.wait_for_url(f"{base}/permits/*/")
    shoot(page, "7-permit")
    permit = Permit.objects.get(application__reference=permit_ref)
    assert permit.holder.nationality == "NG"
    link = verify_url(permit_token(permit), f"{base}/")
    assert page.locator(".permit-qr img").get_attribute("src") == qr_svg_data_uri(link)
    page.goto(link)
    page.locator("#verdict.verdict-valid").wait_for()
    shoot(page, "8-verified")
    no_overflow(page)
    for context in contexts:
        context.close()


@pytest.mark.parametrize(
    ("viewport", "locale", "language"),
    [(PHONE, "zh-CN", "zh-hans"), (DESKTOP, "en-US", "en")],
    ids=["phone-zh", "desktop-en"],
)
def test_internal_migrant_gets_a_residence_permit_and_endorses_it_a_year_later(
    live_server, browser, make_user, make_person, shoot, viewport, locale, language
):
    base = live_server.url
    person = make_person(zh_name="刘洋", district=TIANHE)  # registered in Tianhe since 2023
    resident = make_user(Role.RESIDENT, person=person)
    officer = make_user(
        Role.OFFICER, agency=Agency.objects.get(code="household"), districts=[TIANHE]
    )
    resident_ctx = browser.new_context(locale=locale, viewport=viewport)
    officer_ctx = browser.new_context(locale=locale, viewport=viewport)
    page, staff = resident_ctx.new_page(), officer_ctx.new_page()

    sign_in(page, base, resident)
    reference = file_application(
        page,
        base,
        shoot,
        "residence_permit",
        {
            "basis": "employment",
            "resident_since": "2023-01-01",
            "district": TIANHE,
            "address": "天河区体育西路100号1201房",
            "phone": "13800138000",
        },
        [
            ("id_card_copy", "id.pdf", PDF, "application/pdf"),
            ("proof_of_basis", "contract.pdf", PDF, "application/pdf"),
        ],
        "1-residence",
    )
    assert page.locator("#status").inner_text().strip() == _label(Status.IN_REVIEW, language)

    officer_opens(staff, base, officer, reference)
    staff.goto(f"{base}/staff/queue/")
    shoot(staff, "2-queue")
    no_overflow(staff)
    staff.click(f"a:text('{reference}')")
    staff.wait_for_url(f"{base}/staff/reviews/*/")
    shoot(staff, "3-review")
    no_overflow(staff)
    claim_and_approve(staff, shoot, "3-household")

    page.goto(f"{base}/applications/{reference}/")
    assert page.locator("#status").inner_text().strip() == _label(Status.ISSUED, language)
    assert page.locator("#permit-link").is_visible()
    shoot(page, "4-issued")
    no_overflow(page)
    page.goto(f"{base}/notifications/")
    assert page.locator(".notes li").count() >= 2
    shoot(page, "5-messages")
    no_overflow(page)

    # a year later the permit has lapsed unendorsed; the holder applies for the endorsement
    from onewindow.permits.models import Permit

    permit = Permit.objects.get(application__reference=reference)
    lapsed = timezone.localdate() - datetime.timedelta(days=2)
    Permit.objects.filter(pk=permit.pk).update(
        valid_from=lapsed - datetime.timedelta(days=365), valid_to=lapsed
    )
    endorsement = file_application(
        page,
        base,
        shoot,
        "residence_permit_endorsement",
        {"basis_continues": True, "late_rule_acknowledged": True},
        [("proof_of_basis", "contract.pdf", PDF, "application/pdf")],
        "6-endorsement",
    )
    staff.goto(f"{base}/staff/queue/")
    staff.click(f"a:text('{endorsement}')")
    staff.wait_for_url(f"{base}/staff/reviews/*/")
    claim_and_approve(staff, shoot, "7-endorsed")
    page.goto(f"{base}/applications/{endorsement}/")
    assert page.locator("#status").inner_text().strip() == _label(Status.ISSUED, language)
    # the same permit now runs a year from the late endorsement
    permit.refresh_from_db()
    assert permit.valid_to > timezone.localdate() + datetime.timedelta(days=360)
    assert Permit.objects.filter(holder=person).count() == 1
    shoot(page, "8-endorsed")
    no_overflow(page)
    resident_ctx.close()
    officer_ctx.close()
