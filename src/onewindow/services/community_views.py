"""Pages of the community: feedback, volunteering, associations, consultations."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.accounts.decorators import resident_required, role_required
from onewindow.accounts.models import Role

from . import community, selectors
from .forms import (
    AssociationForm,
    CommentForm,
    ConsultationForm,
    EventForm,
    FeedbackForm,
    HoursForm,
    ShiftForm,
    VolunteerForm,
)
from .models import Volunteer

station_staff_required = role_required(Role.STATION_STAFF)


@require_POST
@resident_required
def feedback(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    service = selectors.service_get(uid=uid)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        community.feedback_give(
            user=request.user,
            service=service,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("Thank you for your rating."))
    else:
        messages.error(request, _("Choose a rating from 1 to 5."))
    return redirect("services:service", uid=service.uid)


@resident_required
def volunteer(request: HttpRequest) -> HttpResponse:
    me = Volunteer.objects.filter(user=request.user).first()
    initial = {"languages": me.languages, "skills": me.skills} if me else None
    form = VolunteerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        community.volunteer_register(user=request.user, **form.cleaned_data)
        messages.success(request, _("Thank you: the stations can now count on you."))
        return redirect("services:volunteer")
    district = request.GET.get("district", "")
    return render(
        request,
        "services/volunteer.html",
        {
            "form": form,
            "volunteer": me,
            "shifts": selectors.open_shifts(district=district)[:50] if me else [],
            "signups": selectors.my_signups(user=request.user),
        },
    )


@require_POST
@resident_required
def shift_sign_up(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    community.shift_sign_up(user=request.user, shift=selectors.shift_get(uid=uid))
    messages.success(request, _("You are signed up for the shift."))
    return redirect("services:volunteer")


@require_POST
@resident_required
def shift_cancel(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    community.shift_cancel(
        user=request.user, signup=selectors.signup_get(user=request.user, uid=uid)
    )
    messages.success(request, _("Your sign-up is cancelled."))
    return redirect("services:volunteer")


@station_staff_required
def staff_shifts(request: HttpRequest) -> HttpResponse:
    form = ShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        community.shift_post(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The shift is posted."))
        return redirect("services:staff_shifts")
    return render(
        request,
        "services/staff_shifts.html",
        {"form": form, "shifts": selectors.station_shifts(actor=request.user)},
    )


@require_POST
@station_staff_required
def staff_hours(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    signup = selectors.station_signup_get(actor=request.user, uid=uid)
    form = HoursForm(request.POST)
    if form.is_valid():
        community.hours_record(actor=request.user, signup=signup, hours=form.cleaned_data["hours"])
        messages.success(request, _("Hours recorded."))
    else:
        messages.error(request, _("Hours must be more than 0 and at most 24."))
    return redirect("services:staff_shifts")


def associations(request: HttpRequest) -> HttpResponse:
    return render(
        request, "services/associations.html", {"associations": selectors.associations_public()}
    )


def association(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    found = selectors.association_get(uid=uid)
    member = request.user.is_authenticated and found.members.filter(pk=request.user.pk).exists()
    form = EventForm(request.POST or None, stations=list(found.stations.all())) if member else None
    if request.method == "POST":
        if form is None:
            return redirect("services:association", uid=found.uid)
        if form.is_valid():
            community.association_event_post(
                user=request.user,
                association=found,
                station_id=int(form.cleaned_data["station"]),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                starts_at=form.cleaned_data["starts_at"],
            )
            messages.success(request, _("The event is posted."))
            return redirect("services:association", uid=found.uid)
    return render(request, "services/association.html", {"association": found, "form": form})


@station_staff_required
def association_new(request: HttpRequest) -> HttpResponse:
    form = AssociationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = community.association_register(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The association is registered as a partner of your station."))
        return redirect("services:association", uid=made.uid)
    return render(request, "services/association_new.html", {"form": form})


def consultation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "services/consultations.html",
        {"consultations": selectors.consultations(), "now": timezone.now()},
    )


def consultation(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    found = selectors.consultation_get(uid=uid)
    is_open = found.opens_at <= timezone.now() < found.closes_at
    capacities = community.capacities_of(request.user, found) if is_open else []
    form = CommentForm(request.POST or None, capacities=capacities) if capacities else None
    if request.method == "POST" and form is not None and form.is_valid():
        capacity, association_ = form.cleaned_data["capacity"]
        community.consultation_comment(
            user=request.user,
            consultation=found,
            capacity=capacity,
            association=association_,
            stance=form.cleaned_data["stance"],
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Thank you: your comment is recorded."))
        return redirect("services:consultation", uid=found.uid)
    return render(
        request,
        "services/consultation.html",
        {"consultation": found, "form": form, "is_open": is_open},
    )


def consultation_summary(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    found = selectors.consultation_get(uid=uid)
    return render(
        request,
        "services/consultation_summary.html",
        {"consultation": found, **selectors.consultation_summary(consultation=found)},
    )


@role_required(Role.ADMINISTRATOR)
def consultation_new(request: HttpRequest) -> HttpResponse:
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = community.consultation_open(
            actor=request.user,
            title=form.texts("title"),
            question=form.texts("question"),
            opens_at=form.cleaned_data["opens_at"],
            closes_at=form.cleaned_data["closes_at"],
            experts=form.cleaned_data["experts"],
            documents=form.cleaned_data["documents"],
        )
        messages.success(request, _("The consultation is open."))
        return redirect("services:consultation", uid=made.uid)
    return render(request, "services/consultation_new.html", {"form": form})
