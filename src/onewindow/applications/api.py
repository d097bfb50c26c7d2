"""API of the one-window workflow, at /api/applications/.

Applicants (residents, employers) list, read, start, fill, submit, answer and withdraw their
own applications; officers and supervisors read their queue and claim, approve, reject or ask.
Every write carries the version the caller saw; the services decide, and their errors become
JSON through the API's handlers (400/409 with a code, 403, 404).
"""

import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from onewindow.accounts.models import Role

from . import services
from . import web_selectors as ws
from .models import Application, Review
from .selectors import application_for_applicant

router = Router(tags=["applications"])


# --- schemas ----------------------------------------------------------------------------------


class StartIn(Schema):
    type_code: str = Field(..., max_length=60)


class VersionIn(Schema):
    version: int = Field(..., ge=0)


class AnswersIn(VersionIn):
    answers: dict[str, Any] = Field(..., description="Field name → value, as the type defines")


class AnswerIn(VersionIn):
    answer: str = Field(..., max_length=4000)


class RejectIn(VersionIn):
    reason: str = Field(..., max_length=4000)


class QuestionIn(VersionIn):
    question: str = Field(..., max_length=4000)


class ApplicationSummaryOut(Schema):
    reference: str
    type_code: str
    type_title: str
    status: str
    status_label: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None


class ReviewOut(Schema):
    uid: UUID
    agency: str
    status: str
    due_date: datetime.date
    version: int


class QuestionOut(Schema):
    agency: str
    question: str
    asked_at: datetime.datetime
    answer: str
    answered_at: datetime.datetime | None


class DocumentOut(Schema):
    uid: UUID
    code: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    url: str


class TransitionOut(Schema):
    at: datetime.datetime
    agency: str | None
    from_status: str
    to_status: str
    reason: str


class ApplicationOut(ApplicationSummaryOut):
    data: dict[str, Any]
    reviews: list[ReviewOut]
    questions: list[QuestionOut]
    documents: list[DocumentOut]
    transitions: list[TransitionOut]
    decision_reason: str
    permit_uid: UUID | None


class QueueItemOut(Schema):
    uid: UUID
    reference: str
    type_code: str
    type_title: str
    district: str | None
    agency: str
    status: str
    officer: str | None
    due_date: datetime.date
    due_state: Literal["ok", "due", "overdue", "paused"]
    priority: bool
    version: int


class QueueOut(Schema):
    page: int
    pages: int
    count: int
    results: list[QueueItemOut]


class QueueIn(Schema):
    scope: Literal["open", "mine"] = "open"
    order: Literal["due", "-due", "new"] = "due"
    page: int = Field(1, ge=1, le=99_999)


# --- shaping ----------------------------------------------------------------------------------


def _summary(application: Application) -> dict[str, Any]:
    return {
        "reference": application.reference,
        "type_code": application.type_code,
        "type_title": str(ws.spec_of(application).title),
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "version": application.version,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
        "submitted_at": application.submitted_at,
        "decided_at": application.decided_at,
    }


def _review(review: Review) -> ReviewOut:
    return ReviewOut(
        uid=review.uid,
        agency=review.agency.code,
        status=review.status,
        due_date=review.due_date,
        version=review.version,
    )


def _full(application: Application) -> ApplicationOut:
    from django.urls import reverse

    permit = ws.permit_link(application)
    reviews = list(application.reviews.all())
    return ApplicationOut(
        **_summary(application),
        data=application.data,
        reviews=[_review(r) for r in reviews],
        questions=[
            QuestionOut(
                agency=r.agency.code,
                question=q.question,
                asked_at=q.asked_at,
                answer=q.answer,
                answered_at=q.answered_at,
            )
            for r in reviews
            for q in r.info_requests.all()
        ],
        documents=[
            DocumentOut(
                uid=d.uid,
                code=d.code,
                content_type=d.content_type,
                size=d.size,
                sha256=d.sha256,
                uploaded_at=d.created_at,
                url=reverse("applications:document", args=[application.reference, d.uid]),
            )
            for d in application.documents.all()
        ],
        transitions=[
            TransitionOut(
                at=t.at,
                agency=t.review.agency.code if t.review_id else None,
                from_status=t.from_status,
                to_status=t.to_status,
                reason=t.reason,
            )
            for t in application.transitions.all()
        ],
        decision_reason=ws.decision_reason(application),
        permit_uid=permit[0].uid if permit else None,
    )


def _mine(request: HttpRequest, reference: str) -> Application:
    return application_for_applicant(user=request.user, reference=reference)


def _reviewer(request: HttpRequest) -> None:
    if request.user.role not in (Role.OFFICER, Role.SUPERVISOR):
        raise PermissionDenied


