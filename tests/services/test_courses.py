"""Enrolment, the waiting list, attendance and completion (given / when / then)."""

import threading
from typing import Any

import pytest
from django.db import close_old_connections

from onewindow.applications.models import Notification
from onewindow.audit.models import AuditEvent
from onewindow.core.errors import DomainError
from onewindow.services.models import Course, Enrolment, EnrolmentStatus
from onewindow.services.services import (
    attendance_record,
    course_enrol,
    enrolment_cancel,
    enrolment_complete,
    waiting_position,
)


def test_places_then_waiting_list_in_order(make_course: Any, resident: Any) -> None:
    course = make_course(capacity=2)
    people = [resident() for _ in range(4)]
    statuses = [course_enrol(user=p, course=course).status for p in people]
    assert statuses == ["enrolled", "enrolled", "waiting", "waiting"]
    course.refresh_from_db()
    assert course.enrolled_count == 2
    waiting = Enrolment.objects.filter(course=course, status="waiting").order_by("queued_at")
    assert [waiting_position(e) for e in waiting] == [1, 2]
    assert "number 2 on the waiting list" in Notification.objects.filter(user=people[3]).get().text


def test_cancel_promotes_the_first_waiting_and_tells_them(make_course: Any, resident: Any) -> None:
    course = make_course(capacity=1)
    first, second, third = resident(), resident(language="fr"), resident()
    mine = course_enrol(user=first, course=course)
    course_enrol(user=second, course=course)
    course_enrol(user=third, course=course)
    promoted = enrolment_cancel(user=first, enrolment=mine)
    assert promoted is not None and promoted.user == second
    assert promoted.status == EnrolmentStatus.ENROLLED and promoted.promoted_at
    course.refresh_from_db()
    assert course.enrolled_count == 1
    # told in their own language
    assert "place" in Notification.objects.filter(user=second).first().text.lower()
    assert Notification.objects.filter(user=second).first().text.startswith("Une place")
    assert waiting_position(Enrolment.objects.get(user=third, course=course)) == 1


def test_cancel_with_nobody_waiting_frees_the_place(make_course: Any, resident: Any) -> None:
    course = make_course(capacity=1)
    someone = resident()
    enrolment_cancel(user=someone, enrolment=course_enrol(user=someone, course=course))
    course.refresh_from_db()
    assert course.enrolled_count == 0
    assert course_enrol(user=resident(), course=course).status == "enrolled"


def test_cancelling_a_waiting_place_changes_no_count(make_course: Any, resident: Any) -> None:
    course = make_course(capacity=1)
    course_enrol(user=resident(), course=course)
    late = resident()
    assert enrolment_cancel(user=late, enrolment=course_enrol(user=late, course=course)) is None
    course.refresh_from_db()
    assert course.enrolled_count == 1


def test_twice_is_refused_and_changes_nothing(make_course: Any, resident: Any) -> None:
    course = make_course(capacity=3)
    someone = resident()
    course_enrol(user=someone, course=course)
    with pytest.raises(DomainError) as err:
        course_enrol(user=someone, course=course)
    assert err.value.code == "already_enrolled"
    assert Enrolment.objects.filter(course=course).count() == 1
    course.refresh_from_db()
    assert course.enrolled_count == 1


def test_cancel_twice_is_refused(make_course: Any, resident: Any) -> None:
    course = make_course()
    someone = resident()
    mine = course_enrol(user=someone, course=course)
    enrolment_cancel(user=someone, enrolment=mine)
    with pytest.raises(DomainError):
        enrolment_cancel(user=someone, enrolment=mine)


def test_only_residents_enrol(make_course: Any, make_user: Any) -> None:
    with pytest.raises(DomainError):
        course_enrol(user=make_user("analyst"), course=make_course())


def test_completion_needs_the_sessions_and_the_station(
    make_course: Any, resident: Any, make_user: Any, station: Any
) -> None:
    course = make_course(capacity=2, attendance_required=2)
    staff = make_user("station_staff", station=course.service.station)
    someone = resident()
    enrolment = course_enrol(user=someone, course=course)
    sessions = list(course.sessions.all())
    attendance_record(actor=staff, session=sessions[0], present={enrolment.pk: True})
    with pytest.raises(DomainError) as err:
        enrolment_complete(actor=staff, enrolment=enrolment)
    assert err.value.code == "attendance_short"
    other_station = make_user("station_staff", station=station("440104"))
    with pytest.raises(DomainError):
        attendance_record(actor=other_station, session=sessions[1], present={enrolment.pk: True})
    attendance_record(actor=staff, session=sessions[1], present={enrolment.pk: True})
    done = enrolment_complete(actor=staff, enrolment=enrolment)
    assert done.status == "completed" and done.certificate_number.startswith("OW-C-")
    assert AuditEvent.objects.filter(action="course_complete", object_id=str(done.uid)).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("audit_flushable")
def test_simultaneous_enrolments_never_exceed_capacity(make_course: Any, resident: Any) -> None:
    # given a course with 3 places and 8 residents pressing "Enrol" at the same moment
    course = make_course(capacity=3)
    people = [resident() for _ in range(8)]
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def enrol(user: Any) -> None:
        try:
            barrier.wait()
            course_enrol(user=user, course=Course.objects.get(pk=course.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=enrol, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly 3 have places, 5 wait, and the counter agrees
    assert not errors, errors
    course.refresh_from_db()
    statuses = list(Enrolment.objects.filter(course=course).values_list("status", flat=True))
    assert statuses.count("enrolled") == 3 == course.enrolled_count
    assert statuses.count("waiting") == 5
