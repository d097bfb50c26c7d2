"""The workflow's pages through Django's test client: a resident files a residence permit,
uploads documents (good, disguised, oversized), submits; officers work the queue; the
permission matrix of every page; query counts; conflicts between two officers."""

import datetime
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onewindow.accounts.models import Agency, Role
from onewindow.applications import calendar, services
from onewindow.applications.models import (
    Application,
    Document,
    Notification,
    Review,
    ReviewStatus,
    Status,
)
from tests.conftest import BAIYUN, TIANHE, signed_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
COMPLETE = {
    "basis": "employment",
    "resident_since": "2023-01-01",
    "district": TIANHE,
    "address": "天河路1号101房",
    "phone": "13800138000",
}
CONFLICT = "Someone else acted on this application first"


def _en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _form(answers: dict, version: int) -> dict:
    return {"version": version, **{f"a-{k}": v for k, v in answers.items()}}


def _pdf(name: str = "id.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def world(make_person, make_user):
    """A resident of Tianhe (registered there since 2023), and the officers around them."""
    household = Agency.objects.get(code="household")
    person = make_person(zh_name="王芳", district=TIANHE)
    return {
        "resident": make_user(Role.RESIDENT, person=person, language="en"),
        "other_resident": make_user(
            Role.RESIDENT, person=make_person(district=TIANHE), language="en"
        ),
        "employer": make_user(Role.EMPLOYER),
        "officer": make_user(Role.OFFICER, districts=[TIANHE], agency=household),
        "officer2": make_user(Role.OFFICER, districts=[TIANHE], agency=household),
        "officer_other_agency": make_user(Role.OFFICER, districts=[TIANHE]),
        "officer_other_district": make_user(Role.OFFICER, districts=[BAIYUN], agency=household),
        "supervisor": make_user(Role.SUPERVISOR, districts=[TIANHE], agency=household),
    }


def submitted(resident) -> Application:
    """A residence-permit application filed through the services, now in review."""
    application = services.application_start(actor=resident, type_code="residence_permit")
    application = services.application_save(
        actor=resident, application=application, answers=COMPLETE, version=application.version
    )
    for code in ("id_card_copy", "proof_of_basis"):
        services.document_upload(actor=resident, application=application, code=code, upload=PDF)
    application.refresh_from_db()
    services.application_submit(
        actor=resident, application=application, version=application.version
    )
    application.refresh_from_db()
    return application


def _review(application: Application) -> Review:
    return Review.objects.get(application=application)


# --- the resident's journey -------------------------------------------------------------------


def test_resident_drafts_uploads_and_submits(world):
    client = _en(signed_in(world["resident"]))

    # when the resident starts a residence permit
    response = client.post("/applications/new/residence_permit/")
    application = Application.objects.get(applicant=world["resident"])
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{application.reference}/"
    assert application.status == Status.DRAFT

    # and saves partial answers
    partial = {"basis": "employment", "address": "天河路1号101房"}
    response = client.post(
        f"/applications/{application.reference}/save/", _form(partial, application.version)
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.data == partial

    # then coming back shows them in the form
    page = client.get(f"/applications/{application.reference}/").content.decode()
    assert 'value="天河路1号101房"' in page
    assert '<option value="employment" selected>' in page

    # when the resident uploads a real PDF
    url = f"/applications/{application.reference}/upload/"
    response = client.post(url, {"code": "id_card_copy", "file": _pdf()})
    assert response.status_code == 302
    assert Document.objects.filter(application=application).count() == 1

    # and a program disguised as a PDF
    response = client.post(url, {"code": "proof_of_basis", "file": _pdf("lease.pdf", ELF)})
    # then it is refused with a clear message and nothing is stored
    assert response.status_code == 400
    assert (
        "This file is not one of the accepted kinds (PDF, JPEG, PNG)." in response.content.decode()
    )
    assert Document.objects.filter(application=application).count() == 1

    # and an oversized file (the identity card takes 5 MB at most) is refused too
    big = PDF + b"0" * (5 * 1024 * 1024)
    response = client.post(url, {"code": "id_card_copy", "file": _pdf("big.pdf", big)})
    assert response.status_code == 400
    assert "The file is larger than 5 MB." in response.content.decode()
    assert Document.objects.filter(application=application).count() == 1

    # when the resident submits with answers still missing
    application.refresh_from_db()
    response = client.post(
        f"/applications/{application.reference}/submit/", {"version": application.version}
    )
    # then the missing field is named, and the application stays a draft
    assert response.status_code == 400
    assert "Living in Guangzhou since is required." in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.DRAFT

    # when the answers are completed, the second document added, and the draft submitted
    client.post(
        f"/applications/{application.reference}/save/", _form(COMPLETE, application.version)
    )
    client.post(url, {"code": "proof_of_basis", "file": _pdf("lease.pdf")})
    application.refresh_from_db()
    response = client.post(
        f"/applications/{application.reference}/submit/", {"version": application.version}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW

    # then the page shows the timeline with the household review and its due date
    review = _review(application)
    assert review.agency.code == "household"
    assert review.due_date == calendar.add_working_days(timezone.localdate(), 15)
    page = client.get(f"/applications/{application.reference}/").content.decode()
    assert "In review" in page
    assert str(review.agency) in page
    assert review.due_date.isoformat() in page
    assert "Waiting for an officer" in page
    # and no form to change the answers any more
    assert 'name="a-address"' not in page
    # and the resident was notified, as the navigation counts
    assert Notification.objects.filter(user=world["resident"], read_at__isnull=True).exists()
    assert 'class="badge count"' in page
    notes = client.get("/notifications/").content.decode()
    assert application.reference in notes
    assert not Notification.objects.filter(user=world["resident"], read_at__isnull=True).exists()


def test_stale_draft_save_is_a_conflict_and_keeps_what_was_typed(world):
    client = _en(signed_in(world["resident"]))
    application = services.application_start(actor=world["resident"], type_code="residence_permit")
    stale = application.version
    services.application_save(
        actor=world["resident"],
        application=application,
        answers={"address": "first"},
        version=stale,
    )
    response = client.post(
        f"/applications/{application.reference}/save/", _form({"address": "second"}, stale)
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert CONFLICT in page
    assert 'value="second"' in page  # what the user typed is kept
    application.refresh_from_db()
    assert application.data == {"address": "first"}


def test_lookup_by_reference(world):
    mine = submitted(world["resident"])
    theirs = submitted(world["other_resident"])
    client = _en(signed_in(world["resident"]))

    response = client.post("/applications/lookup/", {"reference": mine.reference.lower()})
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{mine.reference}/"

    for reference in (theirs.reference, "OW000000", "nonsense"):
        response = client.post("/applications/lookup/", {"reference": reference})
        assert response.status_code == 404
        page = response.content.decode()
        assert "No application of yours has the reference number" in page
        assert f'href="/applications/{theirs.reference}/"' not in page


def test_withdraw_with_confirmation(world):
    application = submitted(world["resident"])
    client = _en(signed_in(world["resident"]))
    page = client.get(f"/applications/{application.reference}/").content.decode()
    assert '<details class="withdraw">' in page
    response = client.post(
        f"/applications/{application.reference}/withdraw/", {"version": application.version}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert _review(application).status == ReviewStatus.CLOSED
    page = client.get(f"/applications/{application.reference}/").content.decode()
    assert "Withdraw this application" not in page


def test_list_shows_my_applications_and_the_types_i_may_file(world):
    application = submitted(world["resident"])
    page = _en(signed_in(world["resident"])).get("/applications/").content.decode()
    assert application.reference in page
    assert "Residence registration and residence permit" in page
    assert "Employer&#x27;s demand to hire a foreign national" not in page
    page = _en(signed_in(world["employer"])).get("/applications/").content.decode()
    assert "Employer&#x27;s demand to hire a foreign national" in page
    assert application.reference not in page


def test_starting_a_type_of_another_role_is_forbidden(world):
    client = signed_in(world["employer"])
    response = client.post("/applications/new/residence_permit/")
    assert response.status_code == 403
    assert not Application.objects.exists()


# --- the officers -----------------------------------------------------------------------------


def test_officer_claims_asks_and_the_resident_answers_moving_the_due_date(world):
    application = submitted(world["resident"])
    review = _review(application)
    officer = _en(signed_in(world["officer"]))

    page = officer.get("/staff/queue/").content.decode()
    assert application.reference in page

    response = officer.post(f"/staff/reviews/{review.uid}/claim/", {"version": review.version})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.officer) == (ReviewStatus.CLAIMED, world["officer"])

    response = officer.post(
        f"/staff/reviews/{review.uid}/request_info/",
        {"version": review.version, "question": "Please send the lease's second page."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.INFO_REQUESTED
    # the question was asked eight days ago (the clock stopped then)
    asked = timezone.now() - datetime.timedelta(days=8)
    Review.objects.filter(pk=review.pk).update(paused_at=asked)
    review.refresh_from_db()
    due_before = review.due_date

    queue = officer.get("/staff/queue/").content.decode()
    assert 'class="badge paused"' in queue

    resident = _en(signed_in(world["resident"]))
    page = resident.get(f"/applications/{application.reference}/").content.decode()
    assert "Please send the lease&#x27;s second page." in page
    assert 'name="answer"' in page
    response = resident.post(
        f"/applications/{application.reference}/answer/",
        {"version": application.version, "answer": "Attached, page two."},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    application.refresh_from_db()
    waited = calendar.working_days_between(timezone.localdate(asked), timezone.localdate())
    assert waited > 0
    assert review.status == ReviewStatus.CLAIMED
    assert review.due_date == calendar.add_working_days(due_before, waited)
    assert review.due_date > due_before
    assert application.status == Status.IN_REVIEW

    # and the officer approves: the residence permit is issued
    response = officer.post(f"/staff/reviews/{review.uid}/approve/", {"version": review.version})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status in (Status.APPROVED, Status.ISSUED)


def test_reject_needs_a_reason_and_shows_it_to_the_applicant(world):
    application = submitted(world["resident"])
    review = _review(application)
    services.review_claim(actor=world["officer"], review=review, version=review.version)
    review.refresh_from_db()
    officer = _en(signed_in(world["officer"]))
    url = f"/staff/reviews/{review.uid}/reject/"
    response = officer.post(url, {"version": review.version, "reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for the rejection." in response.content.decode()
    response = officer.post(url, {"version": review.version, "reason": "The lease has expired."})
    assert response.status_code == 302
    page = _en(signed_in(world["resident"])).get(f"/applications/{application.reference}/")
    assert "The lease has expired." in page.content.decode()
    assert "Rejected" in page.content.decode()


def test_two_officers_at_once_the_second_gets_the_conflict(world):
    application = submitted(world["resident"])
    review = _review(application)
    seen = review.version
    first = _en(signed_in(world["officer"]))
    second = _en(signed_in(world["officer2"]))

    # both opened the page at the same version; the first claims
    assert first.post(f"/staff/reviews/{review.uid}/claim/", {"version": seen}).status_code == 302
    review.refresh_from_db()
    after_first = (review.status, review.officer_id, review.version)

    # the second's claim with the version they saw is a conflict, and changes nothing
    response = second.post(f"/staff/reviews/{review.uid}/claim/", {"version": seen})
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    review.refresh_from_db()
    assert (review.status, review.officer_id, review.version) == after_first

    # the same officer with a stale version cannot approve either
    response = first.post(f"/staff/reviews/{review.uid}/approve/", {"version": seen})
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    review.refresh_from_db()
    assert (review.status, review.officer_id, review.version) == after_first
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW


def test_supervisor_reassigns_and_transfers(world):
    application = submitted(world["resident"])
    review = _review(application)
    supervisor = _en(signed_in(world["supervisor"]))
    page = supervisor.get(f"/staff/reviews/{review.uid}/").content.decode()
    assert world["officer2"].username in page  # a choice to reassign to
    assert world["officer_other_district"].username not in page
    response = supervisor.post(
        f"/staff/reviews/{review.uid}/reassign/",
        {"version": review.version, "officer": world["officer2"].pk},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.officer == world["officer2"]
    migrant_services = Agency.objects.get(code="migrant_services")
    response = supervisor.post(
        f"/staff/reviews/{review.uid}/transfer/",
        {"version": review.version, "agency": migrant_services.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/queue/"
    review.refresh_from_db()
    assert (review.agency, review.officer, review.status) == (
        migrant_services,
        None,
        ReviewStatus.PENDING,
    )


def test_an_officer_may_not_reassign(world):
    application = submitted(world["resident"])
    review = _review(application)
    officer = signed_in(world["officer"])
    assert "reassign" not in officer.get(f"/staff/reviews/{review.uid}/").content.decode()
    response = officer.post(
        f"/staff/reviews/{review.uid}/reassign/",
        {"version": review.version, "officer": world["officer2"].pk},
    )
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.officer is None


# --- the permission matrix --------------------------------------------------------------------

CALLERS = [
    "anonymous",
    "resident",
    "other_resident",
    "employer",
    "officer_other_agency",
    "officer_other_district",
    "officer",
    "supervisor",
]
APPLICATION_PAGE = {
    "anonymous": 302,
    "resident": 200,
    "other_resident": 404,
    "employer": 404,
    "officer_other_agency": 403,
    "officer_other_district": 403,
    "officer": 403,
    "supervisor": 403,
}
DOCUMENT = {
    "anonymous": 302,
    "resident": 200,
    "other_resident": 404,
    "employer": 404,
    "officer_other_agency": 404,
    "officer_other_district": 404,
    "officer": 200,
    "supervisor": 200,
}
REVIEW_PAGE = {
    "anonymous": 302,
    "resident": 403,
    "other_resident": 403,
    "employer": 403,
    "officer_other_agency": 404,
    "officer_other_district": 404,
    "officer": 200,
    "supervisor": 200,
}
IN_QUEUE = {"officer_other_agency": False, "officer_other_district": False, "officer": True}


def _client(world, caller):
    return Client() if caller == "anonymous" else signed_in(world[caller])


def _state(application):
    application.refresh_from_db()
    review = _review(application)
    return (
        application.status,
        application.version,
        review.status,
        review.officer_id,
        review.version,
        Document.objects.filter(application=application).count(),
    )


@pytest.mark.parametrize("caller", CALLERS)
def test_permission_matrix(world, caller):
    application = submitted(world["resident"])
    review = _review(application)
    document = Document.objects.filter(application=application).first()
    client = _client(world, caller)
    before = _state(application)

    response = client.get(f"/applications/{application.reference}/")
    assert response.status_code == APPLICATION_PAGE[caller]
    if caller == "anonymous":
        assert response["Location"].startswith("/accounts/login/")

    response = client.get(f"/applications/{application.reference}/documents/{document.uid}/")
    assert response.status_code == DOCUMENT[caller]
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF

    response = client.get(f"/staff/reviews/{review.uid}/")
    assert response.status_code == REVIEW_PAGE[caller]

    if caller in IN_QUEUE:
        page = client.get("/staff/queue/").content.decode()
        assert (application.reference in page) is IN_QUEUE[caller]

    # writes by anyone but the applicant (or the right officer) change nothing
    if caller != "resident":
        client.post(
            f"/applications/{application.reference}/withdraw/", {"version": application.version}
        )
        client.post(
            f"/applications/{application.reference}/upload/",
            {"code": "id_card_copy", "file": _pdf()},
        )
    if caller not in ("officer", "supervisor"):
        response = client.post(f"/staff/reviews/{review.uid}/claim/", {"version": review.version})
        assert response.status_code == REVIEW_PAGE[caller]
    assert _state(application) == before


def test_document_of_another_application_is_a_404(world):
    mine = submitted(world["resident"])
    theirs = submitted(world["other_resident"])
    document = Document.objects.filter(application=theirs).first()
    client = signed_in(world["resident"])
    response = client.get(f"/applications/{mine.reference}/documents/{document.uid}/")
    assert response.status_code == 404


def test_queue_is_forbidden_to_applicants(world):
    assert signed_in(world["resident"]).get("/staff/queue/").status_code == 403
    assert Client().get("/staff/queue/").status_code == 302


# --- query counts -----------------------------------------------------------------------------


def _filed(resident, n):
    for _ in range(n):
        submitted(resident)


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/staff/queue/?order=-due")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_queue_query_count_does_not_grow_with_rows(world):
    client = signed_in(world["officer"])
    _filed(world["resident"], 3)
    few = _queue_queries(client)
    _filed(world["resident"], 12)
    many = _queue_queries(client)
    assert few == many
    assert client.get("/staff/queue/").content.decode().count("/staff/reviews/") == 15


def test_my_applications_query_count_does_not_grow_with_rows(world):
    client = signed_in(world["resident"])
    _filed(world["resident"], 3)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/applications/")
    few = len(ctx.captured_queries)
    _filed(world["resident"], 12)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/applications/")
    assert len(ctx.captured_queries) == few


def test_queue_is_paginated(world):
    _filed(world["resident"], 26)
    client = signed_in(world["officer"])
    first = client.get("/staff/queue/").content.decode()
    assert first.count("/staff/reviews/") == 25
    second = client.get("/staff/queue/?page=2").content.decode()
    assert second.count("/staff/reviews/") == 1


@pytest.mark.parametrize("order", ["due", "-due", "new"])
def test_queue_pages_follow_priority_then_the_chosen_order(world, order):
    # given 30 open reviews with scattered due dates, two of them on priority applications
    _filed(world["resident"], 30)
    reviews = list(Review.objects.order_by("id"))
    for n, review in enumerate(reviews):
        Review.objects.filter(pk=review.pk).update(
            due_date=timezone.localdate() + datetime.timedelta(days=(n * 7) % 11),
            priority=n in (5, 17),
        )
    key = {
        "due": lambda r: (not r.priority, r.due_date, r.id),
        "-due": lambda r: (not r.priority, -r.due_date.toordinal(), -r.id),
        "new": lambda r: (not r.priority, -r.created_at.timestamp(), -r.id),
    }[order]
    expected = [str(r.uid) for r in sorted(Review.objects.all(), key=key)]
    # when the officer pages through the queue
    client = signed_in(world["officer"])
    shown = []
    for page in (1, 2):
        html = client.get(f"/staff/queue/?order={order}&page={page}").content.decode()
        shown += re.findall(r"/staff/reviews/([0-9a-f-]{36})/", html)
    # then the rows come in that order, none lost or repeated across the pages
    assert shown == expected


def test_unread_badge_stops_counting_at_99(world, make_user):
    officer = world["officer"]
    Notification.objects.bulk_create(
        [Notification(user=officer, kind="test", text=f"note {n}") for n in range(120)]
    )
    page = signed_in(officer).get("/staff/").content.decode()
    assert re.search(r'class="badge count">99\+<', page)
    Notification.objects.filter(user=officer).exclude(
        pk__in=Notification.objects.filter(user=officer).values("pk")[:7]
    ).update(read_at=timezone.now())
    page = signed_in(officer).get("/staff/").content.decode()
    assert re.search(r'class="badge count">7<', page)


# --- the API ----------------------------------------------------------------------------------


def _api(client, method, url, body=None):
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(f"/api/applications{url}", **kwargs)


def test_api_applicant_and_officer(world):
    resident = _en(signed_in(world["resident"]))
    response = _api(resident, "post", "/", {"type_code": "residence_permit"})
    assert response.status_code == 201, response.content
    created = response.json()
    reference, version = created["reference"], created["version"]

    response = _api(resident, "put", f"/{reference}/answers", {"answers": COMPLETE, "version": 0})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    response = _api(
        resident, "put", f"/{reference}/answers", {"answers": {"phone": "12"}, "version": version}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "answer_invalid"
    response = _api(
        resident, "put", f"/{reference}/answers", {"answers": COMPLETE, "version": version}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["district"] == TIANHE
    application = Application.objects.get(reference=reference)
    for code in ("id_card_copy", "proof_of_basis"):
        services.document_upload(
            actor=world["resident"], application=application, code=code, upload=PDF
        )
    application.refresh_from_db()
    response = _api(resident, "post", f"/{reference}/submit", {"version": application.version})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_review"
    assert [r["agency"] for r in response.json()["reviews"]] == ["household"]
    assert [a["reference"] for a in _api(resident, "get", "/").json()] == [reference]

    # another resident cannot see it
    other = signed_in(world["other_resident"])
    assert _api(other, "get", f"/{reference}").status_code == 404
    # an officer of another agency cannot find the review
    review = _review(application)
    wrong = signed_in(world["officer_other_agency"])
    assert _api(wrong, "post", f"/reviews/{review.uid}/claim", {"version": 1}).status_code == 404
    assert _api(wrong, "get", "/reviews/queue").json()["count"] == 0
    # a resident has no queue
    assert _api(resident, "get", "/reviews/queue").status_code == 403

    officer = signed_in(world["officer"])
    queue = _api(officer, "get", "/reviews/queue?order=-due").json()
    assert [r["reference"] for r in queue["results"]] == [reference]
    uid, rv = queue["results"][0]["uid"], queue["results"][0]["version"]
    response = _api(officer, "post", f"/reviews/{uid}/claim", {"version": rv})
    assert response.status_code == 200
    assert response.json()["status"] == "claimed"
    response = _api(officer, "post", f"/reviews/{uid}/claim", {"version": rv})
    assert response.status_code == 409
    rv = response.json() and _review(application).version
    response = _api(
        officer, "post", f"/reviews/{uid}/request-info", {"version": rv, "question": "Lease?"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "info_requested"
    application.refresh_from_db()
    response = _api(
        resident, "post", f"/{reference}/answer", {"version": application.version, "answer": "Yes"}
    )
    assert response.status_code == 200
    assert response.json()["questions"][0]["answer"] == "Yes"
    rv = _review(application).version
    response = _api(officer, "post", f"/reviews/{uid}/reject", {"version": rv, "reason": "No."})
    assert response.status_code == 200
    detail = _api(resident, "get", f"/{reference}").json()
    assert (detail["status"], detail["decision_reason"]) == ("rejected", "No.")
    response = _api(resident, "post", f"/{reference}/withdraw", {"version": detail["version"]})
    assert response.status_code == 400
    assert response.json()["code"] == "already_decided"
