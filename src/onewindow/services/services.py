"""Writes: enrolment and the waiting list, attendance and certificates, legal aid.

Each function is one transaction with its audit row; notifications go out in the
recipient's language, e-mails after commit (`applications.events.notify`).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from onewindow.accounts.models import Role, User
from onewindow.applications.events import notify
from onewindow.audit.services import audit_record
from onewindow.core.errors import DomainError
from onewindow.geo.models import ServiceStation

from .models import (
    ACTIVE_ENROLMENT,
    Attendance,
    Course,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    LegalAidCounsellor,
    LegalAidMessage,
    LegalAidRequest,
    LegalAidStatus,
    LegalAidTopic,
)

ENROLLED = gettext_noop("You have a place on the course %(course)s.")
WAITING = gettext_noop(
    "The course %(course)s is full: you are number %(position)s on the waiting list."
)
PROMOTED = gettext_noop(
    "A place came free on the course %(course)s and it is yours now. See you at the first session."
)
LEGAL_AID_NEW = gettext_noop("A new legal-aid request (%(topic)s) was assigned to you.")
LEGAL_AID_REPLY = gettext_noop(
    "There is a new message on your legal-aid request. Sign in to read it."
)
MAX_MESSAGE = 5000


def _audit(actor: Any, action: str, object_type: str, obj: Any, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(obj.uid),
        why="services",
        details=details,
    )


def take_place(rows: QuerySet[Any], counter: str, limit: str) -> bool:
    """Add one to `counter` of the row in `rows` if it is still below `limit`; True if so.

    One conditional UPDATE: the database runs these one at a time per row, so places are
    never given beyond the limit however many people ask at once.
    """
    return bool(rows.filter(**{f"{counter}__lt": F(limit)}).update(**{counter: F(counter) + 1}))


def waiting_position(enrolment: Enrolment) -> int:
    """1 for the first on the course's waiting list."""
    return Enrolment.objects.filter(
        course_id=enrolment.course_id,
        status=EnrolmentStatus.WAITING,
        queued_at__lte=enrolment.queued_at,
    ).count()


@transaction.atomic
def course_enrol(*, user: User, course: Course) -> Enrolment:
    """Give `user` a place on `course`, or a place on its waiting list when it is full.

    The place is taken by one conditional UPDATE (``enrolled_count < capacity``), which the
    database runs one at a time per row, so simultaneous enrolments never exceed capacity.
    """
    if user.role != Role.RESIDENT:
        raise DomainError("residents_only", _("Only residents can enrol on a course."))
    if Enrolment.objects.filter(course=course, user=user, status__in=ACTIVE_ENROLMENT).exists():
        raise DomainError("already_enrolled", _("You are already enrolled on this course."))
    took_place = take_place(Course.objects.filter(pk=course.pk), "enrolled_count", "capacity")
    status = EnrolmentStatus.ENROLLED if took_place else EnrolmentStatus.WAITING
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                course=course, user=user, status=status, queued_at=timezone.now()
            )
    except IntegrityError as exc:  # the same person enrolling twice at once
        raise DomainError(
            "already_enrolled", _("You are already enrolled on this course.")
        ) from exc
    _audit(user, "course_enrol", "enrolment", enrolment, status=status)
    if took_place:
        notify(user=user, application=None, kind="course", message=ENROLLED, course=course)
    else:
        notify(
            user=user,
            application=None,
            kind="course",
            message=WAITING,
            course=course,
            position=waiting_position(enrolment),
        )
    return enrolment


@transaction.atomic
def enrolment_cancel(*, user: User, enrolment: Enrolment) -> Enrolment | None:
    """Cancel `user`'s enrolment; a place it frees goes to the first on the waiting list.

    Returns the promoted enrolment, if any.
    """
    # The course row first: cancellations of one course queue here, so two of them can never
    # promote the same person or both miss the waiting list.
    Course.objects.select_for_update().filter(pk=enrolment.course_id).first()
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk, user=user)
    if enrolment.status not in ACTIVE_ENROLMENT:
        raise DomainError("not_active", _("This enrolment is not active any more."))
    had_place = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.save(update_fields=["status", "updated_at"])
    _audit(user, "course_cancel", "enrolment", enrolment, had_place=had_place)
    if not had_place:
        return None
    first = (
        Enrolment.objects.select_for_update()
        .filter(course_id=enrolment.course_id, status=EnrolmentStatus.WAITING)
        .order_by("queued_at", "id")
        .first()
    )
    if first is None:
        Course.objects.filter(pk=enrolment.course_id).update(enrolled_count=F("enrolled_count") - 1)
        return None
    first.status = EnrolmentStatus.ENROLLED
    first.promoted_at = timezone.now()
    first.save(update_fields=["status", "promoted_at", "updated_at"])
    _audit(None, "course_promote", "enrolment", first)
    notify(
        user=first.user,
        application=None,
        kind="course",
        message=PROMOTED,
        course=first.course,
    )
    return first


def _station_staff(actor: User, station_id: int) -> None:
    if actor.role != Role.STATION_STAFF or actor.station_id != station_id:
        raise DomainError("not_your_station", _("Only the station's staff can do this."))


