"""Reads for the workflow's pages and API: what a page shows, built from the scoped selectors.

Everything here starts from `selectors.py` (so a user sees only what they may) and shapes it
for display: answers with their labels, the timeline in the reader's language, the queue
page with its badges. Nothing here decides anything about an application.
"""

import dataclasses
import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import Agency, Role, User
from onewindow.registry.presentation import country_name

from .definitions import ApplicationType, application_type, application_types
from .models import (
    REVIEW_OPEN,
    Application,
    Document,
    Notification,
    Review,
    ReviewStatus,
    Status,
    Transition,
)
from .selectors import applications_of, officer_queue, reviews_visible_to
from .services import agency_officers, review_due_state

QUEUE_PAGE_SIZE = 25
LIST_PAGE_SIZE = 25


def _page_number(raw: Any) -> int:
    text = str(raw or "1")
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def spec_of(application: Application) -> ApplicationType:
    return application_type(application.type_code)


def types_for(user: Any) -> list[ApplicationType]:
    """The kinds of application the user's role may file."""
    return [t for t in application_types().values() if user.role in t.filed_by]


@dataclasses.dataclass
class ApplicationRow:
    application: Application
    title: str


def my_applications_page(user: Any, page: Any = 1) -> Page:
    """The applicant's applications, newest first, 25 a page, each with its type's title."""
    result = Paginator(applications_of(user), LIST_PAGE_SIZE).get_page(_page_number(page))
    result.object_list = [ApplicationRow(a, str(spec_of(a).title)) for a in result.object_list]
    return result


def answer_rows(spec: ApplicationType, data: dict[str, Any]) -> list[tuple[str, str]]:
    """Each field's label and the answer as a reader would say it (choice labels, country
    names, yes/no); unanswered fields show a dash."""
    from django.utils.translation import get_language

    rows = []
    for field in spec.fields:
        value = data.get(field.name)
        if value is None or value == "":
            shown = "—"
        elif field.type == "choice":
            labels = {c.value: str(c.label) for c in field.choices}
            shown = labels.get(str(value), str(value))
        elif field.type == "country":
            shown = country_name(str(value), get_language())
        elif field.type == "boolean":
            shown = _("Yes") if value else _("No")
        else:
            shown = str(value)
        rows.append((str(field.label), shown))
    return rows


@dataclasses.dataclass
class TimelineRow:
    at: datetime.datetime
    agency: str
    from_label: str
    to_label: str
    note: str
    actor: str


def _status_label(value: str, review: bool) -> str:
    if not value:
        return ""
    choices = ReviewStatus if review else Status
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _note(t: Transition, spec: ApplicationType, staff: bool, agencies: dict[str, str]) -> str:
    kind, _sep, rest = t.reason.partition(":")
    if kind == "document" and rest:
        document = spec.document(rest)
        return _("Document added: %(document)s") % {
            "document": str(document.label) if document else rest
        }
    if kind == "reassigned" and rest:
        return _("Assigned to %(officer)s") % {"officer": rest} if staff else ""
    if kind == "transferred" and rest:
        return _("Transferred to %(agency)s") % {"agency": agencies.get(rest, rest)}
    return t.reason


def timeline(application: Application, *, staff: bool = False) -> list[TimelineRow]:
    """The application's transitions, oldest first, in the reader's language. Staff also see
    who acted; applicants see the agency, not the officer."""
    spec = spec_of(application)
    transitions = list(application.transitions.all())
    agencies = {a.code: str(a) for a in Agency.objects.all()}
    actors: dict[int, str] = {}
    if staff:
        ids = {t.actor_id for t in transitions if t.actor_id}
        actors = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    return [
        TimelineRow(
            at=t.at,
            agency=str(t.review.agency) if t.review_id else "",
            from_label=_status_label(t.from_status, t.review_id is not None),
            to_label=_status_label(t.to_status, t.review_id is not None),
            note=_note(t, spec, staff, agencies),
            actor=actors.get(t.actor_id, "") if staff else "",
        )
        for t in transitions
    ]


@dataclasses.dataclass
class ReviewRow:
    review: Review
    badge: str  # 'overdue', 'due', 'ok' or 'paused'
    questions: list[Any]


def _badge(review: Review, today: datetime.date) -> str:
    if review.status == ReviewStatus.INFO_REQUESTED:
        return "paused"
    return review_due_state(review, today)


def review_rows(application: Application) -> list[ReviewRow]:
    today = timezone.localdate()
    return [
        ReviewRow(r, _badge(r, today), list(r.info_requests.all()))
        for r in application.reviews.all()
    ]


def open_questions(application: Application) -> list[Any]:
    """The questions the applicant has not answered yet."""
    return [
        q
        for r in application.reviews.all()
        if r.status == ReviewStatus.INFO_REQUESTED
        for q in r.info_requests.all()
        if q.answered_at is None
    ]


