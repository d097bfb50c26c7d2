"""Reads: the public directory, a resident's enrolments, a station's rosters, legal aid.

Everything personal is scoped to the acting user here, so a view cannot leak a record by
forgetting a check: outside the scope is `Http404`, as if the record did not exist.
"""

import uuid
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from onewindow.accounts.models import Role, User
from onewindow.audit.services import audit_record

from .models import (
    Association,
    AssociationEvent,
    Capacity,
    Consultation,
    Course,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    LegalAidRequest,
    Service,
    Shift,
    ShiftSignup,
    Stance,
)


def service_directory(
    *, need: str = "", district: str = "", language: str = ""
) -> QuerySet[Service]:
    """Active services, filtered by need, district code and a language they are offered in.

    The language filter reads the JSON lists of the already filtered services in Python:
    JSON containment is not portable between SQLite and PostgreSQL, and a city has some
    thousands of services, not millions.
    """
    services = Service.objects.filter(active=True)
    if need:
        services = services.filter(need=need)
    if district:
        services = services.filter(station__district__code=district)
    if language:
        ids = [pk for pk, langs in services.values_list("pk", "languages") if language in langs]
        services = services.filter(pk__in=ids)
    return services.select_related("station__district", "station__info").annotate(
        course_count=Count("courses")
    )


def service_get(*, uid: uuid.UUID) -> Service:
    try:
        return Service.objects.select_related("station__district", "station__info").get(
            uid=uid, active=True
        )
    except Service.DoesNotExist as exc:
        raise Http404 from exc


def service_courses(*, service: Service) -> QuerySet[Course]:
    """The service's courses with their sessions and first session's start, soonest first."""
    return (
        service.courses.annotate(
            starts=Min("sessions__starts_at"),
            waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
        )
        .prefetch_related(
            Prefetch("sessions", queryset=CourseSession.objects.order_by("starts_at"))
        )
        .order_by("starts", "id")
    )


def course_get(*, uid: uuid.UUID) -> Course:
    try:
        return Course.objects.select_related("service__station").get(uid=uid)
    except Course.DoesNotExist as exc:
        raise Http404 from exc


def enrolments_of(*, user: User) -> QuerySet[Enrolment]:
    """The user's enrolments, each with its course's first session and, on the waiting list,
    its place in the queue (1 = next), in one query."""
    ahead = (
        Enrolment.objects.filter(
            course_id=OuterRef("course_id"),
            status=EnrolmentStatus.WAITING,
            queued_at__lte=OuterRef("queued_at"),
        )
        .order_by()
        .values("course_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Enrolment.objects.filter(user=user)
        .select_related("course__service__station")
        .annotate(starts=Min("course__sessions__starts_at"), position=Subquery(ahead))
        .order_by("-queued_at")
    )


def enrolment_get(*, user: User, uid: uuid.UUID) -> Enrolment:
    """One of the user's own enrolments."""
    try:
        return Enrolment.objects.select_related("course__service__station").get(uid=uid, user=user)
    except Enrolment.DoesNotExist as exc:
        raise Http404 from exc


def station_courses(*, actor: User) -> QuerySet[Course]:
    """The courses of the station that `actor` (station staff) works at."""
    if actor.role != Role.STATION_STAFF or actor.station_id is None:
        return Course.objects.none()
    return (
        Course.objects.filter(service__station_id=actor.station_id)
        .select_related("service")
        .annotate(
            starts=Min("sessions__starts_at"),
            waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
        )
        .order_by("starts", "id")
    )


@transaction.atomic
def course_roster(*, actor: User, uid: uuid.UUID) -> tuple[Course, list[Enrolment]]:
    """A course of the actor's station and its participants (enrolled, completed, waiting)."""
    course = station_courses(actor=actor).filter(uid=uid).first()
    if course is None:
        raise Http404
    enrolments = list(
        course.enrolments.exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("user__person")
        .prefetch_related("attendance")
        .order_by("status", "queued_at", "id")
    )
    audit_record(
        actor=actor,
        action="read",
        object_type="course_roster",
        object_id=str(course.uid),
        why="services",
        details={"participants": len(enrolments)},
    )
    return course, enrolments


def legal_aid_of(*, user: User) -> QuerySet[LegalAidRequest]:
    """Requests the user filed, or (a counsellor) was assigned; nothing else."""
    return (
        LegalAidRequest.objects.filter(Q(requester=user) | Q(assigned_to=user))
        .select_related("station")
        .annotate(messages_count=Count("messages"))
        .order_by("status", "-updated_at")
    )


@transaction.atomic
def legal_aid_get(*, user: User, uid: uuid.UUID) -> LegalAidRequest:
    """One request, to its requester or its counsellor only; each read is audited."""
    try:
        request = (
            LegalAidRequest.objects.filter(Q(requester=user) | Q(assigned_to=user))
            .select_related("station", "requester__person", "assigned_to")
            .get(uid=uid)
        )
    except LegalAidRequest.DoesNotExist as exc:
        raise Http404 from exc
    audit_record(
        actor=user,
        action="read",
        object_type="legal_aid",
        object_id=str(request.uid),
        why="legal_aid",
        details={},
    )
    return request


def feedback_summary(*, service: Service) -> dict[str, Any]:
    """Average rating, number of ratings and the latest comments (without their authors)."""
    ratings = service.feedback.aggregate(average=Avg("rating"), count=Count("id"))
    comments = list(service.feedback.exclude(comment="").values("rating", "comment")[:5])
    return {**ratings, "comments": comments}


def open_shifts(*, district: str = "") -> QuerySet[Shift]:
    shifts = Shift.objects.filter(starts_at__gt=timezone.now(), taken__lt=F("slots"))
    if district:
        shifts = shifts.filter(station__district__code=district)
    return shifts.select_related("station__district")


def my_signups(*, user: User) -> QuerySet[ShiftSignup]:
    return ShiftSignup.objects.filter(volunteer__user=user).select_related("shift__station")


def signup_get(*, user: User, uid: uuid.UUID) -> ShiftSignup:
    try:
        return ShiftSignup.objects.select_related("shift").get(uid=uid, volunteer__user=user)
    except ShiftSignup.DoesNotExist as exc:
        raise Http404 from exc


def shift_get(*, uid: uuid.UUID) -> Shift:
    try:
        return Shift.objects.select_related("station").get(uid=uid)
    except Shift.DoesNotExist as exc:
        raise Http404 from exc


@transaction.atomic
def station_shifts(*, actor: User) -> list[Shift]:
    """The shifts of the actor's station with who signed up (a read of persons: audited)."""
    if actor.role != Role.STATION_STAFF or actor.station_id is None:
        return []
    shifts = list(
        Shift.objects.filter(station_id=actor.station_id)
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=ShiftSignup.objects.filter(cancelled=False).select_related(
                    "volunteer__user__person"
                ),
            )
        )
        .order_by("-starts_at")[:50]
    )
    audit_record(
        actor=actor,
        action="read",
        object_type="station_shifts",
        object_id=str(actor.station_id),
        why="services",
        details={"shifts": len(shifts)},
    )
    return shifts


