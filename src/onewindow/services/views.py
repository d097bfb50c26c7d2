"""Pages of the community services: thin, the rules live in services and selectors."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.accounts.decorators import resident_required, role_required
from onewindow.accounts.models import Role
from onewindow.core.i18n import zh_or_en

from . import selectors, services
from .forms import DirectoryFilter, FeedbackForm, LegalAidForm, ReplyForm
from .models import Accessibility, EnrolmentStatus, LegalAidStatus


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.service_directory(**{k: v for k, v in filters.items() if v})
    return render(
        request,
        "services/directory.html",
        {"form": form, "services": found},
    )


def service_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    service = selectors.service_get(uid=uid)
    courses = list(selectors.service_courses(service=service))
    mine = {}
    if request.user.is_authenticated and request.user.role == Role.RESIDENT:
        mine = {
            e.course_id: e
            for e in selectors.enrolments_of(user=request.user).filter(
                course__in=courses, status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)
            )
        }
    for course in courses:
        course.mine = mine.get(course.pk)
    station = service.station
    info = getattr(station, "info", None)
    return render(
        request,
        "services/service.html",
        {
            "service": service,
            "courses": courses,
            "info": info,
            "address": zh_or_en(station.address_zh, station.address_en),
            "hours": _hours(info),
            "accessibility": [Accessibility(a).label for a in (info.accessibility if info else [])],
            "feedback": selectors.feedback_summary(service=service),
            "feedback_form": FeedbackForm() if request.user.is_authenticated else None,
        },
    )


def _hours(info: object) -> list[tuple[str, str, str]]:
    rows = getattr(info, "opening_hours", None) or []
    return [(str(WEEKDAYS_ABBR[r["weekday"] - 1]), r["opens"], r["closes"]) for r in rows]


@require_POST
@resident_required
def enrol(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    course = selectors.course_get(uid=uid)
    enrolment = services.course_enrol(user=request.user, course=course)
    if enrolment.status == EnrolmentStatus.ENROLLED:
        messages.success(request, _("You have a place on this course."))
    else:
        messages.info(
            request,
            _("The course is full: you are number %(position)s on the waiting list.")
            % {"position": services.waiting_position(enrolment)},
        )
    return redirect("services:my_courses")


@resident_required
def my_courses(request: HttpRequest) -> HttpResponse:
    enrolments = selectors.enrolments_of(user=request.user)
    return render(request, "services/my_courses.html", {"enrolments": enrolments})


@resident_required
def certificate(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    enrolment = selectors.enrolment_get(user=request.user, uid=uid)
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise Http404
    from .certificate import certificate_pdf  # WeasyPrint loads when a certificate is asked for

    response = HttpResponse(certificate_pdf(enrolment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{enrolment.certificate_number}.pdf"'
    return response


@require_POST
@resident_required
def cancel(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    enrolment = selectors.enrolment_get(user=request.user, uid=uid)
    services.enrolment_cancel(user=request.user, enrolment=enrolment)
    messages.success(request, _("Your enrolment is cancelled."))
    return redirect("services:my_courses")


legal_aid_parties = role_required(Role.RESIDENT, Role.STATION_STAFF)


@legal_aid_parties
def legal_aid_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "services/legal_aid_list.html",
        {"requests": selectors.legal_aid_of(user=request.user)},
    )


@resident_required
def legal_aid_new(request: HttpRequest) -> HttpResponse:
    form = LegalAidForm(request.POST or None, initial={"topic": request.GET.get("topic", "")})
    if request.method == "POST" and form.is_valid():
        filed = services.legal_aid_request(
            user=request.user,
            station=form.cleaned_data["station"],
            topic=form.cleaned_data["topic"],
            body=form.cleaned_data["body"],
            language=get_language() or "",
        )
        messages.success(
            request,
            _(
                "Your request was sent to a legal-aid counsellor. "
                "You will be told when they answer."
            ),
        )
        return redirect("services:legal_aid_detail", uid=filed.uid)
    return render(request, "services/legal_aid_new.html", {"form": form})


@legal_aid_parties
def legal_aid_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    case = selectors.legal_aid_get(user=request.user, uid=uid)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.legal_aid_reply(actor=request.user, request=case, body=form.cleaned_data["body"])
        messages.success(request, _("Your message was sent."))
        return redirect("services:legal_aid_detail", uid=case.uid)
    return render(
        request,
        "services/legal_aid_detail.html",
        {
            "case": case,
            "thread": case.messages.select_related("author"),
            "form": form,
            "closed": case.status == LegalAidStatus.CLOSED,
            "counsellor_view": request.user.pk == case.assigned_to_id,
        },
    )


@require_POST
@legal_aid_parties
def legal_aid_close_view(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    case = selectors.legal_aid_get(user=request.user, uid=uid)
    services.legal_aid_close(actor=request.user, request=case)
    messages.success(request, _("The request is closed."))
    return redirect("services:legal_aid_detail", uid=case.uid)


station_staff_required = role_required(Role.STATION_STAFF)


@station_staff_required
def staff_courses(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "services/staff_courses.html",
        {"courses": selectors.station_courses(actor=request.user)},
    )


@station_staff_required
def staff_course(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    course, enrolments = selectors.course_roster(actor=request.user, uid=uid)
    sessions = list(course.sessions.all())
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "attendance":
            session = next((s for s in sessions if str(s.pk) == request.POST.get("session")), None)
            if session is not None:
                present = {
                    e.pk: f"present-{e.pk}" in request.POST
                    for e in enrolments
                    if e.status != EnrolmentStatus.WAITING
                }
                services.attendance_record(actor=request.user, session=session, present=present)
                messages.success(request, _("Attendance saved."))
        elif action == "complete":
            target = next(
                (e for e in enrolments if str(e.uid) == request.POST.get("enrolment")), None
            )
            if target is not None:
                services.enrolment_complete(actor=request.user, enrolment=target)
                messages.success(request, _("Marked as completed; the certificate is issued."))
        return redirect("services:staff_course", uid=course.uid)
    marks = {
        (a.enrolment_id, a.session_id): a.present for e in enrolments for a in e.attendance.all()
    }
    participants = [e for e in enrolments if e.status != EnrolmentStatus.WAITING]
    for e in participants:
        e.attended = sum(1 for s in sessions if marks.get((e.pk, s.pk)))
    return render(
        request,
        "services/staff_course.html",
        {
            "course": course,
            "sessions": sessions,
            "participants": participants,
            "session_rows": [
                (s, [(e, marks.get((e.pk, s.pk))) for e in participants]) for s in sessions
            ],
            "waiting": [e for e in enrolments if e.status == EnrolmentStatus.WAITING],
        },
    )