def decision_reason(application: Application) -> str:
    if application.status != Status.REJECTED:
        return ""
    rejected = [r for r in application.reviews.all() if r.status == ReviewStatus.REJECTED]
    return rejected[0].reason if rejected else ""


def permit_link(application: Application) -> tuple[Any, str] | None:
    """The permit issued on the application and its page, if there is one."""
    permit = getattr(application, "permit", None)
    if permit is None:
        return None
    try:
        url = reverse("permits:detail", args=[permit.uid])
    except NoReverseMatch:
        url = f"/permits/{permit.uid}/"
    return permit, url


def can_withdraw(application: Application) -> bool:
    return application.status in (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.INFO_REQUESTED,
    )


def review_for_staff(*, user: Any, uid: Any) -> Review:
    """A review the user may see (their agency, their districts), else 404."""
    try:
        return reviews_visible_to(user).select_related("application", "agency").get(uid=uid)
    except (Review.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


@dataclasses.dataclass
class QueueRow:
    review: Review
    title: str
    badge: str


UNREAD_CAP = 100


def queue_page(*, user: Any, scope: str, order: str, page: Any = 1) -> Page:
    """One page (25 rows) of the officer's queue, with the type titles and due badges; a
    fixed number of queries whatever the page holds.

    The page's ids are found first (the queue index alone, no joins) and only those 25 rows
    are then fetched with their application, agency and officer: joining first made the
    database join every open review of a busy desk (thousands) just to sort them.
    """
    queue = officer_queue(user=user, scope=scope, order=order)
    result = Paginator(queue.values_list("pk", flat=True), QUEUE_PAGE_SIZE).get_page(
        _page_number(page)
    )
    ids = list(result.object_list)
    rows = queue.select_related("application__district").in_bulk(ids)
    today = timezone.localdate()
    result.object_list = [
        QueueRow(r, str(spec_of(r.application).title), _badge(r, today))
        for r in (rows[pk] for pk in ids)
    ]
    return result


def reassign_officers(review: Review) -> QuerySet[User]:
    """Officers who could take the review: same agency, working in its district."""
    return agency_officers(review).order_by("username")


def transfer_agencies(review: Review) -> QuerySet[Agency]:
    """Departments the review could move to: any not already reviewing the application."""
    taken = Review.objects.filter(application_id=review.application_id).values("agency_id")
    return Agency.objects.exclude(pk__in=taken)


def review_is_open(review: Review) -> bool:
    return review.status in REVIEW_OPEN


def notifications_of(user: Any, limit: int = 100) -> list[Notification]:
    """The user's latest notifications, newest first."""
    notes = Notification.objects.filter(user=user).select_related("application")
    return list(notes.order_by("-created_at", "-id")[:limit])


def unread_count(user: Any, cap: int = UNREAD_CAP) -> int:
    """How many notifications are unread, counted up to `cap` (the badge says "99+"): an
    officer with thousands of unread notes costs no more than one with a hundred."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True)[:cap].count()


def review_with_application(*, user: Any, uid: Any) -> tuple[Review, Application]:
    """The review at `uid` and its application with the timeline, as the officer sees them."""
    from .selectors import application_for_staff

    review = review_for_staff(user=user, uid=uid)
    application = application_for_staff(user=user, uid=review.application.uid)
    review = next(r for r in application.reviews.all() if r.pk == review.pk)
    return review, application


def review_actions(user: Any, review: Review) -> set[str]:
    """Which buttons to show; the services decide again when one is pressed."""
    actions: set[str] = set()
    if review.agency_id != user.agency_id or review.status not in REVIEW_OPEN:
        return actions
    supervisor = user.role == Role.SUPERVISOR
    if review.status == ReviewStatus.PENDING:
        actions.add("claim")
    if review.status == ReviewStatus.CLAIMED and (review.officer_id == user.pk or supervisor):
        actions |= {"approve", "reject", "request_info"}
    if supervisor:
        actions |= {"reassign", "transfer"}
    return actions


@dataclasses.dataclass
class DocumentSlot:
    code: str
    label: str
    required: bool
    kinds: str
    max_mb: float
    files: list[Document]


def document_checklist(spec: ApplicationType, documents: list[Document]) -> list[DocumentSlot]:
    """Each document the type takes, with what was uploaded for it."""
    return [
        DocumentSlot(
            code=d.code,
            label=str(d.label),
            required=d.required,
            kinds=", ".join(t.split("/")[-1].upper() for t in d.content_types),
            max_mb=d.max_mb,
            files=[f for f in documents if f.code == d.code],
        )
        for d in spec.documents
    ]
