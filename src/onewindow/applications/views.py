"""Pages of the one-window workflow: the applicant's side (portal) and the officer's queue and
review page (back office). Each view parses the input, calls one service or selector, and
renders; a `DomainError` from a form's service is shown on the form so nothing typed is lost.
"""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onewindow.accounts.decorators import role_required
from onewindow.accounts.models import Role
from onewindow.core.errors import DomainError
from onewindow.policies.selectors import latest_assessment, round_context

from . import services
from . import web_selectors as ws
from .forms import (
    AnswerForm,
    LookupForm,
    QuestionForm,
    ReassignForm,
    RejectForm,
    TransferForm,
    UploadForm,
    answers_form,
)
from .models import Application, Status
from .selectors import application_for_applicant, document_for
from .services import notifications_mark_read

applicant_required = role_required(Role.RESIDENT, Role.EMPLOYER)
reviewer_required = role_required(Role.OFFICER, Role.SUPERVISOR)
signed_in_required = role_required(*Role.values)


def _version(request: HttpRequest) -> int:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else 0


# --- the applicant's side ---------------------------------------------------------------------


def _list(request: HttpRequest, lookup: LookupForm, lookup_error: str = "", status: int = 200):
    return render(
        request,
        "applications/list.html",
        {
            "page": ws.my_applications_page(request.user, request.GET.get("page")),
            "types": ws.types_for(request.user),
            "lookup": lookup,
            "lookup_error": lookup_error,
        },
        status=status,
    )


@applicant_required
@require_GET
def my_applications(request: HttpRequest) -> HttpResponse:
    return _list(request, LookupForm())


@applicant_required
@require_POST
def lookup(request: HttpRequest) -> HttpResponse:
    """Find one of the user's own applications by its reference number; someone else's
    number reads exactly like one that does not exist."""
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    try:
        application = application_for_applicant(
            user=request.user, reference=form.cleaned_data["reference"]
        )
    except Http404:
        message = _("No application of yours has the reference number %(reference)s.") % {
            "reference": form.cleaned_data["reference"].strip().upper()
        }
        return _list(request, form, lookup_error=message, status=404)
    return redirect("applications:detail", reference=application.reference)


@applicant_required
@require_POST
def start(request: HttpRequest, type_code: str) -> HttpResponse:
    try:
        application = services.application_start(actor=request.user, type_code=type_code)
    except DomainError as exc:
        messages.error(request, exc.text())
        return redirect("applications:mine")
    return redirect("applications:detail", reference=application.reference)


