"""The one-window workflow: every write is one transaction that locks the application row,
checks its version (optimistic locking), writes a transition and an audit row, and notifies.

    draft → submitted → in_review ─(every review approved)→ approved → issued
                          │  ↑
                          │  └─ info_requested ←→ (applicant answers)
                          └─(any review rejects)→ rejected
    withdrawn: by the applicant, before a decision
"""

import datetime
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.accounts.models import Agency, Role
from onewindow.audit.services import audit_record
from onewindow.core.errors import ConflictError, DomainError
from onewindow.registry.models import Person

from . import calendar
from .answers import clean_answers
from .definitions import ApplicationType, application_type
from .eligibility import check_eligibility, check_policy, check_requirements, subject_person
from .events import NEW_REVIEW, REASSIGNED, STATUS_MESSAGES, notify, transition
from .models import (
    REVIEW_OPEN,
    Application,
    Document,
    InfoRequest,
    Notification,
    Review,
    ReviewStatus,
    Status,
)
from .uploads import sniff_upload


def _conflict() -> ConflictError:
    return ConflictError(
        "conflict",
        _("Someone else acted on this application first. Reload it to see what changed."),
    )


def _lock(application: Application, version: int | None) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if version is not None and locked.version != version:
        raise _conflict()
    return locked


def _bump(application: Application, **fields: Any) -> None:
    fields.setdefault("updated_at", timezone.now())  # update() skips auto_now
    Application.objects.filter(pk=application.pk).update(version=F("version") + 1, **fields)
    for name, value in fields.items():
        setattr(application, name, value)
    application.version += 1


def _set_status(actor: Any, application: Application, status: str, reason: str = "") -> None:
    before = application.status
    extra: dict[str, Any] = {"status": status}
    if status in (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN):
        extra["decided_at"] = timezone.now()
    _bump(application, **extra)
    transition(
        actor=actor, application=application, from_status=before, to_status=status, reason=reason
    )


def _own(actor: Any, application: Application) -> None:
    if application.applicant_id != actor.pk:
        raise PermissionDenied


def _new_reference() -> str:
    return f"OW{timezone.localdate():%Y}{secrets.randbelow(10**8):08d}"


@transaction.atomic
def application_start(*, actor: Any, type_code: str) -> Application:
    """Open a draft of `type_code` for the applicant (a resident or an employer)."""
    try:
        spec = application_type(type_code)
    except KeyError as exc:
        raise DomainError("type_unknown", _("There is no such kind of application.")) from exc
    if actor.role not in spec.filed_by:
        raise PermissionDenied
    person = actor.person if spec.subject == "self" else None
    employer = actor.employer if actor.role == Role.EMPLOYER else None
    if spec.subject == "self" and person is None:
        raise DomainError("person_required", _("Your account is not linked to a registry record."))
    district = person.current_district if person else (employer.district if employer else None)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    reference=_new_reference(),
                    type_code=spec.code,
                    type_version=spec.version,
                    applicant=actor,
                    person=person,
                    employer=employer,
                    district=district,
                    priority=spec.priority,
                )
            break
        except IntegrityError:
            continue
    else:
        raise DomainError("reference_exhausted", _("Please try again."))
    transition(actor=actor, application=application, to_status=Status.DRAFT)
    return application


@transaction.atomic
def application_save(
    *, actor: Any, application: Application, answers: dict[str, Any], version: int
) -> Application:
    """Save a draft's answers (partial answers are fine until submission)."""
    _own(actor, application)
    locked = _lock(application, version)
    if locked.status != Status.DRAFT:
        raise DomainError("not_draft", _("Only a draft can be changed."))
    data = clean_answers(application_type(locked.type_code), answers, complete=False)
    _bump(locked, data=data)
    return locked


@transaction.atomic
def document_upload(*, actor: Any, application: Application, code: str, upload: Any) -> Document:
    """Attach a document, its type sniffed from the content and its size checked."""
    _own(actor, application)
    locked = _lock(application, None)
    if locked.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise DomainError("not_editable", _("Documents can be added to a draft, or when asked."))
    spec = application_type(locked.type_code).document(code)
    if spec is None:
        raise DomainError("document_unknown", _("This application does not take that document."))
    content, content_type = sniff_upload(upload, spec)
    document = Document(
        application=locked,
        code=code,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        content_type, "bin"
    )
    document.file.save(f"{document.uid}.{extension}", ContentFile(content), save=False)
    document.save()
    audit_record(
        actor=actor,
        action="document_upload",
        object_type="application",
        object_id=str(locked.uid),
        why="case_work",
        details={"code": code},
    )
    return document


