"""The one-window workflow through its services: parallel reviews, clocks, decisions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from onewindow.accounts.models import Agency, Role
from onewindow.applications import calendar
from onewindow.applications.definitions import application_type
from onewindow.applications.models import (
    Application,
    Document,
    Notification,
    Review,
    ReviewStatus,
    Status,
    Transition,
)
from onewindow.applications.services import (
    application_answer,
    application_save,
    application_start,
    application_submit,
    application_withdraw,
    document_upload,
    review_approve,
    review_claim,
    review_due_state,
    review_reject,
    review_request_info,
)
from onewindow.core.errors import ConflictError, DomainError
from tests.conftest import BAIYUN, TIANHE

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40

DEMAND = {
    "position_title": "Senior engineer",
    "occupation_category": None,
    "number_of_posts": 1,
    "annual_salary": "45",
    "work_district": TIANHE,
    "justification": "No local candidate has the required experience.",
}
# A Nigerian engineer of class B: salary 45 → 20, master's → 15, 8 years → 11, 12 months → 15,
# HSK 3 → 3, aged 38 → 15: 79 points (work_permit_points@2017-provisional).
WORK_PERMIT = {
    "employee_birth_date": "1988-04-12",
    "annual_salary": "45",
    "highest_degree": "master",
    "years_of_experience": 8,
    "months_in_china_per_year": 12,
    "hsk_level": 3,
}


def _fill(type_code: str, answers: dict) -> dict:
    """Answers for every required field: the given ones, else the first choice or a value."""
    spec = application_type(type_code)
    filled = {}
    for field in spec.fields:
        if answers.get(field.name) is not None:
            filled[field.name] = answers[field.name]
        elif field.type == "choice":
            filled[field.name] = field.choices[0].value
        elif field.type == "date":
            filled[field.name] = "2026-01-01"
        elif field.type in ("integer", "decimal"):
            filled[field.name] = int(field.min or 1)
        elif field.type == "country":
            filled[field.name] = "NG"
        elif field.type == "boolean":
            filled[field.name] = True
        else:
            filled[field.name] = "x" * min(field.max_length or 10, 10)
    return filled


def _draft(user, type_code: str, answers: dict | None = None) -> Application:
    application = application_start(actor=user, type_code=type_code)
    application = application_save(
        actor=user,
        application=application,
        answers=_fill(type_code, answers or {}),
        version=application.version,
    )
    for doc in application_type(type_code).documents:
        if doc.required:
            content = PDF if "application/pdf" in doc.content_types else PNG
            document_upload(actor=user, application=application, code=doc.code, upload=content)
    return application


def _officer(make_user, agency: str, district: str = TIANHE):
    return make_user(Role.OFFICER, districts=[district], agency=Agency.objects.get(code=agency))


def _decide(officer, review: Review) -> Review:
    review = review_claim(actor=officer, review=review, version=review.version)
    return review_approve(actor=officer, review=review, version=review.version)


@pytest.fixture
def employer(make_user):
    return make_user(Role.EMPLOYER)


def test_employer_demand_is_reviewed_and_approved(employer, make_user):
    # given an employer's complete demand
    application = _draft(employer, "employer_demand", DEMAND)
    # when it is submitted
    application = application_submit(
        actor=employer, application=application, version=application.version
    )
    # then one review per agency of the type is open, due in its working days
    review = application.reviews.get()
    assert application.status == Status.IN_REVIEW
    assert review.agency.code == "hrss"
    assert review.due_date == calendar.add_working_days(timezone.localdate(), 10)
    # when the hrss officer of the district claims and approves it
    _decide(_officer(make_user, "hrss"), review)
    application.refresh_from_db()
    # then the application is approved (a demand issues no permit) and the employer was told
    assert application.status == Status.APPROVED
    assert Notification.objects.filter(user=employer, application=application).count() == 2
    assert list(
        application.transitions.filter(review=None).values_list("to_status", flat=True)
    ) == [
        "draft",
        "submitted",
        "in_review",
        "approved",
    ]


def test_integrated_permit_needs_an_approved_demand_of_the_same_employer(employer, make_user):
    application = _draft(employer, "work_residence_permit", WORK_PERMIT)
    with pytest.raises(DomainError) as error:
        application_submit(actor=employer, application=application, version=application.version)
    assert error.value.code == "requirement_missing"
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert not application.reviews.exists()


def test_rejection_needs_a_reason_closes_the_other_reviews_and_tells_the_applicant(
    employer, make_user
):
    demand = _draft(employer, "employer_demand", DEMAND)
    demand = application_submit(actor=employer, application=demand, version=demand.version)
    _decide(_officer(make_user, "hrss"), demand.reviews.get())
    application = _draft(employer, "work_residence_permit", WORK_PERMIT)
    application = application_submit(
        actor=employer, application=application, version=application.version
    )
    # given two parallel reviews
    assert set(application.reviews.values_list("agency__code", flat=True)) == {
        "foreign_expert",
        "exit_entry",
    }
    expert = _officer(make_user, "foreign_expert")
    review = application.reviews.get(agency__code="foreign_expert")
    review = review_claim(actor=expert, review=review, version=review.version)
    # when the officer rejects without a reason, nothing happens
    with pytest.raises(DomainError) as error:
        review_reject(actor=expert, review=review, version=review.version, reason="  ")
    assert error.value.code == "reason_required"
    # when with a reason
    review_reject(
        actor=expert, review=review, version=review.version, reason="The contract is not signed."
    )
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert application.reviews.get(agency__code="exit_entry").status == ReviewStatus.CLOSED
    note = Notification.objects.filter(user=employer, application=application).first()
    assert "The contract is not signed." in note.text


def test_information_request_pauses_the_clock(make_user, make_person):
    resident_person = make_person(zh_name="陈静")
    # registered for two years, so eligible
    resident_person.residences.update(valid_from=datetime.date(2023, 1, 1))
    resident = make_user(Role.RESIDENT, person=resident_person)
    application = _draft(
        resident,
        "residence_permit",
        {"basis": "employment", "phone": "13800138000", "district": TIANHE},
    )
    application = application_submit(
        actor=resident, application=application, version=application.version
    )
    officer = _officer(make_user, "household")
    review = application.reviews.get()
    due = review.due_date
    review = review_claim(actor=officer, review=review, version=review.version)
    review = review_request_info(
        actor=officer, review=review, version=review.version, question="Please add your lease."
    )
    application.refresh_from_db()
    assert application.status == Status.INFO_REQUESTED
    assert review_due_state(review) == "paused"
    # when the applicant answers three working days later
    Review.objects.filter(pk=review.pk).update(
        paused_at=timezone.now() - datetime.timedelta(days=5)
    )
    waited = calendar.working_days_between(
        timezone.localdate() - datetime.timedelta(days=5), timezone.localdate()
    )
    application_answer(
        actor=resident,
        application=application,
        version=application.version,
        answer="Lease attached.",
    )
    review.refresh_from_db()
    application.refresh_from_db()
    # then the review resumes and its due date moved by the working days it waited
    assert application.status == Status.IN_REVIEW
    assert review.status == ReviewStatus.CLAIMED
    assert review.due_date == calendar.add_working_days(due, waited)
    assert review.info_requests.get().answer == "Lease attached."


def test_residence_permit_needs_six_months_of_residence(make_user, make_person):
    newcomer = make_person(zh_name="刘洋")
    newcomer.residences.update(valid_from=timezone.localdate() - datetime.timedelta(days=30))
    resident = make_user(Role.RESIDENT, person=newcomer)
    application = _draft(
        resident,
        "residence_permit",
        {"basis": "employment", "phone": "13800138000", "district": TIANHE},
    )
    with pytest.raises(DomainError) as error:
        application_submit(actor=resident, application=application, version=application.version)
    assert error.value.code == "not_eligible"


def test_withdraw_before_a_decision_only(employer, make_user):
    application = _draft(employer, "employer_demand", DEMAND)
    application = application_submit(
        actor=employer, application=application, version=application.version
    )
    application = application_withdraw(
        actor=employer, application=application, version=application.version
    )
    assert application.status == Status.WITHDRAWN
    assert application.reviews.get().status == ReviewStatus.CLOSED
    with pytest.raises(DomainError):
        application_withdraw(actor=employer, application=application, version=application.version)


def test_stale_version_is_a_conflict_and_changes_nothing(employer, make_user):
    application = _draft(employer, "employer_demand", DEMAND)
    application = application_submit(
        actor=employer, application=application, version=application.version
    )
    review = application.reviews.get()
    first, second = _officer(make_user, "hrss"), _officer(make_user, "hrss")
    stale = review.version
    review_claim(actor=first, review=review, version=stale)
    before = Transition.objects.count()
    with pytest.raises(ConflictError):
        review_claim(actor=second, review=review, version=stale)
    review.refresh_from_db()
    assert review.officer == first
    assert Transition.objects.count() == before


def test_only_the_right_agency_and_district_may_review(employer, make_user):
    application = _draft(employer, "employer_demand", DEMAND)
    application = application_submit(
        actor=employer, application=application, version=application.version
    )
    review = application.reviews.get()
    for outsider in (
        _officer(make_user, "exit_entry"),
        _officer(make_user, "hrss", BAIYUN),
        make_user(Role.ANALYST),
    ):
        with pytest.raises(PermissionDenied):
            review_claim(actor=outsider, review=review, version=review.version)
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_another_user_cannot_touch_my_application(employer, make_user):
    application = _draft(employer, "employer_demand", DEMAND)
    other = make_user(Role.EMPLOYER)
    with pytest.raises(PermissionDenied):
        application_submit(actor=other, application=application, version=application.version)
    with pytest.raises(PermissionDenied):
        application_withdraw(actor=other, application=application, version=application.version)


def test_a_disguised_or_oversized_upload_is_refused_and_nothing_is_stored(employer):
    application = application_start(actor=employer, type_code="employer_demand")
    code = application_type("employer_demand").documents[0].code
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    with pytest.raises(DomainError) as error:
        document_upload(actor=employer, application=application, code=code, upload=elf)
    assert error.value.code == "file_type"
    big = PDF + b"0" * int(application_type("employer_demand").documents[0].max_mb * 2**20)
    with pytest.raises(DomainError) as error:
        document_upload(actor=employer, application=application, code=code, upload=big)
    assert error.value.code == "file_too_large"
    assert not Document.objects.filter(application=application).exists()


def test_working_days_skip_holidays_and_count_adjusted_weekends():
    # 2026-10-01..07 is the National Day holiday; Saturday 2026-10-10 is a working day
    assert calendar.add_working_days(datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 8)
    assert calendar.is_working_day(datetime.date(2026, 10, 10))
    assert not calendar.is_working_day(datetime.date(2026, 10, 11))
    assert (
        calendar.working_days_between(datetime.date(2026, 9, 30), datetime.date(2026, 10, 12)) == 4
    )


def test_reminders_are_sent_once_to_the_right_officer(employer, make_user):
    from onewindow.applications.reminders import reminders_send

    application = _draft(employer, "employer_demand", DEMAND)
    application = application_submit(
        actor=employer, application=application, version=application.version
    )
    officer = _officer(make_user, "hrss")
    elsewhere = _officer(make_user, "hrss", BAIYUN)
    review = application.reviews.get()
    # when the job runs on the due date, twice
    first = reminders_send(today=review.due_date)
    again = reminders_send(today=review.due_date)
    # then the district's officer is told once, the other district's officer never
    assert first["review_due"] == 1
    assert again["review_due"] == 0
    assert Notification.objects.filter(user=officer, kind="review_due").count() == 1
    assert not Notification.objects.filter(user=elsewhere).exists()
    # and after the due date it is an overdue reminder, also once
    later = calendar.add_working_days(review.due_date, 1)
    assert reminders_send(today=later)["review_overdue"] == 1
    assert reminders_send(today=later)["review_overdue"] == 0


def test_a_residence_permit_is_issued_and_endorsed_late_a_year_later(make_user, make_person):
    from onewindow.permits.models import Permit
    from onewindow.permits.signing import permit_token, verify_token

    person = make_person(zh_name="黄丽")
    person.residences.update(valid_from=datetime.date(2023, 1, 1))
    resident = make_user(Role.RESIDENT, person=person)
    household = _officer(make_user, "household")
    answers = {"basis": "employment", "phone": "13800138000", "district": TIANHE}
    application = _draft(resident, "residence_permit", answers)
    application = application_submit(
        actor=resident, application=application, version=application.version
    )
    _decide(household, application.reviews.get())
    application.refresh_from_db()
    # then the permit is issued, once, and its QR token verifies
    assert application.status == Status.ISSUED
    permit = Permit.objects.get(application=application)
    assert verify_token(permit_token(permit)).status == "valid"
    # given the year has passed and the permit lapsed without endorsement
    lapsed = timezone.localdate() - datetime.timedelta(days=3)
    Permit.objects.filter(pk=permit.pk).update(
        valid_from=lapsed - datetime.timedelta(days=365), valid_to=lapsed
    )
    # when the holder applies late for the endorsement and it is approved
    endorsement = _draft(resident, "residence_permit_endorsement")
    endorsement = application_submit(
        actor=resident, application=endorsement, version=endorsement.version
    )
    _decide(household, endorsement.reviews.get())
    permit.refresh_from_db()
    endorsement.refresh_from_db()
    # then the same permit runs a year from the late endorsement; no second permit
    assert endorsement.status == Status.ISSUED
    assert Permit.objects.filter(holder=person).count() == 1
    assert permit.valid_to == (timezone.localdate() - datetime.timedelta(days=1)).replace(
        year=timezone.localdate().year + 1
    )


def test_notifications_are_written_in_the_recipients_language(make_user):
    # given an employer who reads Chinese and one who reads English
    chinese = make_user(Role.EMPLOYER, language="zh-hans")
    english = make_user(Role.EMPLOYER, language="en")
    for employer in (chinese, english):
        application = _draft(employer, "employer_demand", DEMAND)
        application_submit(actor=employer, application=application, version=application.version)
    # then each is told in their own language, whatever language the request was in
    assert "正在审核" in Notification.objects.get(user=chinese).text
    assert "is being reviewed" in Notification.objects.get(user=english).text