def _detail(
    request: HttpRequest,
    application: Application,
    *,
    error: str = "",
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    spec = ws.spec_of(application)
    draft = application.status == Status.DRAFT
    asked = application.status == Status.INFO_REQUESTED
    context: dict[str, Any] = {
        "application": application,
        "spec": spec,
        "error": error,
        "draft": draft,
        "asked": asked,
        "answers": ws.answer_rows(spec, application.data),
        "documents": ws.document_checklist(spec, list(application.documents.all())),
        "timeline": ws.timeline(application),
        "reviews": ws.review_rows(application),
        "questions": ws.open_questions(application),
        "decision_reason": ws.decision_reason(application),
        "permit": ws.permit_link(application),
        "can_withdraw": ws.can_withdraw(application),
        "assessment": latest_assessment(application),
        **round_context(application),
    }
    if draft:
        context["form"] = forms.get("form") or answers_form(spec, initial=application.data)
    if (draft or asked) and spec.documents:
        context["upload_form"] = forms.get("upload_form") or UploadForm(spec=spec)
    if asked:
        context["answer_form"] = forms.get("answer_form") or AnswerForm()
    return render(request, "applications/detail.html", context, status=status)


def _own(request: HttpRequest, reference: str) -> Application:
    return application_for_applicant(user=request.user, reference=reference)


@applicant_required
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(request, _own(request, reference))


@applicant_required
@require_POST
def save(request: HttpRequest, reference: str) -> HttpResponse:
    application = _own(request, reference)
    form = answers_form(ws.spec_of(application), request.POST)
    if not form.is_valid():
        return _detail(request, application, form=form, status=400)
    try:
        services.application_save(
            actor=request.user,
            application=application,
            answers=form.cleaned_data,
            version=_version(request),
        )
    except DomainError as exc:
        return _detail(
            request, _own(request, reference), form=form, error=exc.text(), status=exc.status
        )
    messages.success(request, _("Your answers are saved."))
    return redirect("applications:detail", reference=application.reference)


@applicant_required
@require_POST
def upload(request: HttpRequest, reference: str) -> HttpResponse:
    application = _own(request, reference)
    form = UploadForm(request.POST, request.FILES, spec=ws.spec_of(application))
    if not form.is_valid():
        return _detail(request, application, upload_form=form, status=400)
    try:
        services.document_upload(
            actor=request.user,
            application=application,
            code=form.cleaned_data["code"],
            upload=form.cleaned_data["file"],
        )
    except DomainError as exc:
        return _detail(
            request,
            _own(request, reference),
            upload_form=UploadForm(initial={"code": form.cleaned_data["code"]}, spec=form.spec),
            error=exc.text(),
            status=exc.status,
        )
    messages.success(request, _("The document was added."))
    return redirect("applications:detail", reference=application.reference)


@applicant_required
@require_POST
def submit(request: HttpRequest, reference: str) -> HttpResponse:
    application = _own(request, reference)
    try:
        services.application_submit(
            actor=request.user, application=application, version=_version(request)
        )
    except DomainError as exc:
        return _detail(request, _own(request, reference), error=exc.text(), status=exc.status)
    messages.success(request, _("Your application was submitted."))
    return redirect("applications:detail", reference=application.reference)


@applicant_required
@require_POST
def answer(request: HttpRequest, reference: str) -> HttpResponse:
    application = _own(request, reference)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _detail(request, application, answer_form=form, status=400)
    try:
        services.application_answer(
            actor=request.user,
            application=application,
            version=_version(request),
            answer=form.cleaned_data["answer"],
        )
    except DomainError as exc:
        return _detail(
            request,
            _own(request, reference),
            answer_form=form,
            error=exc.text(),
            status=exc.status,
        )
    messages.success(request, _("Your answer was sent; the review goes on."))
    return redirect("applications:detail", reference=application.reference)


@applicant_required
@require_POST
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    application = _own(request, reference)
    try:
        services.application_withdraw(
            actor=request.user, application=application, version=_version(request)
        )
    except DomainError as exc:
        return _detail(request, _own(request, reference), error=exc.text(), status=exc.status)
    messages.success(request, _("Your application was withdrawn."))
    return redirect("applications:detail", reference=application.reference)


@signed_in_required
@require_GET
def document(request: HttpRequest, reference: str, uid: str) -> HttpResponse:
    """Stream an uploaded document, only to its applicant and to staff who may see the
    application; never shown inline, never sniffed by the browser."""
    doc = document_for(user=request.user, reference=reference, uid=uid, why="case_work")
    extension = doc.file.name.rsplit(".", 1)[-1] if "." in doc.file.name else "bin"
    response = FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=f"{doc.application.reference}-{doc.code}.{extension}",
        content_type=doc.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's messages, newest first; showing them marks them read."""
    notes = ws.notifications_of(request.user)
    unread = {n.pk for n in notes if n.read_at is None}
    notifications_mark_read(user=request.user, notifications=notes)
    return render(request, "applications/notifications.html", {"notes": notes, "unread": unread})


# --- the officer's side -----------------------------------------------------------------------

QUEUE_SCOPES = ("open", "mine")
QUEUE_ORDERS = ("due", "-due", "new")


@reviewer_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    scope = request.GET.get("scope", "open")
    scope = scope if scope in QUEUE_SCOPES else "open"
    order = request.GET.get("order", "due")
    order = order if order in QUEUE_ORDERS else "due"
    page = ws.queue_page(user=request.user, scope=scope, order=order, page=request.GET.get("page"))
    return render(
        request, "applications/queue.html", {"page": page, "scope": scope, "order": order}
    )


def _review_page(
    request: HttpRequest,
    uid: str,
    *,
    error: str = "",
    status: int = 200,
    bound: dict[str, Any] | None = None,
) -> HttpResponse:
    review, application = ws.review_with_application(user=request.user, uid=uid)
    spec = ws.spec_of(application)
    actions = ws.review_actions(request.user, review)
    bound = bound or {}
    context: dict[str, Any] = {
        "review": review,
        "application": application,
        "spec": spec,
        "error": error,
        "actions": actions,
        "answers": ws.answer_rows(spec, application.data),
        "documents": ws.document_checklist(spec, list(application.documents.all())),
        "timeline": ws.timeline(application, staff=True),
        "reviews": ws.review_rows(application),
        "assessment": latest_assessment(application),
        "reject_form": bound.get("reject") or RejectForm(initial={"version": review.version}),
        "question_form": bound.get("request_info")
        or QuestionForm(initial={"version": review.version}),
    }
    if "reassign" in actions:
        context["reassign_form"] = ReassignForm(
            initial={"version": review.version}, officers=ws.reassign_officers(review)
        )
    if "transfer" in actions:
        context["transfer_form"] = TransferForm(
            initial={"version": review.version}, agencies=ws.transfer_agencies(review)
        )
    return render(request, "applications/review.html", context, status=status)


@reviewer_required
@require_GET
def review(request: HttpRequest, uid: str) -> HttpResponse:
    return _review_page(request, uid)


REVIEW_ACTIONS = ("claim", "approve", "reject", "request_info", "reassign", "transfer")


@reviewer_required
@require_POST
def review_action(request: HttpRequest, uid: str, action: str) -> HttpResponse:
    """One button of the review page: claim, approve, reject, request information, reassign
    or transfer. The review's version travels with it; a stale one is a conflict."""
    if action not in REVIEW_ACTIONS:
        raise Http404
    target = ws.review_for_staff(user=request.user, uid=uid)
    actor, version = request.user, _version(request)
    form: Any = None
    try:
        if action == "claim":
            services.review_claim(actor=actor, review=target, version=version)
        elif action == "approve":
            services.review_approve(actor=actor, review=target, version=version)
        elif action == "reject":
            form = RejectForm(request.POST)
            form.is_valid()
            services.review_reject(
                actor=actor,
                review=target,
                version=version,
                reason=form.cleaned_data.get("reason", ""),
            )
        elif action == "request_info":
            form = QuestionForm(request.POST)
            form.is_valid()
            services.review_request_info(
                actor=actor,
                review=target,
                version=version,
                question=form.cleaned_data.get("question", ""),
            )
        elif action == "reassign":
            form = ReassignForm(request.POST, officers=ws.reassign_officers(target))
            if not form.is_valid():
                raise DomainError("officer_required", _("Choose an officer."))
            services.review_reassign(
                actor=actor, review=target, version=version, officer=form.cleaned_data["officer"]
            )
        else:
            form = TransferForm(request.POST, agencies=ws.transfer_agencies(target))
            if not form.is_valid():
                raise DomainError("agency_required", _("Choose a department."))
            services.review_transfer(
                actor=actor, review=target, version=version, agency=form.cleaned_data["agency"]
            )
    except DomainError as exc:
        bound = {action: form} if action in ("reject", "request_info") else None
        return _review_page(request, uid, error=exc.text(), status=exc.status, bound=bound)
    messages.success(request, _("Done: %(reference)s.") % {"reference": target.application})
    if action == "transfer":
        return redirect("applications:queue")
    return redirect("applications:review", uid=target.uid)
