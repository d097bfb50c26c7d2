"""Reads of applications, scoped: applicants see their own, officers their agency's reviews
in their districts, administrators everything; anything else is a 404."""

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from onewindow.accounts.models import STAFF_ROLES, Role
from onewindow.audit.services import audit_record

from .models import REVIEW_OPEN, Application, Document, Review, Transition


def _with_timeline(qs: QuerySet[Application]) -> QuerySet[Application]:
    return qs.select_related("applicant", "person", "employer", "district").prefetch_related(
        Prefetch("reviews", queryset=Review.objects.select_related("agency", "officer")),
        Prefetch("transitions", queryset=Transition.objects.select_related("review__agency")),
        "documents",
        "reviews__info_requests",
    )


def applications_of(user: Any) -> QuerySet[Application]:
    """The applicant's own applications, newest first."""
    return Application.objects.filter(applicant=user).order_by("-created_at")


def application_for_applicant(*, user: Any, reference: str) -> Application:
    """One of the user's own applications by its reference number (404 otherwise)."""
    try:
        return _with_timeline(Application.objects.filter(applicant=user)).get(
            reference=reference.strip().upper()
        )
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def reviews_visible_to(user: Any) -> QuerySet[Review]:
    """Reviews of the user's agency on applications from their districts."""
    if not getattr(user, "is_authenticated", False):
        return Review.objects.none()
    if user.role == Role.ADMINISTRATOR:
        return Review.objects.all()
    if user.role not in (Role.OFFICER, Role.SUPERVISOR) or user.agency_id is None:
        return Review.objects.none()
    districts = list(user.districts.values_list("id", flat=True))
    return Review.objects.filter(agency_id=user.agency_id, district_id__in=districts)


def officer_queue(*, user: Any, scope: str = "open", order: str = "due") -> QuerySet[Review]:
    """The queue: open reviews (or `mine`, claimed by the user), by due date."""
    reviews = reviews_visible_to(user).filter(status__in=REVIEW_OPEN)
    if scope == "mine":
        reviews = reviews.filter(officer=user)
    ordering = {
        "due": ["due_date", "id"],
        "-due": ["-due_date", "-id"],
        "new": ["-created_at", "-id"],
    }.get(order, ["due_date", "id"])
    return (
        reviews.select_related("application", "agency", "officer")
        .defer("application__data")
        .order_by("-priority", *ordering)
    )


def application_for_staff(*, user: Any, uid: Any) -> Application:
    """An application one of whose reviews the user may see (404 otherwise)."""
    visible = reviews_visible_to(user).values("application_id")
    try:
        return _with_timeline(Application.objects.filter(pk__in=visible)).get(uid=uid)
    except (Application.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def document_for(*, user: Any, reference: str, uid: Any, why: str) -> Document:
    """A document of an application the user may see: their own, or (staff) one whose
    review is theirs to see. Anything else is a 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    if user.role in STAFF_ROLES:
        applications = Application.objects.filter(
            pk__in=reviews_visible_to(user).values("application_id")
        )
    else:
        applications = Application.objects.filter(applicant=user)
    try:
        document = Document.objects.select_related("application").get(
            uid=uid,
            application__in=applications.filter(reference=str(reference).strip().upper()),
        )
    except (Document.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    with transaction.atomic():
        audit_record(
            actor=user,
            action="document_read",
            object_type="application",
            object_id=str(document.application.uid),
            why=why,
            details={"code": document.code},
        )
    return document