def _missing_documents(spec: ApplicationType, application: Application) -> list[str]:
    present = set(application.documents.values_list("code", flat=True))
    return [str(d.label) for d in spec.documents if d.required and d.code not in present]


@transaction.atomic
def application_submit(*, actor: Any, application: Application, version: int) -> Application:
    """Check answers, documents, eligibility and prerequisites; then open one review per
    agency, in parallel, each due in its working days."""
    _own(actor, application)
    locked = _lock(application, version)
    if locked.status != Status.DRAFT:
        raise DomainError("not_draft", _("This application was already submitted."))
    spec = application_type(locked.type_code)
    data = clean_answers(spec, locked.data, complete=True)
    missing = _missing_documents(spec, locked)
    if missing:
        raise DomainError(
            "documents_missing",
            _("Documents still missing: %(documents)s"),
            documents=", ".join(missing),
        )
    check_requirements(spec, locked)
    check_eligibility(spec, locked, data)
    check_policy(actor, spec, locked, data)
    now = timezone.now()
    _bump(locked, data=data, submitted_at=now)
    _set_status(actor, locked, Status.SUBMITTED)
    today = timezone.localdate()
    agencies = {a.code: a for a in Agency.objects.filter(code__in=[r.agency for r in spec.reviews])}
    for review_spec in spec.reviews:
        review = Review.objects.create(
            application=locked,
            agency=agencies[review_spec.agency],
            district_id=locked.district_id,
            priority=locked.priority,
            deadline_working_days=review_spec.deadline_working_days,
            due_date=calendar.add_working_days(today, review_spec.deadline_working_days),
        )
        transition(actor=actor, application=locked, review=review, to_status=ReviewStatus.PENDING)
        for officer in agency_officers(review):
            notify(
                user=officer,
                application=locked,
                kind="new_review",
                message=NEW_REVIEW,
                due=review.due_date.isoformat(),
            )
    _set_status(actor, locked, Status.IN_REVIEW)
    notify(user=actor, application=locked, kind="status", message=STATUS_MESSAGES[Status.IN_REVIEW])
    return locked


def agency_officers(review: Review) -> QuerySet[Any]:
    """The active officers of the review's agency who work in its district."""
    from onewindow.accounts.models import User

    officers = User.objects.filter(role=Role.OFFICER, agency=review.agency, is_active=True)
    if review.district_id:
        officers = officers.filter(districts=review.district_id)
    return officers


def may_review(actor: Any, review: Review) -> bool:
    """An officer or supervisor of the review's agency, in the application's district."""
    if actor.role not in (Role.OFFICER, Role.SUPERVISOR) or actor.agency_id != review.agency_id:
        return False
    district = review.district_id
    return district is None or actor.districts.filter(pk=district).exists()


def _review_locked(actor: Any, review: Review, version: int) -> tuple[Review, Application]:
    if not may_review(actor, review):
        raise PermissionDenied
    application = _lock(review.application, None)
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.version != version:
        raise _conflict()
    return locked, application


def _move_review(
    actor: Any,
    application: Application,
    review: Review,
    status: str,
    note: str = "",
    **fields: Any,
) -> None:
    """Save a review in its new status (and any other fields), bump its version, and write
    the transition from the status it had, with `note` as its reason."""
    before = review.status
    fields.update(status=status, updated_at=timezone.now())  # update() skips auto_now
    Review.objects.filter(pk=review.pk).update(version=F("version") + 1, **fields)
    for name, value in fields.items():
        setattr(review, name, value)
    review.version += 1
    transition(
        actor=actor,
        application=application,
        review=review,
        from_status=before,
        to_status=status,
        reason=note,
    )


def _tell_applicant(application: Application, status: str, **params: Any) -> None:
    notify(
        user=application.applicant,
        application=application,
        kind="status",
        message=STATUS_MESSAGES[status],
        **params,
    )


def _close_open_reviews(application: Application) -> None:
    application.reviews.filter(status__in=REVIEW_OPEN).update(
        status=ReviewStatus.CLOSED, version=F("version") + 1, updated_at=timezone.now()
    )