def station_signup_get(*, actor: User, uid: uuid.UUID) -> ShiftSignup:
    signup = (
        ShiftSignup.objects.filter(uid=uid, shift__station_id=actor.station_id or -1)
        .select_related("shift")
        .first()
    )
    if signup is None or actor.role != Role.STATION_STAFF:
        raise Http404
    return signup


def associations_public() -> QuerySet[Association]:
    upcoming = AssociationEvent.objects.filter(starts_at__gt=timezone.now()).select_related(
        "station"
    )
    return Association.objects.prefetch_related(
        "stations__district", Prefetch("events", queryset=upcoming, to_attr="upcoming")
    )


def association_get(*, uid: uuid.UUID) -> Association:
    found = associations_public().filter(uid=uid).first()
    if found is None:
        raise Http404
    return found


def consultations() -> QuerySet[Consultation]:
    return Consultation.objects.filter(opens_at__lte=timezone.now()).annotate(
        comment_count=Count("comments")
    )


def consultation_get(*, uid: uuid.UUID) -> Consultation:
    found = consultations().prefetch_related("documents").filter(uid=uid).first()
    if found is None:
        raise Http404
    return found


def consultation_summary(*, consultation: Consultation) -> dict[str, Any]:
    """After the closing date: comments counted by capacity and position, and all of them
    grouped by capacity (residents unnamed; experts and associations named)."""
    if consultation.closes_at > timezone.now():
        raise Http404
    comments = list(
        consultation.comments.select_related("association", "author").order_by(
            "capacity", "created_at"
        )
    )
    table = {capacity: dict.fromkeys(Stance.values, 0) for capacity in Capacity.values}
    for c in comments:
        table[c.capacity][c.stance] += 1
    return {
        "total": len(comments),
        "rows": [
            (
                Capacity(cap).label,
                [(Stance(s).label, counts[s]) for s in Stance.values],
                sum(counts.values()),
            )
            for cap, counts in table.items()
        ],
        "stances": [Stance(s).label for s in Stance.values],
        "groups": [
            (Capacity(cap).label, [c for c in comments if c.capacity == cap])
            for cap in Capacity.values
        ],
    }