@transaction.atomic
def attendance_record(*, actor: User, session: CourseSession, present: dict[int, bool]) -> int:
    """Mark who was at `session` (enrolment id → present); returns the marks written."""
    course = session.course
    _station_staff(actor, course.service.station_id)
    enrolled = set(
        Enrolment.objects.filter(
            course=course,
            pk__in=present,
            status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED),
        ).values_list("pk", flat=True)
    )
    for pk in enrolled:
        Attendance.objects.update_or_create(
            enrolment_id=pk,
            session=session,
            defaults={"present": present[pk], "recorded_by": actor},
        )
    audit_record(
        actor=actor,
        action="attendance",
        object_type="course",
        object_id=str(course.uid),
        why="services",
        details={"session": session.pk, "marks": len(enrolled)},
    )
    return len(enrolled)


def sessions_attended(enrolment: Enrolment) -> int:
    return enrolment.attendance.filter(present=True).count()


@transaction.atomic
def enrolment_complete(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """Mark a participant as having completed the course; this issues their certificate."""
    enrolment = (
        Enrolment.objects.select_for_update().select_related("course__service").get(pk=enrolment.pk)
    )
    _station_staff(actor, enrolment.course.service.station_id)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise DomainError("not_enrolled", _("Only an enrolled participant can complete a course."))
    attended, required = sessions_attended(enrolment), enrolment.course.attendance_required
    if attended < required:
        raise DomainError(
            "attendance_short",
            _("Attended %(attended)s of the %(required)s sessions required."),
            attended=attended,
            required=required,
        )
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.certificate_number = f"OW-C-{enrolment.uid.hex[:12].upper()}"
    enrolment.save(update_fields=["status", "certificate_number", "updated_at"])
    _audit(actor, "course_complete", "enrolment", enrolment)
    return enrolment


def _counsellor_for(station: ServiceStation) -> User:
    """The station's active counsellor with the fewest open requests, else the district's."""
    open_cases = Count(
        "user__legal_aid_cases",
        filter=~Q(user__legal_aid_cases__status=LegalAidStatus.CLOSED),
    )
    for scope in (Q(station=station), Q(station__district_id=station.district_id)):
        counsellor = (
            LegalAidCounsellor.objects.filter(scope, active=True)
            .annotate(load=open_cases)
            .order_by("load", "id")
            .select_related("user")
            .first()
        )
        if counsellor is not None:
            return counsellor.user
    raise DomainError(
        "no_counsellor",
        _("This station has no legal-aid counsellor yet. Choose another station."),
    )


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise DomainError("empty_message", _("Write your message."))
    if len(body) > MAX_MESSAGE:
        raise DomainError(
            "message_too_long",
            _("A message can be at most %(max)s characters."),
            max=MAX_MESSAGE,
        )
    return body


@transaction.atomic
def legal_aid_request(
    *, user: User, station: ServiceStation, topic: str, body: str, language: str
) -> LegalAidRequest:
    """File a confidential legal-aid request, routed to a counsellor of `station`."""
    if user.role != Role.RESIDENT:
        raise DomainError("residents_only", _("Only residents can ask for legal aid here."))
    if topic not in LegalAidTopic.values:
        raise DomainError("topic_invalid", _("Choose what your request is about."))
    body = _clean_body(body)
    counsellor = _counsellor_for(station)
    request = LegalAidRequest.objects.create(
        requester=user, station=station, assigned_to=counsellor, topic=topic, language=language
    )
    LegalAidMessage.objects.create(request=request, author=user, body=body)
    _audit(user, "legal_aid_request", "legal_aid", request, topic=topic)
    notify(
        user=counsellor,
        application=None,
        kind="legal_aid",
        message=LEGAL_AID_NEW,
        topic=LegalAidTopic(topic).label,
    )
    return request


@transaction.atomic
def legal_aid_reply(*, actor: User, request: LegalAidRequest, body: str) -> LegalAidMessage:
    """Add a message to the request's thread; the other party is told (without its text)."""
    request = LegalAidRequest.objects.select_for_update().get(pk=request.pk)
    if actor.pk not in (request.requester_id, request.assigned_to_id):
        raise DomainError("not_a_party", _("Only the requester and the counsellor can write here."))
    if request.status == LegalAidStatus.CLOSED:
        raise DomainError("closed", _("This request is closed."))
    message = LegalAidMessage.objects.create(request=request, author=actor, body=_clean_body(body))
    by_counsellor = actor.pk == request.assigned_to_id
    request.status = LegalAidStatus.ANSWERED if by_counsellor else LegalAidStatus.OPEN
    request.save(update_fields=["status", "updated_at"])
    _audit(actor, "legal_aid_reply", "legal_aid", request)
    notify(
        user=request.requester if by_counsellor else request.assigned_to,
        application=None,
        kind="legal_aid",
        message=LEGAL_AID_REPLY,
    )
    return message


@transaction.atomic
def legal_aid_close(*, actor: User, request: LegalAidRequest) -> LegalAidRequest:
    request = LegalAidRequest.objects.select_for_update().get(pk=request.pk)
    if actor.pk not in (request.requester_id, request.assigned_to_id):
        raise DomainError("not_a_party", _("Only the requester and the counsellor can write here."))
    request.status = LegalAidStatus.CLOSED
    request.save(update_fields=["status", "updated_at"])
    _audit(actor, "legal_aid_close", "legal_aid", request)
    return request
