"""The directory, a service's page, enrolment through the pages, and the station's roster."""

from typing import Any

import pytest
from django.test import Client

from onewindow.audit.models import AuditEvent
from onewindow.services.models import Enrolment, Service, StationInfo
from tests.conftest import signed_in


def test_the_directory_filters_by_need_district_and_language(make_course: Any) -> None:
    course = make_course()
    legal = Service.objects.create(
        station=course.service.station,
        need="legal_aid",
        name={"en": "Labour law advice", "zh-hans": "劳动法律咨询"},
        languages=["zh-hans", "yue"],
    )
    client = Client()
    page = client.get("/services/").content.decode()
    assert "Chinese for beginners" in page or "汉语入门" in page
    page = client.get(
        "/services/", {"need": "legal_aid"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Labour law advice" in page and "Chinese for beginners" not in page
    page = client.get("/services/", {"language": "en"}).content.decode()
    assert str(course.service.uid) in page and str(legal.uid) not in page
    page = client.get("/services/", {"district": "440104"}).content.decode()
    assert str(course.service.uid) not in page
    # a bad filter value is ignored with the form's message, not an error page
    assert client.get("/services/", {"need": "<script>"}).status_code == 200


def test_a_service_page_shows_where_when_and_the_places(make_course: Any) -> None:
    course = make_course(capacity=5)
    StationInfo.objects.create(
        station=course.service.station,
        latitude="23.135000",
        longitude="113.330000",
        opening_hours=[{"weekday": 1, "opens": "09:00", "closes": "17:30"}],
        accessibility=["step_free"],
    )
    page = Client().get(f"/services/{course.service.uid}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "5 places left" in text and "09:00" in text and "Step-free entrance" in text
    assert "Sign in to enrol" in text


def test_an_unknown_or_inactive_service_is_404(make_course: Any) -> None:
    course = make_course()
    Service.objects.filter(pk=course.service.pk).update(active=False)
    assert Client().get(f"/services/{course.service.uid}/").status_code == 404


def test_enrol_and_cancel_through_the_pages(make_course: Any, resident: Any) -> None:
    course = make_course(capacity=1)
    first, second = signed_in(resident()), signed_in(resident())
    second.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert first.post(f"/courses/{course.uid}/enrol/").status_code == 302
    response = second.post(f"/courses/{course.uid}/enrol/", follow=True)
    assert "number 1 on the waiting list" in response.content.decode()
    mine = Enrolment.objects.get(course=course, status="enrolled")
    # someone else's enrolment cannot be cancelled: 404, nothing changes
    assert second.post(f"/me/courses/{mine.uid}/cancel/").status_code == 404
    mine.refresh_from_db()
    assert mine.status == "enrolled"
    assert first.post(f"/me/courses/{mine.uid}/cancel/").status_code == 302
    promoted = Enrolment.objects.get(course=course, status="enrolled")
    assert promoted.uid != mine.uid
    assert str(promoted.uid) in second.get("/me/courses/").content.decode()


@pytest.mark.parametrize("role", ["officer", "analyst", "station_staff", "employer"])
def test_only_residents_enrol(make_course: Any, make_user: Any, role: str) -> None:
    course = make_course()
    response = signed_in(make_user(role)).post(f"/courses/{course.uid}/enrol/")
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


def test_get_cannot_enrol(make_course: Any, resident: Any) -> None:
    course = make_course()
    assert signed_in(resident()).get(f"/courses/{course.uid}/enrol/").status_code == 405
    assert not Enrolment.objects.exists()


def test_the_station_sees_its_roster_and_records_attendance(
    make_course: Any, resident: Any, make_user: Any, station: Any
) -> None:
    course = make_course(capacity=2, attendance_required=1)
    person = resident()
    signed_in(person).post(f"/courses/{course.uid}/enrol/")
    enrolment = Enrolment.objects.get(course=course)
    staff = signed_in(make_user("station_staff", station=course.service.station))
    page = staff.get(f"/staff/courses/{course.uid}/").content.decode()
    assert person.person.display_name in page
    assert AuditEvent.objects.filter(
        object_type="course_roster", object_id=str(course.uid)
    ).exists()
    session = course.sessions.first()
    staff.post(
        f"/staff/courses/{course.uid}/",
        {"action": "attendance", "session": session.pk, f"present-{enrolment.pk}": "on"},
    )
    staff.post(f"/staff/courses/{course.uid}/", {"action": "complete", "enrolment": enrolment.uid})
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"
    # another station's staff: 404; a resident: 403
    other = signed_in(make_user("station_staff", station=station("440104")))
    assert other.get(f"/staff/courses/{course.uid}/").status_code == 404
    assert (
        other.post(
            f"/staff/courses/{course.uid}/", {"action": "complete", "enrolment": enrolment.uid}
        ).status_code
        == 404
    )
    assert signed_in(person).get(f"/staff/courses/{course.uid}/").status_code == 403


@pytest.mark.parametrize("language", ["ar", "zh-hans", "fr"])
def test_the_certificate_is_a_pdf_in_the_reader_s_language(
    make_course: Any, resident: Any, make_user: Any, language: str
) -> None:
    course = make_course(capacity=1, attendance_required=1)
    person = resident()
    client = signed_in(person)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    client.post(f"/courses/{course.uid}/enrol/")
    enrolment = Enrolment.objects.get(course=course)
    # not completed yet: no certificate
    assert client.get(f"/me/courses/{enrolment.uid}/certificate.pdf").status_code == 404
    staff = make_user("station_staff", station=course.service.station)
    from onewindow.services.services import attendance_record, enrolment_complete

    attendance_record(actor=staff, session=course.sessions.first(), present={enrolment.pk: True})
    enrolment_complete(actor=staff, enrolment=enrolment)
    response = client.get(f"/me/courses/{enrolment.uid}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # the script's glyphs come from an embedded font that has them
    font = {"ar": b"Arabic", "zh-hans": b"CJK", "fr": b"Noto-Sans"}[language]
    assert font in _font_names(response.content)
    # someone else's certificate: 404
    other = signed_in(resident())
    assert other.get(f"/me/courses/{enrolment.uid}/certificate.pdf").status_code == 404


def _font_names(pdf: bytes) -> bytes:
    """The /BaseFont names of a PDF, looked for in its (possibly compressed) object streams.

    Each stream is inflated from its start until zlib says it ends, so neither its length nor
    bytes that look like "endstream" inside it matter.
    """
    import re
    import zlib

    chunks = [pdf]
    for start in re.finditer(rb"(?<!end)stream\r?\n", pdf):
        try:
            chunks.append(zlib.decompressobj().decompress(pdf[start.end() :]))
        except zlib.error:
            continue
    return b" ".join(re.findall(rb"/BaseFont\s*/([^\s/>]+)", b"\n".join(chunks)))