@transaction.atomic
def review_claim(*, actor: Any, review: Review, version: int) -> Review:
    locked, application = _review_locked(actor, review, version)
    if locked.status != ReviewStatus.PENDING:
        raise DomainError("not_pending", _("This review is already being worked on."))
    _move_review(actor, application, locked, ReviewStatus.CLAIMED, officer=actor)
    return locked


def _decidable(actor: Any, review: Review) -> None:
    if review.status != ReviewStatus.CLAIMED:
        raise DomainError("not_claimed", _("Claim this review before deciding it."))
    if review.officer_id != actor.pk and actor.role != Role.SUPERVISOR:
        raise DomainError("claimed_by_other", _("Another officer is reviewing this."))


@transaction.atomic
def review_approve(*, actor: Any, review: Review, version: int) -> Review:
    """Approve one agency's review; when every review is approved, the application is
    approved and its permit issued."""
    locked, application = _review_locked(actor, review, version)
    _decidable(actor, locked)
    _move_review(actor, application, locked, ReviewStatus.APPROVED, decided_at=timezone.now())
    decided_by_round = application_type(application.type_code).decided_by == "quota_round"
    if (
        not decided_by_round
        and not application.reviews.exclude(status=ReviewStatus.APPROVED).exists()
    ):
        _set_status(actor, application, Status.APPROVED)
        _tell_applicant(application, Status.APPROVED)
        _issue_permit(actor, application)
    return locked


def _issue_permit(actor: Any, application: Application) -> None:
    spec = application_type(application.type_code)
    if spec.permit is None:
        return
    from onewindow.permits.models import Permit
    from onewindow.permits.services import permit_issue, permit_renew

    holder: Person = subject_person(actor, application)
    if spec.permit.renews:
        current = (
            Permit.objects.select_for_update()
            .filter(holder=holder, permit_type=spec.permit.renews, status="valid")
            .order_by("-valid_to")
            .first()
        )
        if current is None:
            raise DomainError("nothing_to_renew", _("There is no permit to endorse."))
        permit_renew(
            actor=actor, permit=current, months=spec.permit.validity_months, tell_holder=False
        )
    else:
        permit_issue(
            actor=actor,
            application=application,
            holder=holder,
            spec=spec.permit,
            valid_from=timezone.localdate(),
        )
    _set_status(actor, application, Status.ISSUED)
    _tell_applicant(application, Status.ISSUED)


@transaction.atomic
def review_reject(*, actor: Any, review: Review, version: int, reason: str) -> Review:
    """Reject: the reason is required and shown to the applicant; the other reviews close."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("Give the reason for the rejection."))
    locked, application = _review_locked(actor, review, version)
    _decidable(actor, locked)
    _move_review(
        actor,
        application,
        locked,
        ReviewStatus.REJECTED,
        reason,
        decided_at=timezone.now(),
        reason=reason,
    )
    _close_open_reviews(application)
    _set_status(actor, application, Status.REJECTED, reason)
    _tell_applicant(application, Status.REJECTED, reason=reason)
    return locked


@transaction.atomic
def application_decide_by_round(
    *, actor: Any, application: Application, approved: bool, reason: str
) -> Application:
    """The final decision of a quota round (points-based hukou): the round, not one review,
    decides; the open reviews close and the applicant is told, with the reason."""
    locked = _lock(application, None)
    if locked.status not in (Status.IN_REVIEW, Status.INFO_REQUESTED):
        raise DomainError("not_in_review", _("This application is not waiting for a decision."))
    _close_open_reviews(locked)
    if approved:
        _set_status(actor, locked, Status.APPROVED, reason)
        _tell_applicant(locked, Status.APPROVED)
        _issue_permit(actor, locked)
    else:
        _set_status(actor, locked, Status.REJECTED, reason)
        _tell_applicant(locked, Status.REJECTED, reason=reason)
    return locked


@transaction.atomic
def review_request_info(*, actor: Any, review: Review, version: int, question: str) -> Review:
    """Ask the applicant; this review's clock stops until they answer."""
    question = question.strip()
    if not question:
        raise DomainError("question_required", _("Write the question for the applicant."))
    locked, application = _review_locked(actor, review, version)
    _decidable(actor, locked)
    now = timezone.now()
    InfoRequest.objects.create(review=locked, question=question, asked_at=now)
    _move_review(actor, application, locked, ReviewStatus.INFO_REQUESTED, question, paused_at=now)
    if application.status != Status.INFO_REQUESTED:
        _set_status(actor, application, Status.INFO_REQUESTED)
    _tell_applicant(application, Status.INFO_REQUESTED, question=question)
    return locked