def _staff_review(request: HttpRequest, uid: UUID) -> Review:
    _reviewer(request)
    return ws.review_for_staff(user=request.user, uid=uid)


# --- the applicant's endpoints ----------------------------------------------------------------


@router.get("/", response=list[ApplicationSummaryOut], summary="My applications, newest first")
def mine(request: HttpRequest, page: int = Query(1, ge=1, le=99_999)) -> list[dict[str, Any]]:
    found = ws.my_applications_page(request.user, page)
    return [_summary(row.application) for row in found.object_list]


@router.post("/", response={201: ApplicationOut}, summary="Start a draft of a type")
def start(request: HttpRequest, body: StartIn) -> Status:
    application = services.application_start(actor=request.user, type_code=body.type_code)
    return Status(201, _full(_mine(request, application.reference)))


@router.get("/{reference}", response=ApplicationOut, summary="One of my applications")
def detail(request: HttpRequest, reference: str) -> ApplicationOut:
    return _full(_mine(request, reference))


@router.put("/{reference}/answers", response=ApplicationOut, summary="Save a draft's answers")
def save(request: HttpRequest, reference: str, body: AnswersIn) -> ApplicationOut:
    services.application_save(
        actor=request.user,
        application=_mine(request, reference),
        answers=body.answers,
        version=body.version,
    )
    return _full(_mine(request, reference))


@router.post("/{reference}/submit", response=ApplicationOut, summary="Submit a draft")
def submit(request: HttpRequest, reference: str, body: VersionIn) -> ApplicationOut:
    services.application_submit(
        actor=request.user, application=_mine(request, reference), version=body.version
    )
    return _full(_mine(request, reference))


@router.post("/{reference}/withdraw", response=ApplicationOut, summary="Withdraw")
def withdraw(request: HttpRequest, reference: str, body: VersionIn) -> ApplicationOut:
    services.application_withdraw(
        actor=request.user, application=_mine(request, reference), version=body.version
    )
    return _full(_mine(request, reference))


@router.post("/{reference}/answer", response=ApplicationOut, summary="Answer the questions")
def answer(request: HttpRequest, reference: str, body: AnswerIn) -> ApplicationOut:
    services.application_answer(
        actor=request.user,
        application=_mine(request, reference),
        version=body.version,
        answer=body.answer,
    )
    return _full(_mine(request, reference))


# --- the officer's endpoints ------------------------------------------------------------------


@router.get("/reviews/queue", response=QueueOut, summary="My agency's open reviews")
def queue(request: HttpRequest, params: Query[QueueIn]) -> QueueOut:
    _reviewer(request)
    found = ws.queue_page(
        user=request.user, scope=params.scope, order=params.order, page=params.page
    )
    return QueueOut(
        page=found.number,
        pages=found.paginator.num_pages,
        count=found.paginator.count,
        results=[
            QueueItemOut(
                uid=row.review.uid,
                reference=row.review.application.reference,
                type_code=row.review.application.type_code,
                type_title=row.title,
                district=(
                    row.review.application.district.code
                    if row.review.application.district
                    else None
                ),
                agency=row.review.agency.code,
                status=row.review.status,
                officer=row.review.officer.username if row.review.officer else None,
                due_date=row.review.due_date,
                due_state=row.badge,
                priority=row.review.application.priority,
                version=row.review.version,
            )
            for row in found.object_list
        ],
    )


@router.post("/reviews/{uid}/claim", response=ReviewOut, summary="Claim a review")
def claim(request: HttpRequest, uid: UUID, body: VersionIn) -> ReviewOut:
    review = _staff_review(request, uid)
    return _review(services.review_claim(actor=request.user, review=review, version=body.version))


@router.post("/reviews/{uid}/approve", response=ReviewOut, summary="Approve a claimed review")
def approve(request: HttpRequest, uid: UUID, body: VersionIn) -> ReviewOut:
    review = _staff_review(request, uid)
    return _review(services.review_approve(actor=request.user, review=review, version=body.version))


@router.post("/reviews/{uid}/reject", response=ReviewOut, summary="Reject, with the reason")
def reject(request: HttpRequest, uid: UUID, body: RejectIn) -> ReviewOut:
    review = _staff_review(request, uid)
    return _review(
        services.review_reject(
            actor=request.user, review=review, version=body.version, reason=body.reason
        )
    )


@router.post(
    "/reviews/{uid}/request-info", response=ReviewOut, summary="Ask the applicant a question"
)
def request_info(request: HttpRequest, uid: UUID, body: QuestionIn) -> ReviewOut:
    review = _staff_review(request, uid)
    return _review(
        services.review_request_info(
            actor=request.user, review=review, version=body.version, question=body.question
        )
    )