@transaction.atomic
def application_answer(
    *, actor: Any, application: Application, version: int, answer: str
) -> Application:
    """Answer every open question; each paused review resumes with its due date moved by the
    working days it waited."""
    _own(actor, application)
    answer = answer.strip()
    if not answer:
        raise DomainError("answer_required", _("Write your answer."))
    locked = _lock(application, version)
    if locked.status != Status.INFO_REQUESTED:
        raise DomainError("no_question", _("Nothing was asked for this application."))
    now = timezone.now()
    today = timezone.localdate()
    for review in locked.reviews.filter(status=ReviewStatus.INFO_REQUESTED):
        InfoRequest.objects.filter(review=review, answered_at__isnull=True).update(
            answer=answer, answered_at=now
        )
        waited = calendar.working_days_between(timezone.localdate(review.paused_at), today)
        _move_review(
            actor,
            locked,
            review,
            ReviewStatus.CLAIMED,
            paused_at=None,
            due_date=calendar.add_working_days(review.due_date, waited),
        )
    _set_status(actor, locked, Status.IN_REVIEW)
    return locked


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application, version: int) -> Application:
    """The applicant withdraws, before any decision."""
    _own(actor, application)
    locked = _lock(application, version)
    if locked.status not in (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.INFO_REQUESTED,
    ):
        raise DomainError("already_decided", _("A decided application cannot be withdrawn."))
    _close_open_reviews(locked)
    _set_status(actor, locked, Status.WITHDRAWN)
    notify(user=actor, application=locked, kind="status", message=STATUS_MESSAGES[Status.WITHDRAWN])
    return locked


@transaction.atomic
def review_reassign(*, actor: Any, review: Review, version: int, officer: Any) -> Review:
    """A supervisor gives a review to another officer of the same agency and district."""
    if actor.role != Role.SUPERVISOR:
        raise PermissionDenied
    locked, application = _review_locked(actor, review, version)
    if locked.status not in REVIEW_OPEN:
        raise DomainError("review_closed", _("This review is already decided."))
    if officer.role != Role.OFFICER or not may_review(officer, locked):
        raise DomainError(
            "officer_unsuitable", _("That officer does not review for this agency and district.")
        )
    status = ReviewStatus.CLAIMED if locked.status == ReviewStatus.PENDING else locked.status
    _move_review(
        actor, application, locked, status, f"reassigned:{officer.username}", officer=officer
    )
    notify(
        user=officer,
        application=application,
        kind="assigned",
        message=REASSIGNED,
        due=locked.due_date.isoformat(),
    )
    return locked


@transaction.atomic
def review_transfer(*, actor: Any, review: Review, version: int, agency: Agency) -> Review:
    """A supervisor moves a review to another department; it waits there for a new officer
    with the same due date."""
    if actor.role != Role.SUPERVISOR:
        raise PermissionDenied
    locked, application = _review_locked(actor, review, version)
    if locked.status not in REVIEW_OPEN:
        raise DomainError("review_closed", _("This review is already decided."))
    if application.reviews.filter(agency=agency).exists():
        raise DomainError(
            "agency_reviewing", _("That department already reviews this application.")
        )
    _move_review(
        actor,
        application,
        locked,
        ReviewStatus.PENDING,
        f"transferred:{agency.code}",
        agency=agency,
        officer=None,
    )
    return locked


def review_due_state(review: Review, today: datetime.date | None = None) -> str:
    """'paused' (waiting for the applicant), 'overdue', 'due' (within 2 working days) or
    'ok' — for the queue's badges."""
    today = today or timezone.localdate()
    if review.status == ReviewStatus.INFO_REQUESTED:
        return "paused"
    if review.status not in REVIEW_OPEN:
        return "ok"
    if review.due_date < today:
        return "overdue"
    return "due" if calendar.working_days_between(today, review.due_date) <= 2 else "ok"


def notifications_mark_read(*, user: Any, notifications: list[Notification]) -> int:
    """Mark the shown notifications read.

    Only the user's own rows; no application changes, so no audit row.
    """
    ids = [n.pk for n in notifications if n.read_at is None]
    return Notification.objects.filter(user=user, pk__in=ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )
